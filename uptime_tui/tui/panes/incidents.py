"""The Incidents pane: open incidents (newest first), then the last resolved ones.

An operation's effect shows at once, before the read that confirms it: the engine's message is
folded into the row, and an acknowledgement made here is shown even before the engine answers
(`show_acknowledging`). A read that began before such a change may arrive after it; the pane
then keeps the row it shows rather than flicker back (`_keep_learnt`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Iterable

from uptime_tui.config import Config
from uptime_tui.queries.dashboard import IncidentRow
from uptime_tui.tui import format as fmt
from uptime_tui.tui.messages import (EngineMessage, IncidentAcknowledged, IncidentChanged, IncidentReopened,
                                     IncidentResolved, IncidentSnoozed, IncidentUnsnoozed)
from uptime_tui.tui.panes.pane import Pane
from uptime_tui.tui.reads import ConsoleReads
from uptime_tui.tui.widgets.pane_table import Column


def _incident_state(i: IncidentRow, now: datetime) -> fmt.Badge:
    if i.pending:
        return fmt.Badge(f"… {i.pending}", "warn")
    state = i.state(now)
    if state == "acknowledged":
        return fmt.badge(fmt.INCIDENT_STATE, state, f" {i.acknowledged_by}")
    if state == "snoozed":
        return fmt.badge(fmt.INCIDENT_STATE, state, f" {fmt.span((i.snoozed_until - now).total_seconds())}")
    return fmt.badge(fmt.INCIDENT_STATE, state)


INCIDENT_COLUMNS = [
    Column("#", lambda i, now: f"#{i.id}", 5),
    Column("Severity", lambda i, now: fmt.badge(fmt.SEVERITY, i.severity), 11),
    Column("State", _incident_state, 16),
    Column("Resource", lambda i, now: i.resource_name, min_width=8),
    Column("Cause", lambda i, now: i.cause or i.type, min_width=8),
    # For says as much of an open incident: Resource and Cause have the room first
    Column("Started", lambda i, now: fmt.ago(i.started_at, now), 7, hide_below=140),
    Column("For", lambda i, now: fmt.span(((i.resolved_at or now) - i.started_at).total_seconds()), 6),
    Column("Esc", lambda i, now: str(i.escalation_level), 3),
    Column("Group", lambda i, now: f"#{i.group_id}" if i.group_id else "-", 5),
]


class IncidentsPane(Pane):
    """Incidents: open first."""

    NAME, TITLE, COLUMNS, EMPTY = "incidents", "Incidents", INCIDENT_COLUMNS, "no incidents: all quiet"

    def __init__(self, clock: Callable[[], datetime]) -> None:
        super().__init__(clock)
        self._acknowledging: dict[int, str] = {}  # incident id -> operator, until the engine answers
        # incident id -> the number of the last read started before the pane learnt of a change
        # to it (a message, an acknowledgement shown or answered): that read and older ones may
        # have read the database before the change, and must not take it back on screen.
        self._learnt: dict[int, int] = {}

    def search_text(self, i: IncidentRow) -> str:
        return (f"#{i.id} {i.severity} {i.state(self.clock())} {i.acknowledged_by or ''} "
                f"{i.resource_name} {i.cause or ''} {i.type}")

    def read(self, reads: ConsoleReads, config: Config | None, now: datetime) -> list[IncidentRow]:
        return reads.incidents(now)

    def show(self, rows: list[IncidentRow], number: int) -> None:
        self._keep_learnt(rows, number)
        self._keep_pending(rows)
        self.set_rows(rows)

    def open_incidents(self) -> list[IncidentRow]:
        return [i for i in self.rows if i.active]

    def _learnt_of(self, ids: Iterable[int]) -> None:
        """The pane learnt of changes the reads in flight may not have read."""
        for incident_id in ids:
            self._learnt[incident_id] = self.reads_started

    def _keep_learnt(self, rows: list[IncidentRow], number: int) -> None:
        """A read older than a change the pane shows keeps the row as shown (no flicker back)."""
        for i, row in enumerate(rows):
            if number <= self._learnt.get(row.id, -1) and (shown := self.get(row.id)) is not None:
                rows[i] = shown
        self._learnt = {k: n for k, n in self._learnt.items() if n >= number}

    def _keep_pending(self, rows: list[IncidentRow]) -> None:
        """An acknowledgement the engine has not answered yet stays shown over a read."""
        for row in rows:
            who = self._acknowledging.get(row.id)
            if who is not None and row.active and row.acknowledged_by is None:
                row.acknowledged_by, row.pending = who, "acknowledging"

    def show_acknowledging(self, incident: IncidentRow, who: str, whole_group: bool) -> Callable[[bool], None]:
        """Show the acknowledgement at once (optimistic), before the engine's writer confirms it.

        Returns the function to call with the outcome: it clears the pending mark, and takes the
        acknowledgement back when the engine refused it (the read that follows shows the truth).
        """
        marked = [row for row in self.rows
                  if row.active and row.acknowledged_by is None and (
                      row.id == incident.id or (whole_group and row.group_id == incident.group_id))]
        for row in marked:
            row.acknowledged_by, row.pending = who, "acknowledging"
            self._acknowledging[row.id] = who
            self.row_changed(row.id)
        self._learnt_of(row.id for row in marked)

        def settle(ok: bool) -> None:
            self._learnt_of(row.id for row in marked)
            for row in marked:
                self._acknowledging.pop(row.id, None)
                current = self.get(row.id)
                if current is None or current.pending != "acknowledging":
                    continue
                current.pending = None
                if not ok and current.acknowledged_by == who:
                    current.acknowledged_by = None
                self.row_changed(current.id)

        return settle

    def fold(self, message: EngineMessage) -> bool:
        """Show an operation's effect at once; the read that follows confirms it."""
        if not isinstance(message, IncidentChanged):
            return False
        row = self.get(message.incident_id)
        if row is None:
            return True
        match message:
            case IncidentAcknowledged():
                row.acknowledged_by, row.pending = message.actor or "system", None
                self._acknowledging.pop(row.id, None)
            case IncidentSnoozed():
                row.snoozed_until = message.until
            case IncidentUnsnoozed():
                row.snoozed_until = None
            case IncidentResolved():
                row.active, row.resolved_at, row.resolved_by = False, message.at, message.actor
            case IncidentReopened():
                row.active, row.resolved_at = True, None
            case _:
                return True
        self._learnt_of([row.id])
        self.row_changed(row.id)
        return True
