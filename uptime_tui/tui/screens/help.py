"""HelpScreen: every key of the console."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label
from textual.containers import Vertical

NAVIGATION = [
    ("tab / shift+tab", "Move between panes"),
    ("up/down, j/k, pgup/pgdn, home/end", "Move in a pane"),
    ("enter", "Details of the selected incident or monitor"),
    ("/", "Filter the focused pane as you type (enter keeps it, esc clears it, ctrl+u empties it)"),
    ("esc", "Back, or close a dialog"),
    ("ctrl+p", "Command palette: every action by name"),
]


class HelpScreen(ModalScreen[None]):
    """The key table; any of esc, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, keys: list[tuple[str, str, str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help"):
            yield Label("Keys", classes="dialog-title")
            yield DataTable(id="help-keys", cursor_type="none", show_header=False)
            yield Label("esc close", classes="dialog-help")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Key", "What it does")
        for key, _action, _label, description in self.keys:
            table.add_row("?" if key == "question_mark" else key, description)
        for key, description in NAVIGATION:
            table.add_row(key, description)
