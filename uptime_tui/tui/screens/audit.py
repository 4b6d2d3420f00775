"""AuditScreen: the audit log with the CLI's filters, paging, and export to CSV (x)."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from uptime_tui import audit
from uptime_tui.tui import data
from uptime_tui.tui.widgets.keys_footer import KeysFooter

PAGE = 200


class AuditScreen(Screen):
    """Type filters as key=value words (action=incident.* actor=alice since=24h) and enter."""

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
        yield Static("Audit log, newest first", id="audit-head", classes="section")
        yield DataTable(id="audit", cursor_type="row", zebra_stripes=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#audit", DataTable).add_columns("Time (UTC)", "Actor", "Action", "Targets", "Message")
        self.query_one("#audit", DataTable).focus()
        self.load()

    @work(thread=True, exclusive=True)
    def load(self, before_id: int | None = None) -> None:
        """Read a page off the UI's loop."""
        page = data.audit_page(self.criteria, PAGE, before_id)
        self.post_message(self.Loaded(list(page), page.next_before_id, before_id is not None))

    def on_audit_screen_loaded(self, message: Loaded) -> None:
        table = self.query_one("#audit", DataTable)
        self.paged = message.append
        if not message.append:
            table.clear()
        for entry in message.page:
            table.add_row(entry["created_at"][:19].replace("T", " "),
                          f"{entry['actor']['name']} ({entry['actor']['type']})", entry["action"],
                          audit.describe_targets(entry["targets"]), entry["message"])
        self.next_before_id = message.next_before_id
        more = "  n: older entries" if message.next_before_id else ""
        self.query_one("#audit-head", Static).update(
            f"Audit log, newest first: {table.row_count} shown{more}  x: export to CSV  /: filter")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            self.criteria = data.parse_audit_filter(event.value, self.app.clock())
        except ValueError as exc:
            self.app.notify(str(exc), severity="warning")
            return
        self.query_one("#audit", DataTable).focus()
        self.load()

    def action_focus_filter(self) -> None:
        """Type a filter."""
        self.query_one("#audit-filter", Input).focus()

    def action_back(self) -> None:
        """Leave the filter, or the screen."""
        if isinstance(self.focused, Input):
            self.query_one("#audit", DataTable).focus()
        else:
            self.app.pop_screen()

    def action_older(self) -> None:
        """The next page of older entries."""
        if self.next_before_id:
            self.load(self.next_before_id)

    def action_export(self) -> None:
        """Write every entry the filter matches to a CSV file."""
        self._export(self.criteria)

    @work(thread=True, group="export")
    def _export(self, criteria: audit.Filter) -> None:
        from uptime_tui.store import auditlog

        path = self.export_dir / f"uptime-tui-audit-{self.app.clock():%Y%m%d-%H%M%S}.csv"
        try:
            with open(path, "w", newline="", encoding="utf-8") as stream:
                count = audit.write_csv(auditlog.iter_entries(criteria), stream)
        except OSError as exc:
            self.post_message(self.Exported(f"could not export: {exc}", False))
        else:
            self.post_message(self.Exported(f"exported {count} entries to {path.resolve()}", True))

    def on_audit_screen_exported(self, message: Exported) -> None:
        self.app.notify(message.text, severity="information" if message.ok else "error", timeout=10)

    def apply_event(self, payload: dict) -> None:
        """Entries that events bring (incident changes, pauses) show up, once a burst settles,
        while the first page is shown (a person paging back is not disturbed)."""
        name = payload["event"]
        if (name.startswith("incident.") or name.endswith("paused")) and not self.paged \
                and self._reload_timer is None:
            self._reload_timer = self.set_timer(0.5, self._reload_after_events)

    def _reload_after_events(self) -> None:
        self._reload_timer = None
        self.load()

    def reload(self) -> None:
        """After an operation: the first page again."""
        self.load()
