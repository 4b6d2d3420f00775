"""`GET /metrics`: the engine in Prometheus' text format (version 0.0.4), for a scraper.

A monitor's status is `uptime_monitor_up{monitor, name, type}`: 1 while it answers (up or
degraded), 0 while it does not (down, or verifying a recovery), Prometheus' own convention for
`up`, so `uptime_monitor_up == 0` is the alert rule and `avg_over_time` the availability. A
one-hot `uptime_monitor_status{monitor, status}` over the four statuses (node_exporter's
systemd-unit shape) would say degraded and verifying apart, but it is four series per monitor
where this is one: at 10,000 monitors those 40,000 series alone cost most of the 200 ms a scrape
may take. Degraded and verifying stay visible in the console and the API. `name` and `type` ride
on this gauge only; the other per-monitor series carry `monitor` (and `region`) and join on it.

The per-monitor figures live in the engine's memory (engine/metrics.py) and are read at scrape
time, on the event loop, without a query: `monitor_series` writes those series (nearly every line
of a scrape) straight from the readings, each monitor's label text kept between scrapes. The
counts that live only in the database (open incidents by severity, deliveries by channel and
state) are read through the listener's read pool, off the loop and outside the scrape (but the
first), at most once every COUNTS_EVERY seconds, and served from that cache; when the database
cannot be read the last counts are served (none before the first read). A certificate's expiry
is the last one a check saw. Heartbeats are not exposed. Engine lag is the scheduler's: a summary of how late each check
started after its slot, so `rate(_sum) / rate(_count)` is the mean lag.

The other families go through prometheus-client's collector interface and are written by
`Exposition` here, not `generate_latest`, which checks and escapes every label name of every
sample again (about 5 µs a sample). `Exposition` takes any collector's families, writes the same
format (help and type lines, `_total` on counters), escapes label values and help text as the
format asks, and keeps each sample's rendered labels for the next scrape.

An API key with `read` is required unless `settings.metrics_public` is true (read per request,
so a reload applies at once).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable, Iterable

from aiohttp import web
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import CollectorRegistry

from uptime_tui.api import app_keys
from uptime_tui.api.auth import requires
from uptime_tui.api.monitor_series import MonitorSeries, escape_value, header, number
from uptime_tui.api.openapi_schemas import ref
from uptime_tui.engine.port import EnginePort
from uptime_tui.queries.deliveries import channel_states
from uptime_tui.queries.incidents import open_by_severity

log = logging.getLogger(__name__)

COUNTS_EVERY = 5.0  # seconds between two reads of the database's counts
SEVERITIES = ("critical", "warning")  # always present, 0 when none is open
DELIVERY_STATES = ("pending", "sent", "failed")


def _database_counts() -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    return open_by_severity(), channel_states()


class DatabaseCounts:
    """The counts only the database knows, read at most every COUNTS_EVERY seconds, in the
    background: a scrape serves the last counts and, when they are older than that, starts the
    next read, so no scrape but the first waits on the database (Prometheus scrapes less often
    than every 5 s, so a read in the request path would be in every scrape)."""

    def __init__(self, reads, every: float = COUNTS_EVERY):
        self.reads, self.every = reads, every
        self.value: tuple[dict[str, int], dict[str, dict[str, int]]] | None = None
        self._read_at = float("-inf")
        self._first = asyncio.Lock()
        self._next: asyncio.Task | None = None

    async def refresh(self) -> None:
        """Read the counts now if there are none yet; else start a read when they are old."""
        if self._read_at == float("-inf"):
            async with self._first:
                if self._read_at == float("-inf"):  # not read by a concurrent first scrape
                    await self._read()
        elif time.monotonic() - self._read_at >= self.every and (self._next is None or self._next.done()):
            self._next = asyncio.create_task(self._read())

    async def settled(self, _app: web.Application | None = None) -> None:
        """Wait for a read in progress (the listener's cleanup, so none is left behind; tests)."""
        if self._next is not None:
            await self._next

    async def _read(self) -> None:
        try:
            self.value = await self.reads.run(_database_counts)
        except Exception as exc:  # the in-memory figures are still worth serving
            log.warning("metrics: could not read the database's counts: %s", type(exc).__name__)
        self._read_at = time.monotonic()


class EngineCollector:
    """A prometheus-client collector over the engine's own counts and the cached database counts
    (the per-monitor series are written by monitor_series.MonitorSeries)."""

    def __init__(self, engine: EnginePort, counts: DatabaseCounts):
        self.engine, self.counts = engine, counts

    def collect(self):
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


class Exposition:
    """Writes a registry's families in the text format 0.0.4, as `generate_latest` does but for
    label order (as declared, not sorted) and large numbers (Python's repr, which Prometheus reads).

    A sample's rendered labels are kept from one scrape to the next, by family and label values
    (a monitor's labels change only with its definition), so a scrape renders only new ones; what
    a scrape did not use is dropped, so removed monitors do not stay."""

    def __init__(self, registry: CollectorRegistry, monitor_readings: Callable[[], Iterable] | None = None):
        self.registry, self.monitor_readings = registry, monitor_readings
        self.monitor_series = MonitorSeries()
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
        if self.monitor_readings is not None:
            self.monitor_series.render(self.monitor_readings(), out)
        known, used = self._labels, {}
        for family in self.registry.collect():
            name = family.name + "_total" if family.type == "counter" else family.name
            out.append(header(name, family.type, family.documentation))
            for sample in family.samples:
                if sample.name.endswith("_created"):
                    continue
                if not sample.labels:
                    out.append(f"{sample.name} {number(sample.value)}\n")
                    continue
                key = (sample.name, *sample.labels.values())
                head = known.get(key)
                if head is None:
                    rendered = ",".join([f'{label}="{escape_value(value)}"' for label, value in sample.labels.items()])
                    head = f"{sample.name}{{{rendered}}} "
                used[key] = head
                out.append(head + number(sample.value) + "\n")
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
    engine, counts = app[app_keys.ENGINE], DatabaseCounts(app[app_keys.READER])
    registry = CollectorRegistry(auto_describe=False)
    registry.register(EngineCollector(engine, counts))
    app[COUNTS], app[EXPOSITION] = counts, Exposition(registry, lambda: engine.monitor_readings())  # at scrape time
    app.on_cleanup.append(counts.settled)
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
