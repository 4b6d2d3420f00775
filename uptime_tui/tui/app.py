"""The console App and the one factory that builds it for the CLI, tests and screenshots.

The App owns the engine link, the incident keys (a, s, r, o, p) and the toasts; screens say what
is selected (`selected_incident()`, `selected_resource()`). Operations go to the engine through
its link (engine_link.py); the UI's loop awaits their outcome (never blocks on it), and an
acknowledgement is shown at once, before the engine's writer confirms it. The engine's events
arrive as typed messages (messages.py); the dashboard and the screen on top fold them. Every
worker's failure goes through one handler (failed_reads.py): the console never exits because a
read failed. Every read goes through `app.reads` (reads.py): the database here, or the API of
the engine a `--connect` console is attached to.

Longer than our modules should be: Textual routes the engine's messages, the operations'
outcomes and the detail screens' reads to the App, each a few lines here; moving them apart would
spread one flow (a key, its operation, its toast) over several modules.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Awaitable, Callable, Iterable

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.filter import LineFilter, Monochrome, NoColor
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from uptime_tui.config import Config
from uptime_tui.operator import Operator
from uptime_tui.tui.collector import Collector
from uptime_tui.tui.dialogs.resolve import ResolveDialog
from uptime_tui.tui.dialogs.snooze import SnoozeDialog
from uptime_tui.tui.engine_link import EngineLink
from uptime_tui.tui.failed_reads import FailedReads
from uptime_tui.tui.keys import KEYS
from uptime_tui.tui.messages import EngineMessage, engine_message
from uptime_tui.tui.reads import ConsoleReads, LocalReads
from uptime_tui.tui.screens.dashboard import DashboardScreen

NO_COLOR_FILTER = NoColor()


def utcnow() -> datetime:
    """The real clock."""
    return datetime.now(timezone.utc)




class UptimeApp(App):
    """The on-call console."""

    CSS_PATH = "app.tcss"
    VERTICAL_BREAKPOINTS = [(0, "-short"), (40, "-tall")]  # every screen's: compact toasts below 40 rows
    TITLE = "uptime-tui"
    BINDINGS = [Binding(key, action, label, show=key in ("a", "s", "r", "question_mark", "q"))
                for key, action, label, _ in KEYS]

    class EngineStarted(Message):
        """The engine synced the config and runs."""

    class EngineFailed(Message):
        """The engine could not start."""

        def __init__(self, error: BaseException) -> None:
            super().__init__()
            self.error = error

    class EngineLinkChanged(Message):
        """The console's link to its engine changed: lost, back, gone, or moved to another engine.

        `kind` is the link's word (attached.py, cli/attach.py); `sentence` goes in a toast."""

        def __init__(self, kind: str, sentence: str) -> None:
            super().__init__()
            self.kind, self.sentence = kind, sentence

    class DetailRead(Message):
        """What a detail screen is to show was read; it was asked for on `origin`."""

        def __init__(self, screen: Screen, key: int, detail, origin: Screen) -> None:
            super().__init__()
            self.detail_screen, self.key, self.detail, self.origin = screen, key, detail, origin

    class OperationFinished(Message):
        """An operation came back from the engine: its outcome for a toast."""

        def __init__(self, ok: bool, message: str, settle: Callable[[bool], None] | None = None) -> None:
            super().__init__()
            self.ok, self.message, self.settle = ok, message, settle

    def __init__(self, config: Config | None, operator: str, engine=None,
                 clock: Callable[[], datetime] = utcnow, reads: ConsoleReads | None = None) -> None:
        super().__init__()
        self.config = config
        self.operator = operator
        self.operator_identity = Operator.person(operator)
        self.engine = engine  # an EngineThread, or None to show the database only
        self.link = EngineLink(engine)
        self.reads = reads if reads is not None else LocalReads()  # every read of every screen (reads.py)
        self.clock = clock
        self.dashboard = DashboardScreen()
        self._detail_screens: dict[type, Screen] = {}  # one of each kind, reused (see DetailScreen)
        self.collector = Collector()
        self.failed_reads = FailedReads()
        region = config.settings.region if config else "-"
        self.sub_title = f"{region} · {operator}"

    def get_default_screen(self) -> Screen:
        return self.dashboard

    def get_line_filters(self) -> list[LineFilter]:
        """With NO_COLOR, Textual picks its filter once, for the theme at start: after a switch to
        an ANSI theme its Monochrome filter turned every ANSI colour black (text on black, unread).
        The ANSI themes get its NoColor filter (the terminal's own colours) whenever they show."""
        filters = list(super().get_line_filters())
        if self.no_color and self.native_ansi_color:
            filters = [NO_COLOR_FILTER if isinstance(f, Monochrome) else f for f in filters]
        return filters

    def on_mount(self) -> None:
        self.collector.start()
        self.set_interval(1.0, self.collector.tick)
        if self.engine is not None:
            self.start_engine()

    def on_unmount(self) -> None:
        self.collector.stop()
        if self.engine is not None:
            self.engine.stop()
        self.reads.close()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.collector.key_pressed()
        await super().on_event(event)

    # --- the engine ---------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Every worker's end, the screens' included (they hand theirs on: the message does not
        bubble): a failure is told and retried (failed_reads.py)."""
        if event.state == WorkerState.ERROR:
            self.failed_reads.failed(event.worker)
        elif event.state == WorkerState.SUCCESS:
            self.failed_reads.succeeded(event.worker)

    @work(thread=True, exclusive=True, group="engine", exit_on_error=False, description="start the engine")
    def start_engine(self) -> None:
        """Start the engine's thread (syncing a large config takes a moment, off the UI loop)."""
        if hasattr(self.engine, "link_changed"):  # an engine elsewhere (attached.py, cli/attach.py)
            self.engine.link_changed = lambda kind, sentence: self.post_message(self.EngineLinkChanged(kind, sentence))
        try:
            self.engine.start(on_event=lambda payload: self.post_message(engine_message(payload)))
        except Exception as exc:
            self.post_message(self.EngineFailed(exc))
        else:
            self.post_message(self.EngineStarted())

    def on_uptime_app_engine_started(self, message: EngineStarted) -> None:
        self.dashboard.loaded = self.dashboard.filled = False
        self.dashboard.reload()  # the engine's sync may have created or removed rows

    def on_uptime_app_engine_link_changed(self, message: EngineLinkChanged) -> None:
        """A toast says what happened; once attached again (or embedded), every pane reads again:
        the events of the meantime never reached it."""
        lost = message.kind in ("lost", "gone", "failed")
        self.notify(message.sentence, severity="warning" if lost else "information",
                    timeout=30 if message.kind == "failed" else 8)
        if not lost and self._dashboard_ready():
            self.dashboard.reload()
        if self._dashboard_ready():
            self.dashboard.tick_header()

    def on_uptime_app_engine_failed(self, message: EngineFailed) -> None:
        self.notify(f"The engine did not start: {message.error}", severity="error", timeout=30)

    def _dashboard_ready(self) -> bool:
        """False while starting up or shutting down: the panes are not there."""
        return self.dashboard.is_mounted and bool(self.dashboard.children)

    @on(EngineMessage)
    def fold_engine_message(self, message: EngineMessage) -> None:
        """What the engine did, into the dashboard and the screen on top; alerts as toasts."""
        if not self._dashboard_ready():
            return
        self.dashboard.fold(message)
        screen = self.screen
        if screen is not self.dashboard:
            if hasattr(screen, "fold"):
                screen.fold(message)
        if message.alerting:
            self.notify(message.text, severity="error", timeout=8)

    # --- operations ---------------------------------------------------------------------------

    def engine_problems(self) -> tuple[str, ...]:
        """What the engine itself is short of, for the header."""
        return self.link.problems()

    def failing_channels(self) -> tuple[str, ...]:
        """Notification channels whose last delivery failed, for the header."""
        return self.link.failing_channels()

    def engine_running(self) -> bool:
        """True when operations can be sent to the engine."""
        return self.link.running

    def operate(self, call: Callable[[object], Awaitable], settle: Callable[[bool], None] | None = None) -> None:
        """Run `call(engine)` on the engine's loop; a toast tells the outcome.

        `settle(ok)`, when given, is called on the UI's loop with the outcome (it takes back an
        optimistic change the engine refused).
        """
        if not self.link.running:
            self.notify("The engine is not running: nothing was changed", severity="error")
            return
        self._operate(call, settle)

    @work(group="operations", exit_on_error=False, description="send the operation to the engine")
    async def _operate(self, call: Callable[[object], Awaitable], settle: Callable[[bool], None] | None = None) -> None:
        outcome = await self.link.operate(call)
        self.post_message(self.OperationFinished(outcome.ok, outcome.message, settle))

    def on_uptime_app_operation_finished(self, message: OperationFinished) -> None:
        if not self._dashboard_ready():
            return  # the console is closing: the operation's outcome is in the audit log
        if message.settle is not None:
            message.settle(message.ok)
        self.notify(message.message, severity="information" if message.ok else "warning",
                    title="Done" if message.ok else "Not done", timeout=6)
        if not message.ok:
            # A change the engine made publishes events, and the panes reload on those; a refusal
            # publishes none, and the panes may show what someone else did meanwhile.
            self.dashboard.schedule_reload("incidents", "events", "heartbeats", delay=0.1)
            if hasattr(self.screen, "reload") and self.screen is not self.dashboard:
                self.screen.reload()

    def _incident(self):
        incident = getattr(self.screen, "selected_incident", lambda: None)()
        if incident is None:
            self.notify("Select an incident (or a monitor with an open incident) first", severity="warning")
        return incident

    def action_acknowledge(self) -> None:
        """a: acknowledge the selected incident (its whole group when it is grouped)."""
        incident = self._incident()
        if incident is None:
            return
        me, group = self.operator_identity, incident.group_id is not None
        settles = []
        if self.engine_running():  # shown at once; the engine's writer may take a while to confirm
            settles.append(self.dashboard.show_acknowledging(incident, me.name, group))
            if self.screen is not self.dashboard and hasattr(self.screen, "show_acknowledging"):
                settles.append(self.screen.show_acknowledging(me.name))
        self.operate(lambda e: e.acknowledge(incident.id, me, whole_group=group),
                     lambda ok: [each(ok) for each in settles])

    def action_snooze(self) -> None:
        """s: snooze the selected incident for a duration picked in a dialog."""
        self._ask_then_operate(SnoozeDialog, lambda e, incident_id, me, duration, group: e.snooze(
            incident_id, me, duration=duration, whole_group=group))

    def action_resolve(self) -> None:
        """r: resolve the selected incident with a reason typed in a dialog."""
        self._ask_then_operate(ResolveDialog, lambda e, incident_id, me, reason, group: e.resolve(
            incident_id, me, reason, whole_group=group))

    def _ask_then_operate(self, dialog: type, operation: Callable) -> None:
        """Ask in `dialog` about the selected incident (and its group); act on the answer unless cancelled."""
        incident = self._incident()
        if incident is None:
            return
        me, group = self.operator_identity, incident.group_id is not None
        what = f"incident #{incident.id} ({incident.resource_name})" + (" and its group" if group else "")

        def answered(answer) -> None:
            if answer:
                self.operate(lambda e: operation(e, incident.id, me, answer, group))

        self.push_screen(dialog(what), answered)

    def action_reopen(self) -> None:
        """o: reopen the selected resolved incident."""
        incident = getattr(self.screen, "selected_incident", lambda: None)()
        if incident is None:
            self.notify("Select a resolved incident first", severity="warning")
            return
        me = self.operator_identity
        self.operate(lambda e: e.reopen(incident.id, me))

    def action_pause(self) -> None:
        """p: pause the selected monitor or heartbeat, or resume it when paused."""
        resource = getattr(self.screen, "selected_resource", lambda: None)()
        if resource is None:
            self.notify("Select a monitor or heartbeat first", severity="warning")
            return
        kind, row_id, _name, paused = resource
        me = self.operator_identity
        if paused:
            self.operate(lambda e: e.unpause(kind, row_id, me))
        else:
            self.operate(lambda e: e.pause(kind, row_id, me))

    # --- screens ------------------------------------------------------------------------------

    def open_incident(self, incident_id: int) -> None:
        """The incident's detail screen."""
        from uptime_tui.tui.screens.incident import IncidentScreen

        self._open_detail(IncidentScreen, incident_id)

    def open_monitor(self, monitor_id: int) -> None:
        """The monitor's detail screen."""
        from uptime_tui.tui.screens.monitor import MonitorScreen

        self._open_detail(MonitorScreen, monitor_id)

    def open_heartbeat(self, heartbeat_id: int) -> None:
        """The heartbeat's detail screen (its ping URL, pings and incidents)."""
        from uptime_tui.tui.screens.heartbeat import HeartbeatScreen

        self._open_detail(HeartbeatScreen, heartbeat_id)

    def _open_detail(self, kind: type, key: int) -> None:
        """Read first (off the loop), then show in the one screen of that kind (see DetailScreen)."""
        screen = self._detail_screens.get(kind)
        if screen is None:
            screen = self._detail_screens[kind] = kind()
            self.install_screen(screen, kind.__name__)
        self._read_detail(screen, key, self.screen)

    @work(thread=True, exclusive=True, group="open-detail", exit_on_error=False, description="open the details")
    def _read_detail(self, screen: Screen, key: int, origin: Screen) -> None:
        self.post_message(self.DetailRead(screen, key, type(screen).read(self.reads, key), origin))

    def on_uptime_app_detail_read(self, message: DetailRead) -> None:
        if self.screen is not message.origin:
            return  # the person went elsewhere meanwhile
        message.detail_screen.show(message.key, message.detail)
        if message.detail_screen not in self.screen_stack:
            self.push_screen(message.detail_screen)

    def action_audit_log(self) -> None:
        """L: the audit log."""
        from uptime_tui.tui.screens.audit import AuditScreen

        if not isinstance(self.screen, AuditScreen):
            self.push_screen(AuditScreen())

    def action_help(self) -> None:
        """?: every key."""
        from uptime_tui.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(KEYS))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every console action is in the command palette too (ctrl+p)."""
        for key, action, label, description in KEYS:
            if action != "quit":
                shown = "?" if key == "question_mark" else key
                yield SystemCommand(f"{label} ({shown})", description, getattr(self, f"action_{action}"))
        yield SystemCommand("Details (enter)", "Open the selected incident, monitor or heartbeat",
                            lambda: self.dashboard.action_details() if self.screen is self.dashboard else None)
        yield SystemCommand("Filter (/)", "Filter the focused pane",
                            lambda: self.dashboard.action_filter() if self.screen is self.dashboard else None)
        yield from super().get_system_commands(screen)


def build_app(config: Config | None, operator: str, engine=None,
              clock: Callable[[], datetime] = utcnow, reads: ConsoleReads | None = None) -> UptimeApp:
    """The App, built the same way for the CLI, the tests and the screenshot script; `reads` is
    where it reads (tui/reads.py: the local database unless given)."""
    return UptimeApp(config, operator, engine, clock, reads)
