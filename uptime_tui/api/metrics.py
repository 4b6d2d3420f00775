"""`GET /metrics`: the engine in Prometheus' text format (version 0.0.4), for a scraper.

A monitor's status is `uptime_monitor_up{monitor, name, type}`: 1 while it answers (up or
degraded), 0 while it does not (down, or verifying a recovery), Prometheus' own convention for
`up`, so `uptime_monitor_up == 0` is the alert rule and `avg_over_time` the availability. A
one-hot `uptime_monitor_status{monitor, status}` over the four statuses (node_exporter's
systemd-unit shape) would say degraded and verifying apart, but it is four series per monitor
where this is one: at 10,000 monitors those 40,000 series alone cost most of the 200 ms a scrape
may take. Degraded and verifying stay visible in the console and the API. `name` and `type` ride
on this gauge only; the other per-monitor series carry `monitor` (and `region`) and join on it.

The per-monitor figures live in the engine's memory (engine/metrics.py) and are read by a custom
collector at scrape time, on the event loop, without a query. The counts that live only in the
database (open incidents by severity, deliveries by channel and state) are read through the
listener's read pool, off the loop, at most once every COUNTS_EVERY seconds, and served from
that cache in between; when the database cannot be read the last counts are served (none before
the first read).

Not exposed: certificate expiry (a check result carries only a cause such as "certificate
expires in 5 days", not the date) and heartbeats. Engine lag is the scheduler's: a summary of
how late each check started after its slot, so `rate(_sum) / rate(_count)` is the mean lag.

The text is written by `Exposition` here, not prometheus-client's `generate_latest`, which checks
and escapes every label name of every sample again (about 5 µs a sample: 70,000 samples at 10,000
monitors took half a second). `Exposition` takes any collector's families, writes the same
format (help and type lines, `_total` on counters), escapes label values and help text as the
format asks, and keeps each sample's rendered labels for the next scrape; label and metric names are this module's constants, valid by construction.

An API key with `read` is required unless `settings.metrics_public` is true (read per request,
so a reload applies at once).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

from aiohttp import web
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import CollectorRegistry
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString

from uptime_tui.api import app_keys
from uptime_tui.api.auth import requires
from uptime_tui.api.openapi_schemas import ref
from uptime_tui.engine.port import EnginePort
from uptime_tui.queries.deliveries import channel_states
from uptime_tui.queries.incidents import open_by_severity

log = logging.getLogger(__name__)

COUNTS_EVERY = 5.0  # seconds between two reads of the database's counts
ANSWERING = frozenset({"up", "degraded"})  # the statuses `uptime_monitor_up` counts as 1
SEVERITIES = ("critical", "warning")  # always present, 0 when none is open
DELIVERY_STATES = ("pending", "sent", "failed")


def _database_counts() -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    return open_by_severity(), channel_states()


class DatabaseCounts:
    """The counts only the database knows, read at most every COUNTS_EVERY seconds."""

    def __init__(self, reads, every: float = COUNTS_EVERY):
        self.reads, self.every = reads, every
        self.value: tuple[dict[str, int], dict[str, dict[str, int]]] | None = None
        self._read_at = float("-inf")
        self._lock = asyncio.Lock()

    async def refresh(self) -> None:
        """Read the counts again when the last read is older than `every` (one read at a time)."""
        if time.monotonic() - self._read_at < self.every:
            return
        async with self._lock:
            if time.monotonic() - self._read_at < self.every:
                return  # a concurrent scrape read them
            try:
                self.value = await self.reads.run(_database_counts)
            except Exception as exc:  # the in-memory figures are still worth serving
                log.warning("metrics: could not read the database's counts: %s", type(exc).__name__)
            self._read_at = time.monotonic()


class EngineCollector:
    """A prometheus-client collector over the engine's in-memory figures and the cached counts."""

    def __init__(self, engine: EnginePort, counts: DatabaseCounts):
        self.engine, self.counts = engine, counts

    def collect(self):
        up = GaugeMetricFamily("uptime_monitor_up", "1 while the monitor answers (up or degraded), "
                               "0 while it is down or verifying", labels=("monitor", "name", "type"))
        response = GaugeMetricFamily("uptime_monitor_response_time_seconds",
                                     "The last check's response time", labels=("monitor",))
        checks = CounterMetricFamily("uptime_monitor_checks", "Checks recorded since the engine started",
                                     labels=("monitor", "region"))
        failures = CounterMetricFamily("uptime_monitor_failures", "Failed checks since the engine started",
                                       labels=("monitor", "region"))
        expiry = GaugeMetricFamily("uptime_monitor_certificate_expiry_timestamp_seconds",
                                   "When the last certificate a check saw expires (Unix time)", labels=("monitor",))
        # Samples are built here rather than by add_metric (which zips the labels for each one):
        # this loop runs once per monitor per scrape.
        up_rows, response_rows, check_rows, failure_rows = up.samples, response.samples, checks.samples, failures.samples
        for reading in self.engine.monitor_readings():
            key, figures = reading.monitor_id, reading.figures
            up_rows.append(Sample("uptime_monitor_up", {"monitor": key, "name": reading.name, "type": reading.type},
                                  1.0 if reading.status in ANSWERING else 0.0))
            if figures.response_time is not None:
                response_rows.append(Sample("uptime_monitor_response_time_seconds", {"monitor": key},
                                            figures.response_time))
            if figures.certificate_expiry is not None:
                expiry.samples.append(Sample("uptime_monitor_certificate_expiry_timestamp_seconds", {"monitor": key},
                                             figures.certificate_expiry))
            for region, count in figures.checks.items():
                check_rows.append(Sample("uptime_monitor_checks_total", {"monitor": key, "region": region}, count))
                failure_rows.append(Sample("uptime_monitor_failures_total", {"monitor": key, "region": region},
                                           figures.failures.get(region, 0)))
        yield from (up, response, checks, failures, expiry)

        engine = self.engine.engine_reading()
        yield CounterMetricFamily("uptime_engine_checks", "Check results the engine recorded",
                                  value=engine.checks_recorded)
        yield SummaryMetricFamily("uptime_engine_check_lag_seconds",
                                  "How late scheduled checks started after their slot",
                                  count_value=engine.checks_started, sum_value=engine.lag_seconds_total)
        if self.counts.value is not None:
            yield from self._database_families(*self.counts.value)

    @staticmethod
    def _database_families(severities: dict[str, int], deliveries: dict[str, dict[str, int]]):
        incidents = GaugeMetricFamily("uptime_incidents_open", "Open incidents by severity",
                                      labels=("severity",))
        for severity in sorted(set(SEVERITIES) | set(severities)):
            incidents.add_metric((severity,), severities.get(severity, 0))
        sent = GaugeMetricFamily("uptime_notification_deliveries",
                                 "Notification deliveries in the outbox by channel and state",
                                 labels=("channel", "state"))
        for channel in sorted(deliveries):
            for state in sorted(set(DELIVERY_STATES) | set(deliveries[channel])):
                sent.add_metric((channel, state), deliveries[channel].get(state, 0))
        return incidents, sent


def _escape_value(value: str) -> str:
    if "\\" in value or "\n" in value or '"' in value:
        return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
    return value


def _number(value) -> str:
    text = repr(value)  # an int as digits, a float as Python writes it (Prometheus reads both)
    return floatToGoString(value) if text[-1] in "fn" else text  # inf, -inf, nan as Go writes them


class Exposition:
    """Writes a registry's families in the text format 0.0.4, as `generate_latest` does but for
    label order (as declared, not sorted) and large numbers (Python's repr, which Prometheus reads).

    A sample's rendered labels are kept from one scrape to the next, by family and label values
    (a monitor's labels change only with its definition), so a scrape renders only new ones; what
    a scrape did not use is dropped, so removed monitors do not stay."""

    def __init__(self, registry: CollectorRegistry):
        self.registry = registry
        self._labels: dict[tuple, str] = {}

    def render(self) -> bytes:
        """One scrape's body, with the cycle collector paused: a scrape allocates two objects per
        sample, which would set off a pass or two over the whole heap in its middle (70 of the
        170 ms at 10,000 monitors, bench/metrics.py); none forms a cycle, so reference counting
        frees them all as it ends."""
        paused = gc.isenabled()
        if paused:
            gc.disable()
        try:
            return self._render()
        finally:
            if paused:
                gc.enable()

    def _render(self) -> bytes:
        out: list[str] = []
        known, used = self._labels, {}
        for family in self.registry.collect():
            name = family.name + "_total" if family.type == "counter" else family.name
            help_text = family.documentation.replace("\\", "\\\\").replace("\n", "\\n")
            out.append(f"# HELP {name} {help_text}\n# TYPE {name} {family.type}\n")
            for sample in family.samples:
                if sample.name.endswith("_created"):
                    continue
                if not sample.labels:
                    out.append(f"{sample.name} {_number(sample.value)}\n")
                    continue
                key = (sample.name, *sample.labels.values())
                head = known.get(key)
                if head is None:
                    rendered = ",".join([f'{label}="{_escape_value(value)}"' for label, value in sample.labels.items()])
                    head = f"{sample.name}{{{rendered}}} "
                used[key] = head
                out.append(head + _number(sample.value) + "\n")
        self._labels = used
        return "".join(out).encode()


EXPOSITION: web.AppKey[Exposition] = web.AppKey("metrics_exposition", Exposition)
COUNTS: web.AppKey[DatabaseCounts] = web.AppKey("metrics_counts", DatabaseCounts)


async def _scrape(request: web.Request) -> web.Response:
    await request.app[COUNTS].refresh()
    return web.Response(body=request.app[EXPOSITION].render(),
                        headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})


_guarded = requires("read")(_scrape)


async def metrics(request: web.Request) -> web.Response:
    """The exposition; a key with `read` unless `settings.metrics_public`."""
    if request.app[app_keys.ENGINE].config.settings.metrics_public:
        return await _scrape(request)
    return await _guarded(request)


def add_routes(app: web.Application) -> None:
    """Mount `/metrics` over the app's engine and read pool (app_keys.install first)."""
    counts = DatabaseCounts(app[app_keys.READER])
    registry = CollectorRegistry(auto_describe=False)
    registry.register(EngineCollector(app[app_keys.ENGINE], counts))
    app[COUNTS], app[EXPOSITION] = counts, Exposition(registry)
    app.router.add_get("/metrics", metrics, allow_head=False)


OPENAPI_PATH = {"get": {
    "summary": "Prometheus metrics: monitor statuses, response times, checks and failures by region, "
               "open incidents by severity, notification deliveries, engine lag (no key with "
               "settings.metrics_public)",
    "tags": ["metrics"],
    "responses": {
        "200": {"description": "The text exposition format 0.0.4",
                "content": {"text/plain; version=0.0.4": {"schema": {"type": "string"}}}},
        "401": {"description": "No valid API key or console credential (and metrics_public is not set)",
                "content": {"application/json": {"schema": ref("Error")}}},
        "403": {"description": "The key lacks the read permission",
                "content": {"application/json": {"schema": ref("Error")}}},
    },
}}
