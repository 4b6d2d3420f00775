"""The Events pane: the live tail of what the engine and the people did, newest first.

The engine's messages are put on top as they come (checks are not: hundreds a second would
bury the rest); a read (queries/events.py) then replaces them with the stored lines, which name
the person behind a change from the audit log. An incident change or a pause is read again for
that reason.
"""

from __future__ import annotations

from datetime import datetime
from itertools import count

from uptime_tui.config import Config
from uptime_tui.queries.events import EventRow
from uptime_tui.tui.messages import (EngineMessage, IncidentChanged, MonitorChecked, ResourcePaused,
                                     ResourceUnpaused)
from uptime_tui.tui.panes.pane import Pane
from uptime_tui.tui.reads import ConsoleReads
from uptime_tui.tui.widgets.pane_table import Column

EVENT_COLUMNS = [
    Column("Time", lambda e, now: e.at.strftime("%H:%M:%S"), 8),
    Column("Event", lambda e, now: e.title, 30),  # `incident.acknowledged by alice` whole
    Column("Message", lambda e, now: e.message, min_width=10),
]


class EventsPane(Pane):
    """Events and audit entries, newest first."""

    NAME, TITLE, COLUMNS, EMPTY = "events", "Events", EVENT_COLUMNS, "no events yet"

    def __init__(self, clock) -> None:
        super().__init__(clock)
        self._live = count()  # the keys of lines not read from the database yet

    @staticmethod
    def row_key(row: EventRow) -> str:
        return row.key

    def search_text(self, e: EventRow) -> str:
        return f"{e.title} {e.message}"

    def read(self, reads: ConsoleReads, config: Config | None, now: datetime) -> list[EventRow]:
        return reads.events()

    def fold(self, message: EngineMessage) -> bool:
        if isinstance(message, MonitorChecked):
            return False
        self.prepend(EventRow(f"live:{next(self._live)}", message.at, "event", message.name, message.text,
                              message.actor))
        # the audit log names who changed an incident or paused a resource: the read shows it
        return isinstance(message, (IncidentChanged, ResourcePaused, ResourceUnpaused))
