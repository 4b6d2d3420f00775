"""The console App and the one factory that builds it for the CLI, tests and screenshots."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from uptime_tui.config import Config

# Status by glyph and word as well as colour (readable without colour, over any SSH client).
STATUS = {
    "up": "[green]● up[/]", "down": "[red]✖ down[/]", "verifying": "[yellow]◐ verifying[/]",
    "new": "· new", "paused": "⏸ paused",
}
MONITOR_STATUS_BY_EVENT = {"monitor.down": "down", "monitor.verifying_recovery": "verifying"}
HEARTBEAT_STATUS_BY_EVENT = {"heartbeat.down": "down", "heartbeat.up": "up"}


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

    class EngineEvent(Message):
        """An event published by the engine (posted from the engine's thread)."""

        def __init__(self, payload: dict) -> None:
            super().__init__()
            self.payload = payload

        def can_replace(self, message: Message) -> bool:
            """A newer check of the same monitor supersedes one still queued (floods coalesce)."""
            return (isinstance(message, UptimeApp.EngineEvent)
                    and self.payload["event"] == message.payload["event"] == "monitor.checked"
                    and self.payload["monitor_id"] == message.payload["monitor_id"])

    class EngineFailed(Message):
        """The engine could not start."""

        def __init__(self, error: BaseException) -> None:
            super().__init__()
            self.error = error

    class DefinitionsLoaded(Message):
        """The worker read the definitions from the database."""

        def __init__(self, definitions: Definitions) -> None:
            super().__init__()
            self.definitions = definitions

    def __init__(self, config: Config, operator: str, engine=None) -> None:
        super().__init__()
        self.config = config
        self.operator = operator
        self.engine = engine  # an EngineThread, or None to show the database only
        self._status: dict[str, str] = {}  # row key ("monitor:3") -> status word
        self.sub_title = f"{config.source} · {config.settings.region} · {operator}"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Monitors", classes="pane-title")
        yield DataTable(id="monitors", cursor_type="row", zebra_stripes=True)
        yield Static("Heartbeats", classes="pane-title")
        yield DataTable(id="heartbeats", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        monitors = self.query_one("#monitors", DataTable)
        monitors.add_columns("Status", "Name", "Type", "Target", "Every")
        monitors.add_column("Last", width=8)  # fixed: re-measuring on every check is costly
        monitors.add_column("Tags")
        self.query_one("#heartbeats", DataTable).add_columns("Status", "Name", "Expected", "Grace", "Tags")
        self.load_definitions()
        if self.engine is not None:
            self.start_engine()

    @work(thread=True, exclusive=True, group="engine")
    def start_engine(self) -> None:
        """Start the engine's thread (syncing a large config takes a moment, off the UI loop)."""
        try:
            self.engine.start(on_event=lambda payload: self.post_message(self.EngineEvent(payload)))
        except Exception as exc:
            self.post_message(self.EngineFailed(exc))
        else:
            self.post_message(self.EngineStarted())

    class EngineStarted(Message):
        """The engine synced the config and runs."""

    def on_uptime_app_engine_started(self, message: EngineStarted) -> None:
        self.load_definitions()  # the engine's sync may have created or removed rows

    def on_uptime_app_engine_failed(self, message: EngineFailed) -> None:
        self.notify(f"The engine did not start: {message.error}", severity="error", timeout=30)

    def on_uptime_app_engine_event(self, message: EngineEvent) -> None:
        payload, name = message.payload, message.payload["event"]
        if "monitor_id" in payload and "incident_id" not in payload:
            status = MONITOR_STATUS_BY_EVENT.get(name)
            key = f"monitor:{payload['monitor_id']}"
            if name == "monitor.checked":
                # A first success shows up; later changes come from the engine's own events.
                if payload["success"] and self._status.get(key, "new") == "new":
                    status = "up"
                self._set_cell("#monitors", key, 5, f"{payload['response_time'] * 1000:.0f} ms")
            if status:
                self._set_status("#monitors", key, status)
        elif "heartbeat_id" in payload:
            key = f"heartbeat:{payload['heartbeat_id']}"
            status = HEARTBEAT_STATUS_BY_EVENT.get(name)
            if name == "heartbeat.checked" and payload["success"] and self._status.get(key, "new") == "new":
                status = "up"
            if status:
                self._set_status("#heartbeats", key, status)
        elif name == "incident.resolved" and payload.get("resource_type") == "monitor":
            self._set_status("#monitors", f"monitor:{payload['resource_id']}", "up")
        if name.endswith((".created", ".destroyed")):
            self.load_definitions()  # the config was reloaded
        if name not in ("monitor.checked", "heartbeat.checked"):
            self.notify(payload["message"], timeout=6,
                        severity="error" if name in ("monitor.down", "heartbeat.down", "incident.started") else "information")

    def _set_status(self, table_id: str, key: str, status: str) -> None:
        self._status[key] = status
        self._set_cell(table_id, key, 0, STATUS[status])

    def _set_cell(self, table_id: str, key: str, column: int, value: str) -> None:
        table = self.query_one(table_id, DataTable)
        if key in table.rows:
            table.update_cell(key, table.ordered_columns[column].key, value)

    def on_unmount(self) -> None:
        if self.engine is not None:
            self.engine.stop()

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
            for key, row in rows:
                status = self._status.get(key)
                table.add_row(*((STATUS[status],) + row[1:] if status else row), key=key)


def _every(seconds: float | None) -> str:
    if not seconds:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _initial_status(row) -> str:
    """Paused, or what the stored state says, until the engine reports."""
    if row.paused:
        return STATUS["paused"]
    status = (row.state or {}).get("status", "new")
    return STATUS.get({"degraded": "up", "started": "up"}.get(status, status), STATUS["new"])


def _monitor_row(row) -> tuple:
    definition = row.definition
    return f"monitor:{row.id}", (_initial_status(row), row.name, row.type, row.target,
                                 _every(definition.get("interval")), "", ", ".join(definition.get("tags", [])))


def _heartbeat_row(row) -> tuple:
    definition = row.definition
    expected = definition.get("schedule") and f"cron {definition['schedule']} ({definition['timezone']})"
    return f"heartbeat:{row.id}", (_initial_status(row), row.name,
                                   expected or f"every {_every(definition.get('period'))}",
                                   _every(definition.get("grace")), ", ".join(definition.get("tags", [])))


def build_app(config: Config, operator: str, engine=None) -> UptimeApp:
    """The App, built the same way for the CLI, the tests and the screenshot script."""
    return UptimeApp(config, operator, engine)
