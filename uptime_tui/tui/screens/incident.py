"""IncidentScreen: one incident, its timeline of every event, its evidence and its actions."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from uptime_tui.tui import data
from uptime_tui.tui import format as fmt
from uptime_tui.tui.widgets.keys_footer import KeysFooter


class IncidentScreen(Screen):
    """The keys a, s, r, o and p act on this incident; esc goes back."""

    BINDINGS = [Binding("escape,backspace", "app.pop_screen", "Back")]

    class Loaded(Message):
        """The worker read the incident."""

        def __init__(self, detail: data.IncidentDetail | None) -> None:
            super().__init__()
            self.detail = detail

    def __init__(self, incident_id: int, row: data.IncidentRow | None = None) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.row = row  # the pane's row, shown while the timeline and evidence are read
        self.detail: data.IncidentDetail | None = None

    def compose(self) -> ComposeResult:
        yield Static(f"Incident #{self.incident_id}", id="incident-head", classes="detail-head")
        with Vertical(classes="detail-body"):
            yield Static("Timeline", classes="section")
            yield DataTable(id="timeline", cursor_type="row")
            yield Static("Evidence", classes="section")
            yield DataTable(id="evidence", cursor_type="row")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#timeline", DataTable).add_columns("Time (UTC)", "Event", "Message")
        self.query_one("#evidence", DataTable).add_columns("Time (UTC)", "Region", "Code", "TTFB", "Cause")
        if self.row is not None:
            self._show_head(self.row, None)
        self.reload()

    @work(thread=True, exclusive=True)
    def reload(self) -> None:
        """Read the incident off the UI's loop."""
        self.post_message(self.Loaded(data.incident_detail(self.incident_id)))

    def apply_event(self, payload: dict) -> None:
        """Events about this incident (or its group) re-read it."""
        if payload.get("incident_id") == self.incident_id or (
                self.detail and self.detail.incident.group_id and payload.get("incident_id") in
                {i.id for i in self.detail.group}):
            self.reload()

    def on_incident_screen_loaded(self, message: Loaded) -> None:
        detail = self.detail = message.detail
        if detail is None:
            self.query_one("#incident-head", Static).update(
                f"Incident #{self.incident_id} was deleted (esc to go back)")
            return
        self._show_head(detail.incident, len(detail.group) + 1)
        timeline = self.query_one("#timeline", DataTable)
        timeline.clear()
        for at, name, message_text in detail.timeline:
            timeline.add_row(fmt.clock(at), name, message_text)
        evidence = self.query_one("#evidence", DataTable)
        evidence.clear()
        for at, region, code, ttfb, cause in detail.evidence:
            evidence.add_row(fmt.clock(at), region, str(code or "-"), fmt.milliseconds(ttfb), cause or "-")

    def _show_head(self, i: data.IncidentRow, group_size: int | None) -> None:
        """The incident's summary lines (`group_size` None: its group is not read yet)."""
        now = self.app.clock()
        text = Text()
        text.append(f"#{i.id} {i.name}\n", style="bold")
        text.append_text(fmt.badge(fmt.SEVERITY, i.severity))
        text.append("  ")
        if i.pending:
            text.append(f"… {i.pending}", style="yellow")
        else:
            text.append_text(fmt.badge(fmt.INCIDENT_STATE, i.state(now)))
        if i.acknowledged_by:
            text.append(f" by {i.acknowledged_by}")
        if i.state(now) == "snoozed":
            text.append(f" until {fmt.clock(i.snoozed_until)}")
        text.append(f"  {i.resource_type} {i.resource_name}  cause: {i.cause or i.type}\n")
        end = i.resolved_at or now
        text.append(f"started {fmt.clock(i.started_at)} ({fmt.ago(i.started_at, now)} ago), "
                    f"lasted {fmt.span((end - i.started_at).total_seconds())}, escalation level {i.escalation_level}")
        if i.group_id:
            text.append(f", group #{i.group_id}" + (f" ({group_size} incidents)" if group_size else ""))
        if i.resolved_by or i.resolution_reason:
            text.append(f"\nresolved by {i.resolved_by or 'the system'}: {i.resolution_reason or '-'}")
        text.append("\na acknowledge · s snooze · r resolve · o reopen · p pause resource · esc back", style="dim")
        self.query_one("#incident-head", Static).update(text)

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

    def selected_incident(self) -> data.IncidentRow | None:
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
