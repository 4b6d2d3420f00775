"""DashboardScreen: the live panes (monitors, incidents, heartbeats, events) and the header.

Each pane (tui/panes/) owns its columns, its read, its search text and how it folds the engine's
messages. The screen lays them out and schedules their reads: in a thread worker, one load at a
time (two at once share the GIL and both paint late), the next waiting for it; reads that
follow bursts of messages are debounced. The monitors are read in two steps above a few
thousand (rows and statuses, then results and counts) so the panes paint before the results
are read. What spans panes is here too: degraded monitors (from the incidents), the header's
counts, what `a` and `p` act on.

A load that fails is retried by the app's one worker-failure handler (failed_reads.py), which
calls `read_again`.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker

from uptime_tui.queries.dashboard import IncidentRow, MonitorStats
from uptime_tui.tui.failed_reads import ReadFailed
from uptime_tui.tui.messages import EngineMessage
from uptime_tui.tui.panes.events import EventsPane
from uptime_tui.tui.panes.heartbeats import HeartbeatsPane
from uptime_tui.tui.panes.incidents import IncidentsPane
from uptime_tui.tui.panes.monitors import MonitorsPane
from uptime_tui.tui.panes.pane import Pane
from uptime_tui.tui.widgets.keys_footer import KeysFooter
from uptime_tui.tui.widgets.pane_table import PaneTable
from uptime_tui.tui.widgets.status_bar import StatusBar, Summary

ALL_PARTS = frozenset(("monitors", "heartbeats", "incidents", "events"))
RELOAD_DELAY = 0.3  # after the first message of a burst


class DashboardScreen(Screen):
    """The console's home: everything at a glance, driven by the keyboard."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (160, "-wide")]
    BINDINGS = [
        Binding("enter", "details", "Details"),
        Binding("slash", "filter", "Filter"),  # the focused pane takes "/" itself (see PaneTable)
        Binding("tab", "app.focus_next", "Next pane", show=False),
        Binding("shift+tab", "app.focus_previous", "Previous pane", show=False),
    ]

    class Loaded(Message):
        """A worker read some panes: their rows and read numbers, by pane name."""

        def __init__(self, rows: dict[str, list], numbers: dict[str, int], generation: int = 0) -> None:
            super().__init__()
            self.rows, self.numbers, self.generation = rows, numbers, generation

    class ResultsLoaded(Message):
        """The monitors' second read: their recent results and 24 h counts."""

        def __init__(self, stats: dict[int, MonitorStats]) -> None:
            super().__init__()
            self.stats = stats

    class LoadEnded(Message):
        """A load worker finished (or failed): the next queued load may start."""

    def __init__(self) -> None:
        super().__init__()
        self._resource_counts: tuple[Counter, Counter] | None = None  # by status, for the header
        self._pending: set[str] = set()  # parts to reload once the current burst settles
        self._reload_timer = None
        self.loaded = False  # the panes show the current rows (their results may follow)
        self.filled = False  # ... and the monitors' results and counts too
        self._loading: frozenset[str] | None = None  # the parts of the load in flight
        self._queued: set[str] = set()
        self._generation = 0  # bumped by a full reload; older loads skip their second read
        self.panes: tuple[Pane, ...] = ()  # kept, not queried: every engine message visits them

    def compose(self) -> ComposeResult:
        clock = self.app.clock
        yield StatusBar(id="status-bar")
        self.panes = (MonitorsPane(clock), IncidentsPane(clock), HeartbeatsPane(clock), EventsPane(clock))
        with Container(id="panes"):
            yield from self.panes
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(MonitorsPane).focus()
        self.reload()
        self.set_interval(1.0, self.tick)
        self.set_interval(15.0, lambda: self.schedule_reload("heartbeats", "incidents"))

    def table(self, name: str) -> Pane:
        """One of the panes: monitors, incidents, heartbeats, events."""
        return self.query_one(f"#{name}", Pane)

    # --- reading ------------------------------------------------------------------------------

    def reload(self, *parts: str) -> None:
        """Read the given parts (all when none) in a thread worker, after the load in flight."""
        parts = frozenset(parts or ALL_PARTS)
        if parts == ALL_PARTS:
            self._generation += 1
        if self._loading is not None:
            self._queued |= parts
            return
        self._start_load(parts)

    def schedule_reload(self, *parts: str, delay: float = RELOAD_DELAY) -> None:
        """Reload soon, once for a burst of messages."""
        self._pending.update(parts)
        if self._reload_timer is None:
            self._reload_timer = self.set_timer(delay, self._reload_pending)

    def _reload_pending(self) -> None:
        self._reload_timer = None
        parts, self._pending = self._pending, set()
        if parts:
            self.reload(*parts)

    def _start_load(self, parts: frozenset[str]) -> None:
        self._loading = parts
        panes = [pane for pane in self.panes if pane.NAME in parts]
        self._load(panes, {pane.NAME: pane.read_started() for pane in panes}, self._generation)

    @work(thread=True, group="dashboard-load", exit_on_error=False, description="load the dashboard")
    def _load(self, panes: list[Pane], numbers: dict[str, int], generation: int) -> None:
        try:
            app = self.app
            now = app.clock()
            rows = {}
            for pane in panes:
                try:
                    rows[pane.NAME] = pane.read(app.reads, app.config, now)
                except Exception as error:
                    raise ReadFailed(f"load {pane.NAME}") from error
            self.post_message(self.Loaded(rows, numbers, generation))
            monitors = next((pane for pane in panes if isinstance(pane, MonitorsPane)), None)
            if monitors is not None and monitors.results_follow(rows["monitors"]) and generation == self._generation:
                try:
                    stats = monitors.read_results(app.reads, now)
                except Exception as error:
                    raise ReadFailed("load the monitors' results") from error
                self.post_message(self.ResultsLoaded(stats))
        finally:
            self.post_message(self.LoadEnded())

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.on_worker_state_changed(event)  # the one handler: Textual does not bubble these

    def read_again(self, worker: Worker) -> None:
        """A load failed (see failed_reads.py): read every part again, the results included."""
        self.reload()

    def on_dashboard_screen_loaded(self, message: Loaded) -> None:
        for name, rows in message.rows.items():
            self.table(name).show(rows, message.numbers[name])
        if "incidents" in message.rows:
            self.query_one(MonitorsPane).show_degraded(self.query_one(IncidentsPane).rows)
        monitors = message.rows.get("monitors")
        if monitors is not None and message.generation == self._generation:
            self.loaded = True
            self.filled = not MonitorsPane.results_follow(monitors)
            self.app.collector.loaded()
        self.tick_header()  # show() repainted the panes that changed

    def on_dashboard_screen_results_loaded(self, message: ResultsLoaded) -> None:
        monitors = self.query_one(MonitorsPane)
        monitors.show_results(message.stats)
        monitors.show_degraded(self.query_one(IncidentsPane).rows)
        self.filled = self.loaded
        self.app.collector.loaded()
        self.tick_header()

    def on_dashboard_screen_load_ended(self, message: LoadEnded) -> None:
        self._loading = None
        if self._queued:
            parts, self._queued = self._queued, set()
            self._start_load(frozenset(parts))

    # --- live updates -------------------------------------------------------------------------

    def fold(self, message: EngineMessage) -> None:
        """Fold what the engine did into the panes; those that need it read again soon."""
        for pane in self.panes:
            if pane.fold(message):
                self.schedule_reload(pane.NAME)

    def show_acknowledging(self, incident: IncidentRow, who: str, whole_group: bool) -> Callable[[bool], None]:
        """Show the acknowledgement at once (see IncidentsPane.show_acknowledging); returns what
        settles it with the engine's outcome."""
        settle_pane = self.query_one(IncidentsPane).show_acknowledging(incident, who, whole_group)
        self.tick_header(recount=False)

        def settle(ok: bool) -> None:
            settle_pane(ok)
            self.tick_header(recount=False)

        return settle

    def tick(self) -> None:
        """Every second: the header and the ages ('5s ago') on screen."""
        self.tick_header()
        if self.app.screen is self:
            for table in self.query(PaneTable):
                table.redraw()

    def tick_header(self, recount: bool = True) -> None:
        """The header's counts and clock (`recount` False: only incidents changed)."""
        app = self.app
        now = app.clock()
        if recount or self._resource_counts is None:
            self._resource_counts = (Counter(m.status for m in self.table("monitors").rows),
                                     Counter(h.status for h in self.table("heartbeats").rows))
        incidents = self.query_one(IncidentsPane).open_incidents()
        summary = Summary(*self._resource_counts, len(incidents), sum(1 for i in incidents if i.state(now) == "new"),
                          app.config.settings.region if app.config else "-", now.strftime("%H:%M:%SZ"),
                          app.failing_channels(), app.engine_problems(), app.link.describe(now))
        self.query_one(StatusBar).show(summary)

    def on_screen_resume(self) -> None:
        for table in self.query(PaneTable):
            if table.stale:
                table.redraw()

    # --- selection ----------------------------------------------------------------------------

    def focused_table(self) -> Pane | None:
        """The pane with the focus."""
        focused = self.focused
        return focused if isinstance(focused, Pane) else None

    def selected_incident(self) -> IncidentRow | None:
        """The incident under the cursor, or the open incident of the selected monitor/heartbeat."""
        table = self.focused_table()
        if table is None:
            return None
        row = table.selected
        if isinstance(table, IncidentsPane):
            return row
        if isinstance(table, (MonitorsPane, HeartbeatsPane)) and row is not None:
            kind = table.NAME[:-1]
            return next((i for i in self.query_one(IncidentsPane).open_incidents()
                         if i.resource_type == kind and i.resource_id == row.id), None)
        return None

    def selected_resource(self) -> tuple[str, int, str, bool] | None:
        """(kind, row id, name, paused) of the selected monitor or heartbeat (or incident's resource)."""
        table = self.focused_table()
        row = table.selected if table else None
        if row is None or isinstance(table, EventsPane):
            return None
        if isinstance(table, IncidentsPane):
            kind, resource_id = row.resource_type, row.resource_id
            resource = self.table(f"{kind}s").get(resource_id)
            return (kind, resource_id, row.resource_name, resource is not None and resource.status == "paused")
        return (table.NAME[:-1], row.id, row.name, row.status == "paused")

    # --- keys ---------------------------------------------------------------------------------

    def action_details(self) -> None:
        """Open the selected incident, monitor or heartbeat."""
        table = self.focused_table()
        row = table.selected if table else None
        if row is None:
            return
        if isinstance(table, IncidentsPane):
            self.app.open_incident(row.id)
        elif isinstance(table, MonitorsPane):
            self.app.open_monitor(row.id)
        elif isinstance(table, HeartbeatsPane):
            self.app.open_heartbeat(row.id)
        elif isinstance(table, EventsPane) and row.source == "audit":
            self.app.action_audit_log()

    def action_filter(self) -> None:
        """Filter the focused pane as you type (from the command palette)."""
        table = self.focused_table()
        if table is not None and not table.filtering:
            table.start_filter()

    def footer_keys(self) -> list[tuple[str, str, bool]] | None:
        """While filtering, enter and esc mean keep and clear (see KeysFooter)."""
        table = self.focused_table()
        if table is not None and table.filtering:
            return [("⏎", "Keep filter", True), ("esc", "Clear filter", True), ("^u", "Empty it", True)]
        return None
