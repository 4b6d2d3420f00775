"""IncidentScreen: one incident, its timeline of every event, its evidence and its actions."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from uptime_tui.queries import dashboard as queries
from uptime_tui.tui import format as fmt
from uptime_tui.tui.messages import EngineMessage, IncidentChanged
from uptime_tui.tui.screens.detail import DetailScreen
from uptime_tui.tui.tones import tone_styles
from uptime_tui.tui.widgets.keys_footer import KeysFooter
from uptime_tui.tui.widgets.pane_table import Column, PaneTable


TIMELINE_COLUMNS = [
    Column("Time (UTC)", lambda e, now: fmt.clock(e[1]), 19),
    Column("Event", lambda e, now: e[2], 24),
    Column("Message", lambda e, now: e[3], min_width=10),
]
EVIDENCE_COLUMNS = [
    Column("Time (UTC)", lambda e, now: fmt.clock(e[1]), 19),
    Column("Region", lambda e, now: e[2], 12),
    Column("Code", lambda e, now: str(e[3] or "-"), 5),
    Column("TTFB", lambda e, now: fmt.milliseconds(e[4]), 8),
    Column("Cause", lambda e, now: e[5] or "-", min_width=10),
]


def _styled(badge: fmt.Badge, tones: dict) -> tuple:
    """A badge as `Text.append` arguments."""
    return badge.text, tones[badge.tone]


def _numbered(rows: list[tuple]) -> list[tuple]:
    """(n, *row): a key for each line, even when two lines read the same."""
    return [(n, *row) for n, row in enumerate(rows)]


class IncidentScreen(DetailScreen):
    """The keys a, s, r, o and p act on this incident; esc goes back."""

    read = staticmethod(lambda reads, incident_id: reads.incident_detail(incident_id))

    def compose(self) -> ComposeResult:
        clock = lambda: self.app.clock()  # noqa: E731
        yield Static("", id="incident-head", classes="detail-head")
        with Vertical(classes="detail-body"):
            yield PaneTable("Timeline", TIMELINE_COLUMNS, key=lambda e: e[0], search=lambda e: f"{e[2]} {e[3]}",
                            clock=clock, id="timeline", empty="no events")
            yield PaneTable("Evidence", EVIDENCE_COLUMNS, key=lambda e: e[0], search=lambda e: e[5] or "",
                            clock=clock, id="evidence", empty="no evidence")
        yield KeysFooter()

    def present(self, incident_id: int, detail: queries.IncidentDetail | None) -> None:
        if detail is None:
            self.query_one("#incident-head", Static).update(
                f"Incident #{incident_id} was deleted (esc to go back)")
            return
        row = self.app.dashboard.table("incidents").get(incident_id)
        if row is not None and row.pending and detail.incident.acknowledged_by is None:
            # acknowledged from the dashboard a moment ago; the engine has not answered yet
            detail.incident.acknowledged_by, detail.incident.pending = row.acknowledged_by, row.pending
        self._show_head(detail.incident, len(detail.group) + 1)
        self.query_one("#timeline", PaneTable).set_rows(_numbered(detail.timeline))
        self.query_one("#evidence", PaneTable).set_rows(_numbered(detail.evidence))

    def concerns(self, message: EngineMessage) -> bool:
        """Anything about this incident (or its group)."""
        if not isinstance(message, IncidentChanged):
            return False
        return message.incident_id == self.key or bool(
            self.detail and self.detail.incident.group_id
            and message.incident_id in {i.id for i in self.detail.group})

    def _show_head(self, i: queries.IncidentRow, group_size: int) -> None:
        """The incident's summary lines."""
        now = self.app.clock()
        head = self.query_one("#incident-head", Static)
        tones = tone_styles(self.app, head.rich_style)
        text = Text()
        text.append(f"#{i.id} {i.name}\n", style="bold")
        text.append(*_styled(fmt.badge(fmt.SEVERITY, i.severity), tones))
        text.append("  ")
        state = fmt.Badge(f"… {i.pending}", "warn") if i.pending else fmt.badge(fmt.INCIDENT_STATE, i.state(now))
        text.append(*_styled(state, tones))
        if i.acknowledged_by:
            text.append(f" by {i.acknowledged_by}")
        if i.state(now) == "snoozed":
            text.append(f" until {fmt.clock(i.snoozed_until)}")
        text.append(f"  {i.resource_type} {i.resource_name}  cause: {i.cause or i.type}\n")
        end = i.resolved_at or now
        text.append(f"started {fmt.clock(i.started_at)} ({fmt.ago(i.started_at, now)} ago), "
                    f"lasted {fmt.span((end - i.started_at).total_seconds())}, escalation level {i.escalation_level}")
        if i.group_id:
            text.append(f", group #{i.group_id} ({group_size} incidents)")
        if i.resolved_by or i.resolution_reason:
            text.append(f"\nresolved by {i.resolved_by or 'the system'}: {i.resolution_reason or '-'}")
        text.append("\na acknowledge · s snooze · r resolve · o reopen · p pause resource · esc back",
                    style=tones["muted"])
        head.update(text)

    def show_acknowledging(self, who: str):
        """Show the acknowledgement at once; returns what settles it with the engine's outcome."""
        detail = self.detail
        if detail is None or not detail.incident.active or detail.incident.acknowledged_by is not None:
            return lambda ok: None
        row = detail.incident
        row.acknowledged_by, row.pending = who, "acknowledging"
        self._show_head(row, len(detail.group) + 1)

        def settle(ok: bool) -> None:
            if row.pending == "acknowledging":
                row.pending = None
                if not ok:
                    row.acknowledged_by = None
                if self.detail is not None and self.detail.incident is row and self.is_mounted:
                    self._show_head(row, len(detail.group) + 1)

        return settle

    def selected_incident(self) -> queries.IncidentRow | None:
        """This incident."""
        return self.detail.incident if self.detail else None

    def selected_resource(self) -> tuple[str, int, str, bool] | None:
        """This incident's monitor or heartbeat."""
        if self.detail is None:
            return None
        i = self.detail.incident
        table = self.app.dashboard.table(f"{i.resource_type}s")
        row = table.get(i.resource_id)
        return (i.resource_type, i.resource_id, i.resource_name, row is not None and row.status == "paused")
