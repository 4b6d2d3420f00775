"""GET /metrics over real HTTP: scraped from a running listener and parsed with prometheus-client's
own text parser."""

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import CollectorRegistry

from support.api import CONFIG, READ, T0, Clock, feed, open_incident, running, serving
from uptime_tui.api import metrics
from uptime_tui.store.models import NotificationDelivery


def samples(body: str) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} of an exposition."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body) for s in family.samples}


def up(parsed: dict, monitor: str) -> float:
    [value] = [value for (name, labels), value in parsed.items()
               if name == "uptime_monitor_up" and dict(labels)["monitor"] == monitor]
    return value


@pytest.mark.anyio
async def test_statuses_response_times_counters_and_incidents(database):
    clock = Clock()
    async with serving(database, clock) as (engine, client):
        await open_incident(engine, clock, "web")  # two failures: down, one critical incident
        await feed(engine, clock, "api", times=3)
        response = await client.get("/metrics", headers=READ)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        parsed = samples(response.text)

        assert parsed[("uptime_monitor_up", (("monitor", "web"), ("name", "Web"), ("type", "http")))] == 0  # down
        assert (up(parsed, "api"), up(parsed, "cdn")) == (1, 1)
        assert parsed[("uptime_monitor_response_time_seconds", (("monitor", "web"),))] == 0.05
        assert ("uptime_monitor_response_time_seconds", (("monitor", "cdn"),)) not in parsed  # never checked
        assert parsed[("uptime_monitor_checks_total", (("monitor", "web"), ("region", "local")))] == 2
        assert parsed[("uptime_monitor_failures_total", (("monitor", "web"), ("region", "local")))] == 2
        assert parsed[("uptime_monitor_checks_total", (("monitor", "api"), ("region", "local")))] == 3
        assert parsed[("uptime_monitor_failures_total", (("monitor", "api"), ("region", "local")))] == 0
        assert parsed[("uptime_engine_checks_total", ())] == 5
        assert parsed[("uptime_engine_check_lag_seconds_count", ())] == 0  # no probes in tests
        assert parsed[("uptime_incidents_open", (("severity", "critical"),))] == 1
        assert parsed[("uptime_incidents_open", (("severity", "warning"),))] == 0


@pytest.mark.anyio
async def test_certificate_expiry_of_the_last_certificate_seen(database):
    from uptime_tui.results import CheckResult

    clock = Clock()
    async with serving(database, clock) as (engine, client):
        monitor = engine.monitors["api"].item
        for expiry in (1_900_000_000, 1_900_086_400, None):  # a check without a certificate keeps the last
            await engine.record_result(monitor, CheckResult("api", True, None, 0.05, 10.0, 200, "local", clock.now,
                                                            certificate_expiry=expiry))
        parsed = samples((await client.get("/metrics", headers=READ)).text)
    assert parsed[("uptime_monitor_certificate_expiry_timestamp_seconds", (("monitor", "api"),))] == 1_900_086_400
    assert ("uptime_monitor_certificate_expiry_timestamp_seconds", (("monitor", "web"),)) not in parsed


@pytest.mark.anyio
async def test_database_counts_are_cached_between_scrapes(database):
    clock = Clock()
    async with running(database, clock) as runtime:
        engine, counts = runtime.engine, runtime.listener.app[metrics.COUNTS]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{runtime.listener.port}", timeout=10) as client:
            first = samples((await client.get("/metrics", headers=READ)).text)
            assert first[("uptime_incidents_open", (("severity", "critical"),))] == 0
            await open_incident(engine, clock, "web")
            second = samples((await client.get("/metrics", headers=READ)).text)
            # The incident's count waits for the next read of the database; the status does not.
            assert second[("uptime_incidents_open", (("severity", "critical"),))] == 0
            assert up(second, "web") == 0
            counts.every = 0.0
            third = samples((await client.get("/metrics", headers=READ)).text)
            # That scrape served the counts it had and started the next read, off the request.
            assert third[("uptime_incidents_open", (("severity", "critical"),))] == 0
            await counts.settled()
            fourth = samples((await client.get("/metrics", headers=READ)).text)
            assert fourth[("uptime_incidents_open", (("severity", "critical"),))] == 1


@pytest.mark.anyio
async def test_a_read_key_is_required_unless_metrics_are_public(database):
    clock = Clock()
    async with serving(database, clock) as (engine, client):
        assert (await client.get("/metrics")).status_code == 401
        assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong-token-0123456789"})).status_code == 401
    public = CONFIG.replace('team_id: sre}', 'team_id: sre, metrics_public: true}')
    async with serving(database, clock, public) as (engine, client):
        response = await client.get("/metrics")
        assert response.status_code == 200 and "uptime_monitor_up" in response.text


@pytest.mark.anyio
async def test_degraded_answers_verifying_does_not(database):
    clock = Clock()
    async with serving(database, clock) as (engine, client):
        await feed(engine, clock, "api", degraded=True)
        await open_incident(engine, clock, "web")
        await feed(engine, clock, "web")  # one success of two: verifying its recovery
        parsed = samples((await client.get("/metrics", headers=READ)).text)
        assert (engine.monitors["api"].state.status, engine.monitors["web"].state.status) == ("degraded", "verifying")
        assert (up(parsed, "api"), up(parsed, "web")) == (1, 0)
        assert parsed[("uptime_monitor_checks_total", (("monitor", "web"), ("region", "local")))] == 3
        assert parsed[("uptime_monitor_failures_total", (("monitor", "web"), ("region", "local")))] == 2


@pytest.mark.anyio
async def test_deliveries_by_channel_and_state(database):
    clock = Clock()
    async with serving(database, clock) as (engine, client):
        with database.connection_context():
            for i, (channel, state) in enumerate([("chat", "sent"), ("chat", "sent"), ("chat", "failed"),
                                                  ("pager", "pending")]):
                NotificationDelivery.create(channel_id=channel, idempotency_key=f"k{i}@{channel}", payload={},
                                            state=state, next_attempt_at=T0, created_at=T0)
        parsed = samples((await client.get("/metrics", headers=READ)).text)
        deliveries = {labels: value for (name, labels), value in parsed.items() if name == "uptime_notification_deliveries"}
        assert deliveries == {
            (("channel", "chat"), ("state", "failed")): 1, (("channel", "chat"), ("state", "pending")): 0,
            (("channel", "chat"), ("state", "sent")): 2, (("channel", "pager"), ("state", "failed")): 0,
            (("channel", "pager"), ("state", "pending")): 1, (("channel", "pager"), ("state", "sent")): 0}


def test_label_values_and_help_are_escaped_as_the_parser_reads_them():
    class Names:
        def collect(self):
            family = GaugeMetricFamily("uptime_monitor_up", 'Help with \\ and\nnewline', labels=("monitor", "name"))
            family.add_metric(("web", 'A "quoted" \\ name\nover two lines'), 1)
            family.add_metric(("web2", 'A "quoted" \\ name\nover two lines'), float("nan"))
            yield family

    registry = CollectorRegistry(auto_describe=False)
    registry.register(Names())
    exposition = metrics.Exposition(registry)
    for _ in range(2):  # the second from the labels kept
        [family] = text_string_to_metric_families(exposition.render().decode())
        assert family.documentation == 'Help with \\ and\nnewline'
        assert [s.labels["name"] for s in family.samples] == ['A "quoted" \\ name\nover two lines'] * 2
        assert family.samples[0].value == 1 and family.samples[1].value != family.samples[1].value  # NaN


def test_monitor_series_escape_labels_keep_them_and_drop_removed_monitors():
    from uptime_tui.api.monitor_series import MonitorSeries
    from uptime_tui.engine.metrics import MonitorFigures, MonitorReading

    odd = 'A "quoted" \\ name\nover two lines'
    figures = MonitorFigures(0.25, {"eu": 3, 'r"1': 1}, {"eu": 1}, 1900000000)
    series = MonitorSeries()

    def scrape(readings) -> dict[tuple, float]:
        out: list[str] = []
        series.render(readings, out)
        return samples("".join(out))

    both = [MonitorReading("web", odd, "http", "degraded", False, figures),
            MonitorReading("db", "DB", "postgres", "down", False, MonitorFigures())]
    for _ in range(2):  # the second from the label text kept
        parsed = scrape(both)
        assert parsed[("uptime_monitor_up", (("monitor", "web"), ("name", odd), ("type", "http")))] == 1
        assert parsed[("uptime_monitor_up", (("monitor", "db"), ("name", "DB"), ("type", "postgres")))] == 0
        assert parsed[("uptime_monitor_checks_total", (("monitor", "web"), ("region", 'r"1')))] == 1
        assert parsed[("uptime_monitor_failures_total", (("monitor", "web"), ("region", 'r"1')))] == 0
        assert parsed[("uptime_monitor_failures_total", (("monitor", "web"), ("region", "eu")))] == 1
        assert parsed[("uptime_monitor_response_time_seconds", (("monitor", "web"),))] == 0.25
        assert parsed[("uptime_monitor_certificate_expiry_timestamp_seconds", (("monitor", "web"),))] == 1900000000
    renamed = scrape([MonitorReading("web", "Web", "http", "up", False, figures)])
    assert {labels for name, labels in renamed if name == "uptime_monitor_up"} == {
        (("monitor", "web"), ("name", "Web"), ("type", "http"))}
    assert not any(dict(labels).get("monitor") == "db" for _, labels in renamed)
