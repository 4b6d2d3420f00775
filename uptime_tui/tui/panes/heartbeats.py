"""The Heartbeats pane: every heartbeat, its status, last ping, next deadline and last run.

Pings and status changes fold in from the engine's messages (the next deadline is computed
again from the config); only a heartbeat added or removed needs a read. A start ping announces
nothing, so the dashboard also reads this pane every 15 s.
"""

from __future__ import annotations

from datetime import datetime

from uptime_tui.config import Config
from uptime_tui.queries import dashboard as queries
from uptime_tui.queries.dashboard import HeartbeatRow
from uptime_tui.tui import format as fmt
from uptime_tui.tui.messages import (EngineMessage, HeartbeatChecked, HeartbeatStatusChanged, ResourceCreated,
                                     ResourceDestroyed, ResourcePaused, ResourceUnpaused)
from uptime_tui.tui.panes.pane import Pane
from uptime_tui.tui.reads import ConsoleReads
from uptime_tui.tui.widgets.pane_table import Column

HEARTBEAT_COLUMNS = [
    Column("Status", lambda h, now: fmt.status(h.status), 11),
    Column("Name", lambda h, now: h.name, min_width=10),
    Column("Last ping", lambda h, now: fmt.ago(h.last_ping_at, now), 9),
    Column("Next", lambda h, now: fmt.until(h.next_expected, now), 10),
    Column("Run", lambda h, now: fmt.span(h.last_duration) if h.last_duration is not None else "-", 7),
]


class HeartbeatsPane(Pane):
    """Heartbeats, by name."""

    NAME, TITLE, COLUMNS, EMPTY = "heartbeats", "Heartbeats", HEARTBEAT_COLUMNS, "no heartbeats"

    def search_text(self, h: HeartbeatRow) -> str:
        return f"{h.status} {h.name}"

    def read(self, reads: ConsoleReads, config: Config | None, now: datetime) -> list[HeartbeatRow]:
        return reads.heartbeats(config, now)

    def fold(self, message: EngineMessage) -> bool:
        match message:
            case ResourceCreated(kind="heartbeat") | ResourceDestroyed(kind="heartbeat"):
                return True
            case HeartbeatChecked():
                row = self.get(message.heartbeat_id)
                if row is not None:
                    row.last_ping_at = message.at
                    if message.success and row.status in ("new", "started", "up"):
                        row.status = "up"
            case HeartbeatStatusChanged():
                row = self._with_status(message.heartbeat_id, message.status)
            case ResourcePaused(kind="heartbeat"):
                row = self._with_status(message.resource_id, "paused")
            case ResourceUnpaused(kind="heartbeat"):
                row = self._with_status(message.resource_id, "new")
            case _:
                return False
        if row is not None:
            row.next_expected = queries.next_expected(self.app.config, row, self.app.clock())
            self.row_changed(row.id)
            # Without the config (`--connect`) the deadline is not known here: the engine's read says it.
            return self.app.config is None
        return False

    def _with_status(self, heartbeat_id: int, status: str) -> HeartbeatRow | None:
        row = self.get(heartbeat_id)
        if row is not None:
            row.status = status
        return row
