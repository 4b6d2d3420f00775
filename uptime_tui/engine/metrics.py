"""What the engine counts for `GET /metrics`, in memory: per monitor its last response time and
its checks and failures by region, and how many checks it recorded.

These change on every check, so they are kept here and read at scrape time instead of counted in
the database: a scrape costs no query, and recording a result costs two dict updates. They start
at zero when the engine starts (Prometheus counters may reset; `rate()` allows for it). The
api/metrics.py collector reads them through `EnginePort.monitor_readings()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


@dataclass(slots=True)
class MonitorFigures:
    """One monitor's figures since the engine started."""

    response_time: float | None = None  # seconds, the last check's; None before the first
    checks: dict[str, int] = field(default_factory=dict)  # region -> checks recorded
    failures: dict[str, int] = field(default_factory=dict)  # region -> failed checks recorded
    certificate_expiry: float | None = None  # Unix time of the last certificate seen's notAfter


class MonitorReading(NamedTuple):
    """A monitor as a scrape sees it: its definition's labels, status and figures (a tuple: one
    is made per monitor per scrape)."""

    monitor_id: str
    name: str
    type: str
    status: str  # up | degraded | down | verifying
    paused: bool
    figures: MonitorFigures  # the live object: read it at once, do not keep it


@dataclass(frozen=True, slots=True)
class EngineReading:
    """The engine's own figures since it started."""

    checks_recorded: int  # results through `record_result`, every monitor and region
    checks_started: int  # checks the scheduler started (0 when no probe runs)
    lag_seconds_total: float  # the sum, over those checks, of how late each started after its slot


class Figures:
    """Every monitor's figures, by YAML id."""

    def __init__(self):
        self.monitors: dict[str, MonitorFigures] = {}
        self.checks_recorded = 0

    def record(self, monitor_id: str, success: bool, response_time: float, region: str,
               certificate_expiry: float | None = None) -> None:
        """One check result of `monitor_id`."""
        figures = self.monitors.get(monitor_id)
        if figures is None:
            figures = self.monitors[monitor_id] = MonitorFigures()
        figures.response_time = response_time
        if certificate_expiry is not None:
            figures.certificate_expiry = certificate_expiry
        figures.checks[region] = figures.checks.get(region, 0) + 1
        if not success:
            figures.failures[region] = figures.failures.get(region, 0) + 1
        self.checks_recorded += 1

    def keep(self, monitor_ids) -> None:
        """Forget monitors a reload removed, so their series end."""
        wanted = set(monitor_ids)
        for gone in [key for key in self.monitors if key not in wanted]:
            del self.monitors[gone]

    def of(self, monitor_id: str) -> MonitorFigures:
        """A monitor's figures (empty ones before its first result)."""
        return self.monitors.get(monitor_id) or _NONE

    def readings(self, monitors: dict):
        """Every tracked monitor's labels, status and figures, for a scrape (a generator: read it
        on the engine's event loop, at once)."""
        for key, tracked in monitors.items():
            item = tracked.item
            yield MonitorReading(key, item.name, item.type, tracked.state.status, tracked.paused, self.of(key))


_NONE = MonitorFigures()
