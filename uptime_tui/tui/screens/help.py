"""HelpScreen: every key of the console."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

NAVIGATION = [
    ("tab / shift+tab", "Move between panes"),
    ("↑ ↓ j k pgup pgdn home end", "Move in a pane"),
    ("enter", "Details of an incident, monitor or heartbeat"),
    ("/", "Filter the focused pane as you type (enter keeps it, esc clears it, ctrl+u empties it)"),
    ("esc", "Back, or close a dialog"),
    ("ctrl+p", "Command palette: every action by name"),
]


class HelpScreen(ModalScreen[None]):
    """The key table; any of esc, q or ? closes it. Descriptions wrap (80 columns shows them whole)."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, keys: list[tuple[str, str, str, str]]) -> None:
        super().__init__()
        self.rows = [("?" if key == "question_mark" else key, description)
                     for key, _action, _label, description in keys] + NAVIGATION

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(ratio=1)
        for key, description in self.rows:
            table.add_row(key, description)
        with Vertical(classes="dialog", id="help"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll(id="help-scroll"):
                yield Static(table, id="help-keys")
            yield Label("esc close", classes="dialog-help")
