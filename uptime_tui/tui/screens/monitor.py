"""MonitorScreen: a monitor's recent results, a response-time chart and its incidents."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Sparkline, Static

from uptime_tui.tui import data
from uptime_tui.tui import format as fmt
from uptime_tui.tui.widgets.keys_footer import KeysFooter


class MonitorScreen(Screen):
    """enter on an incident opens it; p pauses or resumes; esc goes back."""

    BINDINGS = [Binding("escape,backspace", "app.pop_screen", "Back"),
                Binding("enter", "open_incident", "Incident", show=False)]

    class Loaded(Message):
        """The worker read the monitor."""

        def __init__(self, detail: data.MonitorDetail | None) -> None:
            super().__init__()
            self.detail = detail

    def __init__(self, monitor_id: int) -> None:
        super().__init__()
        self.monitor_id = monitor_id
        self.detail: data.MonitorDetail | None = None

    def compose(self) -> ComposeResult:
        yield Static(f"Monitor {self.monitor_id}", id="monitor-head", classes="detail-head")
        with Vertical(classes="detail-body"):
            yield Static("Response time, last checks (oldest left)", id="chart-title", classes="section")
            yield Sparkline([], id="chart")
            yield Static("Recent results", classes="section")
            yield DataTable(id="results", cursor_type="row")
            yield Static("Incidents", classes="section")
            yield DataTable(id="monitor-incidents", cursor_type="row")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#chart", Sparkline).styles.height = 3
        self.query_one("#results", DataTable).add_columns("Time (UTC)", "Result", "Response", "Code", "Cause")
        self.query_one("#monitor-incidents", DataTable).add_columns("#", "State", "Type", "Cause", "Started", "For")
        self.reload()

    @work(thread=True, exclusive=True)
    def reload(self) -> None:
        """Read the monitor off the UI's loop."""
        self.post_message(self.Loaded(data.monitor_detail(self.monitor_id)))

    def apply_event(self, payload: dict) -> None:
        """A check or incident of this monitor re-reads it."""
        if payload.get("monitor_id") == self.monitor_id or (
                payload.get("resource_type") == "monitor" and payload.get("resource_id") == self.monitor_id):
            self.reload()

    def on_monitor_screen_loaded(self, message: Loaded) -> None:
        detail = self.detail = message.detail
        head = self.query_one("#monitor-head", Static)
        if detail is None:
            head.update(f"Monitor {self.monitor_id} was removed (esc to go back)")
            return
        row = self.app.dashboard.table("monitors").get(self.monitor_id)
        text = Text()
        text.append(f"{detail.name}", style="bold")
        text.append(f"  {detail.type} {detail.target}  ")
        if row is not None:
            text.append_text(fmt.status(row.status))
            text.append(f"  24h uptime {fmt.percent(row.uptime_24h)}")
        times = [r[2] * 1000 for r in reversed(detail.results)]
        if times:
            ordered = sorted(times)
            text.append(f"\nlast {len(times)} checks: min {fmt.milliseconds(ordered[0])}, "
                        f"median {fmt.milliseconds(ordered[len(ordered) // 2])}, max {fmt.milliseconds(ordered[-1])}")
        text.append("\np pause/resume · enter open incident · esc back", style="dim")
        head.update(text)
        self.query_one("#chart", Sparkline).data = times or [0]
        results = self.query_one("#results", DataTable)
        results.clear()
        for at, ok, seconds, code, cause in detail.results:
            results.add_row(fmt.clock(at), fmt.status("up" if ok else "down"), fmt.milliseconds(seconds * 1000),
                            str(code or "-"), cause or "")
        incidents = self.query_one("#monitor-incidents", DataTable)
        incidents.clear()
        now = self.app.clock()
        for i in detail.incidents:
            incidents.add_row(f"#{i.id}", fmt.badge(fmt.INCIDENT_STATE, i.state(now)), i.type, i.cause or "-",
                              fmt.clock(i.started_at), fmt.span(((i.resolved_at or now) - i.started_at).total_seconds()),
                              key=str(i.id))

    def _incident_under_cursor(self) -> data.IncidentRow | None:
        if self.detail is None or not self.detail.incidents:
            return None
        table = self.query_one("#monitor-incidents", DataTable)
        return self.detail.incidents[min(table.cursor_row, len(self.detail.incidents) - 1)]

    def selected_incident(self) -> data.IncidentRow | None:
        """The incident under the cursor in the Incidents table."""
        return self._incident_under_cursor() if self.focused is self.query_one("#monitor-incidents") else None

    def selected_resource(self) -> tuple[str, int, str, bool] | None:
        """This monitor."""
        if self.detail is None:
            return None
        row = self.app.dashboard.table("monitors").get(self.monitor_id)
        return ("monitor", self.monitor_id, self.detail.name, row is not None and row.status == "paused")

    def action_open_incident(self) -> None:
        """Open the incident under the cursor."""
        incident = self._incident_under_cursor()
        if incident is not None:
            self.app.open_incident(incident.id)
