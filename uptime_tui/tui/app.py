"""The console App and the one factory that builds it for the CLI, tests and screenshots."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from uptime_tui.config import Config


@dataclass(frozen=True)
class Definitions:
    """The monitor and heartbeat rows as the database holds them."""

    monitors: list[tuple]
    heartbeats: list[tuple]


class UptimeApp(App):
    """Lists the configured monitors and heartbeats (the live panes come with the engine)."""

    CSS_PATH = "app.tcss"
    TITLE = "uptime-tui"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("tab", "focus_next", "Next pane", show=False),
        Binding("shift+tab", "focus_previous", "Previous pane", show=False),
    ]

    class DefinitionsLoaded(Message):
        """The worker read the definitions from the database."""

        def __init__(self, definitions: Definitions) -> None:
            super().__init__()
            self.definitions = definitions

    def __init__(self, config: Config, operator: str) -> None:
        super().__init__()
        self.config = config
        self.operator = operator
        self.sub_title = f"{config.source} · {config.settings.region} · {operator}"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Monitors", classes="pane-title")
        yield DataTable(id="monitors", cursor_type="row", zebra_stripes=True)
        yield Static("Heartbeats", classes="pane-title")
        yield DataTable(id="heartbeats", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#monitors", DataTable).add_columns("", "Name", "Type", "Target", "Every", "Tags")
        self.query_one("#heartbeats", DataTable).add_columns("", "Name", "Expected", "Grace", "Tags")
        self.load_definitions()

    @work(thread=True, exclusive=True)
    def load_definitions(self) -> None:
        """Read the rows off the UI's event loop; the handler fills the tables."""
        from uptime_tui.store.models import Heartbeat, Monitor

        monitors = [_monitor_row(m) for m in Monitor.select().order_by(Monitor.name)]
        heartbeats = [_heartbeat_row(h) for h in Heartbeat.select().order_by(Heartbeat.name)]
        self.post_message(self.DefinitionsLoaded(Definitions(monitors, heartbeats)))

    def on_uptime_app_definitions_loaded(self, message: DefinitionsLoaded) -> None:
        for table_id, rows in (("#monitors", message.definitions.monitors), ("#heartbeats", message.definitions.heartbeats)):
            table = self.query_one(table_id, DataTable)
            table.clear()
            table.add_rows(rows)


def _every(seconds: float | None) -> str:
    if not seconds:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _paused_glyph(paused: bool) -> str:
    return "⏸ paused" if paused else "· new"


def _monitor_row(row) -> tuple:
    definition = row.definition
    return (_paused_glyph(row.paused), row.name, row.type, row.target, _every(definition.get("interval")),
            ", ".join(definition.get("tags", [])))


def _heartbeat_row(row) -> tuple:
    definition = row.definition
    expected = definition.get("schedule") and f"cron {definition['schedule']} ({definition['timezone']})"
    return (_paused_glyph(row.paused), row.name, expected or f"every {_every(definition.get('period'))}",
            _every(definition.get("grace")), ", ".join(definition.get("tags", [])))


def build_app(config: Config, operator: str, database_url: str | None = None) -> UptimeApp:
    """The App, built the same way for the CLI, the tests and the screenshot script."""
    return UptimeApp(config, operator)
