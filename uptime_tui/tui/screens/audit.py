"""AuditScreen: the audit log with the CLI's filters, paging, and export to CSV (x).

The entries are a PaneTable, as on the dashboard: its columns fit the screen (the message takes
what is left, cut with an ellipsis) and the entry under the cursor is shown whole, wrapped, in
the detail lines under it. A DataTable sized each column to its longest cell: the action was cut
at the screen's edge, and reading a message took hundreds of presses of the right arrow.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import Worker

from uptime_tui import audit
from uptime_tui.tui.messages import EngineMessage
from uptime_tui.tui.widgets.keys_footer import KeysFooter
from uptime_tui.tui.widgets.pane_table import Column, PaneTable

PAGE = 200


def _actor(entry: dict) -> str:
    return f"{entry['actor']['name']} ({entry['actor']['type']})"


def _time(entry: dict) -> str:
    return entry["created_at"][:19].replace("T", " ")


AUDIT_COLUMNS = [
    Column("Time (UTC)", lambda e, now: _time(e), 19),
    Column("Actor", lambda e, now: _actor(e), 18),
    Column("Action", lambda e, now: e["action"], 21),
    Column("Targets", lambda e, now: audit.describe_targets(e["targets"]), min_width=10, hide_below=120),
    Column("Message", lambda e, now: e["message"], min_width=10),
]


class AuditScreen(Screen):
    """Type filters as key=value words (action=incident.* actor=alice since=1h30m) and enter: the
    CLI's and the API's filters, read by the same grammar (audit.parse_filter_words)."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("slash", "focus_filter", "Filter"),
        Binding("n", "older", "Older"),
        Binding("x", "export", "Export CSV"),
    ]

    class Loaded(Message):
        """A page of entries was read."""

        def __init__(self, page: list[dict], next_before_id: int | None, append: bool) -> None:
            super().__init__()
            self.page, self.next_before_id, self.append = page, next_before_id, append

    class Exported(Message):
        """The CSV file was written (or not)."""

        def __init__(self, text: str, ok: bool) -> None:
            super().__init__()
            self.text, self.ok = text, ok

    def __init__(self, export_dir: str | Path = ".") -> None:
        super().__init__()
        self.criteria = audit.Filter()
        self.next_before_id: int | None = None
        self.paged = False  # older pages are shown below the first
        self._reload_timer = None
        self.export_dir = Path(export_dir)

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter: action=incident.* actor=alice type=user target=web since=24h until=… words",
                    id="audit-filter")
        yield PaneTable("Audit log, newest first", AUDIT_COLUMNS, key=lambda e: e["id"], search=lambda e: "",
                        clock=lambda: self.app.clock(), id="audit", empty="no entries",
                        filterable=False, on_select=self._show_entry)  # / is the filter above
        yield Static("", id="audit-detail")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.table.focus()
        self.load()

    @property
    def table(self) -> PaneTable:
        """The entries."""
        return self.query_one("#audit", PaneTable)

    def _show_entry(self, entry: dict | None) -> None:
        """The entry under the cursor, whole: who, what, on what, and its message, wrapped."""
        text = Text(no_wrap=False)
        if entry is not None:
            text.append(f"{_time(entry)}  {_actor(entry)}  ", style="bold")
            text.append(entry["action"], style="bold")
            if entry["targets"]:
                text.append(f"  {audit.describe_targets(entry['targets'])}")
            text.append(f"\n{entry['message']}")
        self.query_one("#audit-detail", Static).update(text)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.on_worker_state_changed(event)  # the one handler: Textual does not bubble these

    def read_again(self, worker: Worker) -> None:
        """A page read failed (see failed_reads.py): read the first page again."""
        if worker.group == "audit-page":
            self.load()

    @work(thread=True, exclusive=True, group="audit-page", exit_on_error=False, description="read the audit log")
    def load(self, before_id: int | None = None) -> None:
        """Read a page off the UI's loop."""
        page = self.app.reads.audit_page(self.criteria, PAGE, before_id)
        self.post_message(self.Loaded(page.entries, page.next_before_id, before_id is not None))

    def on_audit_screen_loaded(self, message: Loaded) -> None:
        table = self.table
        self.paged = message.append
        table.set_rows((table.rows if message.append else []) + message.page)
        self.next_before_id = message.next_before_id
        table.title = "Audit log, newest first" + (" · n: older entries" if message.next_before_id else "")
        table.redraw()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            self.criteria = audit.parse_filter_words(event.value, self.app.clock())
        except audit.FilterError as exc:
            self.app.notify(str(exc), severity="warning")
            return
        self.table.focus()
        self.load()

    def action_focus_filter(self) -> None:
        """Type a filter."""
        self.query_one("#audit-filter", Input).focus()

    def action_back(self) -> None:
        """Leave the filter, or the screen."""
        if isinstance(self.focused, Input):
            self.table.focus()
        else:
            self.app.pop_screen()

    def action_older(self) -> None:
        """The next page of older entries."""
        if self.next_before_id:
            self.load(self.next_before_id)

    def action_export(self) -> None:
        """Write every entry the filter matches to a CSV file."""
        self._export(self.criteria)

    @work(thread=True, group="export", exit_on_error=False, description="export the audit log")
    def _export(self, criteria: audit.Filter) -> None:
        path = self.export_dir / f"uptime-tui-audit-{self.app.clock():%Y%m%d-%H%M%S}.csv"
        try:
            with open(path, "w", newline="", encoding="utf-8") as stream:
                count = self.app.reads.export_audit(criteria, stream)
        except OSError as exc:
            self.post_message(self.Exported(f"could not export: {exc}", False))
        else:
            self.post_message(self.Exported(f"exported {count} entries to {path.resolve()}", True))

    def on_audit_screen_exported(self, message: Exported) -> None:
        self.app.notify(message.text, severity="information" if message.ok else "error", timeout=10)

    def fold(self, message: EngineMessage) -> None:
        """Entries that events bring (incident changes, pauses) show up, once a burst settles,
        while the first page is shown (a person paging back is not disturbed)."""
        name = message.name
        if (name.startswith("incident.") or name.endswith("paused")) and not self.paged \
                and self._reload_timer is None:
            self._reload_timer = self.set_timer(0.5, self._reload_after_events)

    def _reload_after_events(self) -> None:
        self._reload_timer = None
        self.load()

    def reload(self) -> None:
        """After an operation: the first page again."""
        self.load()
