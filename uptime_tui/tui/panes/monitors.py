"""The Monitors pane: every monitor, its status, last response, recent responses and 24 h uptime.

Its rows are read in two steps above READ_IN_ONE_STEP monitors: the definitions and statuses
first (the pane paints from them), then the results and counts (`read_results`), which the
dashboard asks for once the first step is shown. Checks and status changes fold in from the
engine's messages; only a monitor added or removed needs a read.
"""

from __future__ import annotations

from datetime import datetime

from uptime_tui.config import Config
from uptime_tui.queries import dashboard as queries
from uptime_tui.queries.dashboard import IncidentRow, MonitorRow, MonitorStats
from uptime_tui.tui import format as fmt
from uptime_tui.tui.messages import (EngineMessage, IncidentResolved, MonitorChecked, MonitorStatusChanged,
                                     ResourceCreated, ResourceDestroyed, ResourcePaused, ResourceUnpaused)
from uptime_tui.tui.panes.pane import Pane
from uptime_tui.tui.reads import ConsoleReads
from uptime_tui.tui.widgets.pane_table import Column

# Up to this many monitors, rows and results are read in one step (it takes well under 100 ms);
# above it the pane paints from the rows first and the results follow.
READ_IN_ONE_STEP = 2000

MONITOR_COLUMNS = [
    Column("Status", lambda m, now: fmt.status(m.status), 11),
    Column("Name", lambda m, now: m.name, min_width=10),
    Column("Type", lambda m, now: m.type, 7, hide_below=96),
    Column("Target", lambda m, now: m.target, min_width=8, hide_below=90),
    Column("Last", lambda m, now: fmt.milliseconds(m.response_ms), 7),
    Column("Recent", lambda m, now: fmt.sparkline(m.recent, 10), 10),
    Column("24h", lambda m, now: fmt.percent(m.uptime_24h), 7),
    Column("Checked", lambda m, now: fmt.ago(m.checked_at, now), 7),
]


class MonitorsPane(Pane):
    """Monitors, by name."""

    NAME, TITLE, COLUMNS = "monitors", "Monitors", MONITOR_COLUMNS
    EMPTY = "no monitors (add some to the config file)"
    CACHE_SEARCH = True  # 10,000 rows: their search texts are kept until a row changes

    def search_text(self, m: MonitorRow) -> str:
        return f"{m.status} {m.name} {m.type} {m.target} {m.group or ''}"

    def read(self, reads: ConsoleReads, config: Config | None, now: datetime) -> list[MonitorRow]:
        rows = reads.monitor_rows(config, now)
        if not self.results_follow(rows):
            queries.fill_monitor_stats(rows, reads.monitor_stats(now))
        return rows

    @staticmethod
    def results_follow(rows: list[MonitorRow]) -> bool:
        """Whether `read` left the results to `read_results`."""
        return len(rows) > READ_IN_ONE_STEP

    def read_results(self, reads: ConsoleReads, now: datetime) -> dict[int, MonitorStats]:
        """The second step: every monitor's recent results and 24 h counts (in a thread worker)."""
        return reads.monitor_stats(now)

    def show(self, rows: list[MonitorRow], number: int) -> None:
        self._keep_live_status(rows)
        if self.results_follow(rows):
            self._keep_results(rows)
        self.set_rows(rows)

    def show_results(self, stats: dict[int, MonitorStats]) -> None:
        """The second step's results, into the rows shown."""
        queries.fill_monitor_stats(self.rows, stats)
        self.rows_changed()  # statuses may have changed ('new' to 'up')
        self.redraw()

    def _keep_results(self, rows: list[MonitorRow]) -> None:
        """Until the second step fills them, a row read again keeps the results it showed."""
        for row in rows:
            old = self.get(row.id)
            if old is not None:
                row.recent, row.response_ms, row.checked_at = old.recent, old.response_ms, old.checked_at
                row.checks_24h, row.failures_24h = old.checks_24h, old.failures_24h

    def _keep_live_status(self, rows: list[MonitorRow]) -> None:
        """The engine flushes calm states every few seconds: a status learnt from its messages
        is newer than a stored 'new'."""
        for row in rows:
            old = self.get(row.id)
            if row.status == "new" and old is not None and old.status not in ("new", "paused"):
                row.status = old.status

    def show_degraded(self, incidents: list[IncidentRow]) -> None:
        """A monitor with an open degraded incident shows degraded (and up again when it closes)."""
        degraded = {i.resource_id for i in incidents
                    if i.active and i.resource_type == "monitor" and i.type == "degraded"}
        for row in self.rows:
            if row.status == "up" and row.id in degraded:
                row.status = "degraded"
            elif row.status == "degraded" and row.id not in degraded:
                row.status = "up"
            else:
                continue
            self.row_changed(row.id)

    def fold(self, message: EngineMessage) -> bool:
        match message:
            case MonitorChecked():
                self._checked(message)
            case MonitorStatusChanged():
                self._set_status(message.monitor_id, message.status)
            case ResourcePaused(kind="monitor"):
                self._set_status(message.resource_id, "paused")
            case ResourceUnpaused(kind="monitor"):
                self._set_status(message.resource_id, "new")
            case IncidentResolved(resource_type="monitor", actor=None):  # the monitor recovered
                self._set_status(message.resource_id, "up")
            case ResourceCreated(kind="monitor") | ResourceDestroyed(kind="monitor"):
                return True
        return False

    def _checked(self, message: MonitorChecked) -> None:
        row = self.get(message.monitor_id)
        if row is None:
            return
        row.record_check(message.at, message.response_time, message.success)
        if message.success and row.status == "new":
            row.status = "up"
        self.row_changed(row.id)

    def _set_status(self, monitor_id: int, status: str) -> None:
        row = self.get(monitor_id)
        if row is not None and (row.status != "paused" or status == "new"):
            row.status = status
            self.row_changed(row.id)
