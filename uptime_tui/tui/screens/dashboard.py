"""DashboardScreen: the live panes (monitors, incidents, heartbeats, events) and the header.

Rows are read by thread workers (queries/dashboard.py) and delivered as messages; engine events update
rows in place and repaint only their line. Reloads that follow bursts of events are debounced.
Monitors are read in two steps (rows and statuses, then results and counts) so the panes paint
before the results are read; one load runs at a time, the next waits for it.

Larger than the ~350 lines we aim for because each pane's loading and event folding still lives
here; the split is one module per pane (its columns, load, events, search text), which the
restructuring issue (one-way flow, panes one per file) does with the typed engine messages.
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

from uptime_tui.tui import event_tail
from uptime_tui.queries import dashboard as data
from uptime_tui.tui.widgets.keys_footer import KeysFooter
from uptime_tui.tui.columns import EVENT_COLUMNS, HEARTBEAT_COLUMNS, INCIDENT_COLUMNS, MONITOR_COLUMNS
from uptime_tui.tui.widgets.pane_table import PaneTable
from uptime_tui.tui.widgets.status_bar import StatusBar, Summary

MONITOR_STATUS_BY_EVENT = {"monitor.down": "down", "monitor.verifying_recovery": "verifying",
                           "monitor.paused": "paused", "monitor.unpaused": "new"}
# Up to this many monitors, rows and results are read in one step (it takes well under 100 ms);
# above it the panes paint from the rows first and the results follow.
READ_IN_ONE_STEP = 2000
ALL_PARTS = frozenset(("monitors", "heartbeats", "incidents", "events"))
HEARTBEAT_STATUS_BY_EVENT = {"heartbeat.down": "down", "heartbeat.up": "up",
                             "heartbeat.paused": "paused", "heartbeat.unpaused": "new"}


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
        """A worker read the dashboard (or part of it: None fields were not read)."""

        def __init__(self, monitors=None, heartbeats=None, incidents=None, events=None,
                     generation: int = 0, number: int = 0) -> None:
            super().__init__()
            self.monitors, self.heartbeats, self.incidents, self.events = monitors, heartbeats, incidents, events
            self.generation = generation
            self.number = number  # which load this is: they are numbered as they start
            self.with_stats = True  # False: the monitors' results follow in a StatsLoaded

    class StatsLoaded(Message):
        """The second read: the monitors' recent results and 24 h counts."""

        def __init__(self, stats: dict) -> None:
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
        self._acknowledging: dict[int, str] = {}  # incident id -> operator, until the engine answers
        self._loading = False  # one load at a time: two at once share the GIL and both paint late
        self._queued: set[str] = set()
        self._generation = 0  # bumped by a full reload; older loads skip their second read
        self._loads_started = 0
        # incident id -> the number of the last load started before the pane learnt of a change
        # to it (an event, an acknowledgement shown or answered): that load and older ones may
        # have read the database before the change, and must not take it back on screen.
        self._learnt: dict[int, int] = {}

    def compose(self) -> ComposeResult:
        clock = self.app.clock
        yield StatusBar(id="status-bar")
        with Container(id="panes"):
            yield PaneTable("Monitors", MONITOR_COLUMNS, key=lambda m: m.id, clock=clock, id="monitors",
                            search=lambda m: f"{m.status} {m.name} {m.type} {m.target} {m.group or ''}",
                            empty="no monitors (add some to the config file)", cache_search=True)
            yield PaneTable("Incidents", INCIDENT_COLUMNS, key=lambda i: i.id, clock=clock, id="incidents",
                            search=lambda i: f"#{i.id} {i.severity} {i.state(clock())} {i.acknowledged_by or ''} "
                                             f"{i.resource_name} {i.cause or ''} {i.type}",
                            empty="no incidents: all quiet")
            yield PaneTable("Heartbeats", HEARTBEAT_COLUMNS, key=lambda h: h.id, clock=clock, id="heartbeats",
                            search=lambda h: f"{h.status} {h.name}", empty="no heartbeats")
            yield PaneTable("Events", EVENT_COLUMNS, key=lambda e: e.key, clock=clock, id="events",
                            search=lambda e: f"{e.title} {e.message}", empty="no events yet")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#monitors", PaneTable).focus()
        self.reload()
        self.set_interval(1.0, self.tick)
        self.set_interval(15.0, lambda: self.schedule_reload("heartbeats", "incidents"))

    # --- reading ------------------------------------------------------------------------------

    def reload(self, *parts: str) -> None:
        """Read the given parts (all when none) in a thread worker, after the load in flight."""
        parts = frozenset(parts or ALL_PARTS)
        if parts == ALL_PARTS:
            self._generation += 1
        if self._loading:
            self._queued |= parts
            return
        self._start_load(parts)

    def schedule_reload(self, *parts: str, delay: float = 0.3) -> None:
        """Reload soon, once for a burst of events."""
        self._pending.update(parts)
        if self._reload_timer is None:
            self._reload_timer = self.set_timer(delay, self._reload_pending)

    def _reload_pending(self) -> None:
        self._reload_timer = None
        parts, self._pending = self._pending, set()
        if parts:
            self.reload(*parts)

    @work(thread=True, group="dashboard-load")
    def _load(self, parts: frozenset, generation: int, number: int) -> None:
        try:
            app = self.app
            now = app.clock()
            monitors = data.load_monitor_rows(app.config, now) if "monitors" in parts else None
            split = monitors is not None and len(monitors) > READ_IN_ONE_STEP
            if monitors is not None and not split:
                data.fill_monitor_stats(monitors, data.load_monitor_stats(now))
            loaded = self.Loaded(
                monitors=monitors,
                heartbeats=data.load_heartbeats(app.config, now) if "heartbeats" in parts else None,
                incidents=data.load_incidents(now) if "incidents" in parts else None,
                events=event_tail.load_events() if "events" in parts else None, generation=generation, number=number)
            loaded.with_stats = not split
            self.post_message(loaded)
            if split and generation == self._generation:  # else a full reload follows
                self.post_message(self.StatsLoaded(data.load_monitor_stats(now)))
        finally:
            self.post_message(self.LoadEnded())

    def on_dashboard_screen_loaded(self, message: Loaded) -> None:
        if message.monitors is not None:
            self._keep_live_status(message.monitors)
            if not message.with_stats:
                self._keep_stats(message.monitors)
        if message.incidents is not None:
            self._keep_learnt(message.incidents, message.number)
            self._keep_pending(message.incidents)
        for name in ("monitors", "heartbeats", "incidents", "events"):
            rows = getattr(message, name)
            if rows is not None:
                self.table(name).set_rows(rows)
        if message.incidents is not None:
            self._derive_degraded()
        if message.monitors is not None and message.generation == self._generation:
            self.loaded = True
            self.filled = message.with_stats
            self.app.collector.loaded()
        self.tick_header()  # set_rows repainted the panes that changed

    def on_dashboard_screen_stats_loaded(self, message: StatsLoaded) -> None:
        table = self.table("monitors")
        data.fill_monitor_stats(table.rows, message.stats)
        table.rows_changed()  # statuses may have changed ('new' to 'up')
        self.filled = self.loaded
        self._derive_degraded()
        self.app.collector.loaded()
        table.redraw()
        self.tick_header()

    def on_dashboard_screen_load_ended(self, message: LoadEnded) -> None:
        self._loading = False
        if self._queued:
            parts, self._queued = self._queued, set()
            self._start_load(frozenset(parts))

    def _start_load(self, parts: frozenset) -> None:
        self._loading = True
        self._loads_started += 1
        self._load(parts, self._generation, self._loads_started)

    def _incidents_learnt(self, ids) -> None:
        """The incidents pane learnt of changes the loads in flight may not have read."""
        for incident_id in ids:
            self._learnt[incident_id] = self._loads_started

    def _keep_learnt(self, rows: list[data.IncidentRow], number: int) -> None:
        """A load read before a change the pane shows keeps the row as shown (no flicker back)."""
        current = self.table("incidents")
        for i, row in enumerate(rows):
            if number <= self._learnt.get(row.id, -1) and (shown := current.get(row.id)) is not None:
                rows[i] = shown
        self._learnt = {k: n for k, n in self._learnt.items() if n >= number}

    def _keep_stats(self, rows: list[data.MonitorRow]) -> None:
        """Until the second read fills them, a reloaded row keeps the results it showed."""
        current = self.table("monitors")
        for row in rows:
            old = current.get(row.id)
            if old is not None:
                row.recent, row.response_ms, row.checked_at = old.recent, old.response_ms, old.checked_at
                row.checks_24h, row.failures_24h = old.checks_24h, old.failures_24h

    def _keep_live_status(self, rows: list[data.MonitorRow]) -> None:
        """The engine flushes calm states every few seconds: a status learnt from its events
        is newer than a stored 'new'."""
        current = self.table("monitors")
        for row in rows:
            old = current.get(row.id)
            if row.status == "new" and old is not None and old.status not in ("new", "paused"):
                row.status = old.status

    def _keep_pending(self, rows: list[data.IncidentRow]) -> None:
        """An acknowledgement the engine has not answered yet stays shown over a reload."""
        for row in rows:
            who = self._acknowledging.get(row.id)
            if who is not None and row.active and row.acknowledged_by is None:
                row.acknowledged_by, row.pending = who, "acknowledging"

    def show_acknowledging(self, incident: data.IncidentRow, who: str, whole_group: bool) -> Callable[[bool], None]:
        """Show the acknowledgement at once (optimistic), before the engine's writer confirms it.

        Returns the function to call with the outcome: it clears the pending mark, and takes the
        acknowledgement back when the engine refused it (the reload that follows shows the truth).
        """
        table = self.table("incidents")
        marked = [row for row in table.rows
                  if row.active and row.acknowledged_by is None and (
                      row.id == incident.id or (whole_group and row.group_id == incident.group_id))]
        for row in marked:
            row.acknowledged_by, row.pending = who, "acknowledging"
            self._acknowledging[row.id] = who
            table.row_changed(row.id)
        if marked:
            self._incidents_learnt(row.id for row in marked)
            self.tick_header(recount=False)

        def settle(ok: bool) -> None:
            self._incidents_learnt(row.id for row in marked)
            for row in marked:
                self._acknowledging.pop(row.id, None)
                current = table.get(row.id)
                if current is None or current.pending != "acknowledging":
                    continue
                current.pending = None
                if not ok and current.acknowledged_by == who:
                    current.acknowledged_by = None
                table.row_changed(current.id)
            self.tick_header(recount=False)

        return settle

    def table(self, name: str) -> PaneTable:
        """One of the panes: monitors, incidents, heartbeats, events."""
        return self.query_one(f"#{name}", PaneTable)

    # --- live updates -------------------------------------------------------------------------

    def apply_event(self, payload: dict) -> None:
        """Fold an engine event into the panes."""
        name = payload["event"]
        if name == "monitor.checked":
            self._monitor_checked(payload)
            return
        if name.endswith((".created", ".destroyed")) and not name.startswith("incident."):
            self.schedule_reload("monitors", "heartbeats", delay=0.5)
        elif name.startswith("monitor."):
            self._set_monitor_status(payload["monitor_id"], MONITOR_STATUS_BY_EVENT.get(name))
        elif name.startswith("heartbeat."):
            self._heartbeat_event(name, payload)
        elif name.startswith("incident."):
            if name == "incident.resolved" and payload.get("resource_type") == "monitor" \
                    and not (payload.get("user_name") or payload.get("integration_name")):
                self._set_monitor_status(payload["resource_id"], "up")
            self._incident_event(name, payload)
            self.schedule_reload("incidents", "events")
        if name.endswith("paused"):  # the audit log names who paused or resumed it (see event_tail)
            self.schedule_reload("events")
        self.table("events").prepend(event_tail.event_row(payload))

    def _incident_event(self, name: str, payload: dict) -> None:
        """Show an operation's effect at once; the reload that follows confirms it."""
        table = self.table("incidents")
        row = table.get(payload.get("incident_id"))
        if row is None:
            return
        who = payload.get("user_name") or payload.get("integration_name")
        if name == "incident.acknowledged":
            row.acknowledged_by, row.pending = who or "system", None
            self._acknowledging.pop(row.id, None)
        elif name == "incident.snoozed":
            row.snoozed_until = data.parse_dt(payload["snooze"]["end_time"])
        elif name == "incident.unsnoozed":
            row.snoozed_until = None
        elif name == "incident.resolved":
            row.active, row.resolved_at, row.resolved_by = False, data.parse_dt(payload["dt"]), who
        elif name == "incident.reopened":
            row.active, row.resolved_at = True, None
        else:
            return
        self._incidents_learnt([row.id])
        table.row_changed(row.id)

    def _monitor_checked(self, payload: dict) -> None:
        table = self.table("monitors")
        row = table.get(payload["monitor_id"])
        if row is None:
            return
        row.record_check(data.parse_dt(payload["dt"]), payload["response_time"], payload["success"])
        if payload["success"] and row.status == "new":
            row.status = "up"
        table.row_changed(row.id)

    def _set_monitor_status(self, monitor_id: int, status: str | None) -> None:
        if status is None:
            return
        table = self.table("monitors")
        row = table.get(monitor_id)
        if row is not None and (row.status != "paused" or status == "new"):
            row.status = status
            table.row_changed(row.id)

    def _heartbeat_event(self, name: str, payload: dict) -> None:
        table = self.table("heartbeats")
        row = table.get(payload["heartbeat_id"])
        if row is None:
            return
        if name == "heartbeat.checked":
            row.last_ping_at = data.parse_dt(payload["dt"])
            if payload["success"] and row.status in ("new", "started", "up"):
                row.status = "up"
        status = HEARTBEAT_STATUS_BY_EVENT.get(name)
        if status:
            row.status = status
        row.next_expected = data.next_expected(self.app.config, row, self.app.clock())
        table.row_changed(row.id)

    def _derive_degraded(self) -> None:
        """A monitor with an open degraded incident shows degraded (and up again when it closes)."""
        degraded = {i.resource_id for i in self.table("incidents").rows
                    if i.active and i.resource_type == "monitor" and i.type == "degraded"}
        monitors = self.table("monitors")
        for row in monitors.rows:
            if row.status == "up" and row.id in degraded:
                row.status = "degraded"
            elif row.status == "degraded" and row.id not in degraded:
                row.status = "up"
            else:
                continue
            monitors.row_changed(row.id)

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
        incidents = [i for i in self.table("incidents").rows if i.active]
        summary = Summary(*self._resource_counts, len(incidents), sum(1 for i in incidents if i.state(now) == "new"),
                          app.config.settings.region if app.config else "-", now.strftime("%H:%M:%SZ"),
                          app.failing_channels(), app.engine_problems())
        self.query_one(StatusBar).show(summary)

    def on_screen_resume(self) -> None:
        for table in self.query(PaneTable):
            if table.stale:
                table.redraw()

    # --- selection ----------------------------------------------------------------------------

    def focused_table(self) -> PaneTable | None:
        """The pane with the focus."""
        focused = self.focused
        return focused if isinstance(focused, PaneTable) else None

    def selected_incident(self) -> data.IncidentRow | None:
        """The incident under the cursor, or the open incident of the selected monitor/heartbeat."""
        table = self.focused_table()
        if table is None:
            return None
        row = table.selected
        if table.id == "incidents":
            return row
        if table.id in ("monitors", "heartbeats") and row is not None:
            kind = table.id[:-1]
            return next((i for i in self.table("incidents").rows
                         if i.active and i.resource_type == kind and i.resource_id == row.id), None)
        return None

    def selected_resource(self) -> tuple[str, int, str, bool] | None:
        """(kind, row id, name, paused) of the selected monitor or heartbeat (or incident's resource)."""
        table = self.focused_table()
        row = table.selected if table else None
        if row is None or table.id == "events":
            return None
        if table.id == "incidents":
            kind, resource_id = row.resource_type, row.resource_id
            resource = self.table(f"{kind}s").get(resource_id)
            return (kind, resource_id, row.resource_name, resource is not None and resource.status == "paused")
        return (table.id[:-1], row.id, row.name, row.status == "paused")

    # --- keys ---------------------------------------------------------------------------------

    def action_details(self) -> None:
        """Open the selected incident, monitor or heartbeat."""
        table = self.focused_table()
        row = table.selected if table else None
        if row is None:
            return
        if table.id == "incidents":
            self.app.open_incident(row.id)
        elif table.id == "monitors":
            self.app.open_monitor(row.id)
        elif table.id == "heartbeats":
            self.app.open_heartbeat(row.id)
        elif table.id == "events" and row.source == "audit":
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
