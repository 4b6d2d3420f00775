"""Engine: the running system, and the one facade the console, the API and the CLI use.

It knows nothing of HTTP nor of how notifications go out: the runtime (runtime/) builds the
probe, the notifier and the listener and hands the engine what it calls, a `probe(monitor)`
coroutine function and a notifier to wake, so this module loads no HTTP client or server.

Checks and pings go through the pure state machines; every step with actions is applied by the
writer thread in one transaction (incident, evidence, events, state) and only then published to
subscribers. Check results go to the writer's batches. Counters that change on every check are
kept in memory and flushed every few seconds, and with every state change, so a restart resumes
where the engine stopped: a monitor that was down is not reported down a second time.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Callable

import peewee

from uptime_tui import audit
from uptime_tui import config as cfg
from uptime_tui import events
from uptime_tui.engine.pings import Ping
from uptime_tui.rules import heartbeat_machine as hb_machine
from uptime_tui.rules import monitor_machine
from uptime_tui.engine.step_store import Scope, StaleStep, apply_step
from uptime_tui.engine.operations import Commands
from uptime_tui.engine.definitions import sync_config
from uptime_tui.engine.health import DescriptorShortage, EngineHealth
from uptime_tui.engine.metrics import EngineReading, Figures
from uptime_tui.rules.maintenance import in_maintenance
from uptime_tui.engine.scheduler import Scheduler
from uptime_tui.engine.tracked import Tracked, read_back, track
from uptime_tui.store.lease import LeaseLost
from uptime_tui.store.models import HeartbeatPing
from uptime_tui.store.retention import run_retention
from uptime_tui.store.sync import DefinitionChange
from uptime_tui.store.writer import Writer, update_states

from uptime_tui.engine.supplied import EngineOptions, NotifierHandle, Probe

log = logging.getLogger(__name__)

STATE_FLUSH_SECONDS = 5.0
HEARTBEAT_TICK_SECONDS = 1.0


def utcnow() -> datetime:
    """The real clock."""
    return datetime.now(timezone.utc)


class Engine(Commands):
    """Runs the checks and heartbeats of a config against a database.

    Without a `probe` no check runs on its own (tests feed `record_result`). `notifier`, when the
    runtime delivers notifications, is set before `start()`: the notifier writes through this
    engine's `writer`, so it is built after the engine. `fence` raises store.lease.LeaseLost when
    this engine no longer holds the database's lease (see store/writer.py).
    """

    def __init__(self, config: cfg.Config, database: peewee.Database, *, probe: Probe | None = None,
                 options: EngineOptions | None = None, clock: Callable[[], datetime] = utcnow,
                 fence: Callable[[], None] | None = None):
        self.config = config
        self.database = database
        self.options = options or EngineOptions()
        self.clock = clock
        self.ctx = events.Context(config.settings.organization_id, config.settings.team_id)
        self.region = config.settings.region
        self.audit_context = audit.local_context()
        self.monitors: dict[str, Tracked] = {}
        self.heartbeats: dict[str, Tracked] = {}
        self._tokens: dict[str, str] = {}
        self._dirty: set[tuple[str, str]] = set()
        self._subscribers: list[asyncio.Queue] = []
        self._tasks: list[asyncio.Task] = []
        self._row_ids: dict[str, int] = {}  # monitor YAML id -> row id, rebuilt on (re)load only
        # The fence (the runtime's lease epoch) is checked by every write transaction: an engine
        # that lost the lease to another stores nothing it decides afterwards.
        self.writer = Writer(database, lambda: self._row_ids, fence=fence)
        self.scheduler = Scheduler(self._check, self.options.max_concurrent)
        self.probe = probe
        self.notifier: NotifierHandle | None = None
        self.shortage = DescriptorShortage()
        self.figures = Figures()  # for GET /metrics: in memory, never read from the database
        self._final_flush = None  # the last states' writer job, queued by halt()

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Sync the config into the database, load state, start checks and heartbeats."""
        self.writer.start()
        await self._apply_config(self.config)
        if self.probe is not None:
            self._schedule()
        self._tasks = [asyncio.create_task(self._heartbeat_loop(), name="heartbeats"),
                       asyncio.create_task(self._flush_loop(), name="state-flush"),
                       asyncio.create_task(self._escalation_loop(), name="escalation"),
                       asyncio.create_task(self._retention_loop(), name="retention")]

    def health(self) -> EngineHealth:
        """The engine's own state: its database and its descriptors."""
        notifier = self.notifier
        failing = () if notifier is None else tuple(sorted(
            name for name, channel in notifier.channel_health().items() if channel.failing_since))
        return EngineHealth(self.writer.health(), self.shortage.skipped, self.shortage.since, failing)

    def monitor_readings(self):
        """Every monitor's labels, status and in-memory figures, for a scrape."""
        return self.figures.readings(self.monitors)

    def engine_reading(self) -> EngineReading:
        """The engine's checks recorded and started, and the scheduler's total lag."""
        return EngineReading(self.figures.checks_recorded, self.scheduler.started, self.scheduler.lag_total)

    async def stop(self) -> None:
        """Stop, persist state and drain the writer: `halt()` then `close()`, for an engine that
        runs without a notifier (the runtime calls the two itself, the notifier's stop between)."""
        await self.halt()
        await self.close()

    async def halt(self) -> None:
        """Stop checks, heartbeats and timers; queue the last states for the writer, which keeps
        running until `close()` (a notifier writes through it while it stops)."""
        await self.scheduler.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        # Not awaited: with the database unreachable, the writer gives up only once told to stop.
        self._final_flush = self.writer.run(self._state_flush()) if self._dirty else None

    async def close(self) -> None:
        """Drain the writer (after `halt()`): everything queued is stored, or given up on."""
        await asyncio.get_running_loop().run_in_executor(None, self.writer.stop)
        final_flush, self._final_flush = self._final_flush, None
        if (final_flush is not None and final_flush.done() and final_flush.exception() is not None
                and not isinstance(final_flush.exception(), LeaseLost)):  # the runtime said that once
            log.error("the last states were not stored: %s", final_flush.exception())

    async def reload(self, config: cfg.Config) -> list[DefinitionChange]:
        """Apply a new, valid config without a restart; return what changed."""
        changes = await self._apply_config(config)
        self.config = config
        if self.notifier is not None:
            self.notifier.reload(config)
        if self.probe is not None:
            self._schedule()
        return changes

    # --- events ---------------------------------------------------------------------------------

    def subscribe(self) -> asyncio.Queue:
        """A queue that receives every event payload published from now on."""
        queue: asyncio.Queue = asyncio.Queue(maxsize=10_000)
        self._subscribers.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        """Stop publishing to `queue` (a stream's client went away); unknown queues are ignored."""
        if queue in self._subscribers:
            self._subscribers.remove(queue)

    def _publish(self, payloads: list[dict]) -> None:
        for payload in payloads:
            for queue in self._subscribers:
                if queue.full():  # a stalled subscriber loses its oldest, never blocks checks
                    queue.get_nowait()
                queue.put_nowait(payload)

    # --- monitors -------------------------------------------------------------------------------

    def _schedule(self) -> None:
        self.scheduler.set_monitors(t.item for t in self.monitors.values() if not t.paused)

    async def _check(self, monitor: cfg.Monitor) -> None:
        result = await self.probe(monitor)
        if result.engine_fault:  # the engine's trouble, not the monitor's: no result, no step
            self.shortage.skipped_check(monitor.id, result.engine_fault, self.clock())
            return
        self.shortage.check_ran()
        try:
            await self.record_result(monitor, result)
        except LeaseLost:
            pass  # another engine checks this monitor now; the runtime is stopping this one

    async def record_result(self, monitor: cfg.Monitor, result) -> None:
        """Store a check result of `monitor` and run it through the incident rules."""
        self.writer.submit_results(result)
        tracked = self.monitors.get(monitor.id)
        if tracked is None or tracked.item != monitor:
            return  # removed or changed by a reload while this check ran
        self.figures.record(monitor.id, result.success, result.response_time, result.region,
                           result.certificate_expiry)
        if self._subscribers:  # built per check only when someone listens
            self._publish([events.monitor_checked(
                self.ctx, result.checked_at, tracked.resource.ref, region=result.region,
                response_time=result.response_time, response_code=result.status_code,
                success=result.success, cause=result.cause)])
        async with tracked.lock:
            if tracked.item != monitor:
                return
            now = self.clock()
            maintenance = in_maintenance(self.config.maintenance, monitor.id, monitor.tags, now)
            step = monitor_machine.observe(monitor, tracked.state, result, now,
                                           rules=self.options.rules, in_maintenance=maintenance)
            await self._commit(tracked, step, now)

    async def _commit(self, tracked: Tracked, step, now: datetime, before=None) -> None:
        """Store a step (when it has actions) before publishing its events; hold `tracked.lock`.
        `before()`, when given, runs first in the step's transaction (a ping's own row)."""
        version = tracked.version + 1
        if not step.actions and before is None:
            tracked.state, tracked.version = step.state, version
            self._dirty.add((tracked.resource.kind, tracked.item.id))
            return

        def store():
            if before is not None:
                before()
            return apply_step(step, tracked.resource, self._scope(now), version)

        stored = asyncio.wrap_future(self.writer.run(store))
        try:
            state, payloads = await asyncio.shield(stored)
        except asyncio.CancelledError:  # a stop or reload: the step is stored all the same
            stored.add_done_callback(lambda done: self._landed_late(tracked, version, done))
            raise
        except (StaleStep, peewee.IntegrityError) as exc:
            # A bug of this shape (a second open incident, a state gone back) is refused by the
            # database: say so, and continue from what the database holds.
            log.error("%s %s: the database refused a step, continuing from its stored state: %s",
                      tracked.resource.kind, tracked.item.id, exc)
            tracked.state, tracked.version = await self.writer.run_async(lambda: read_back(tracked, now))
            return
        tracked.state, tracked.version = state, version
        self._announce(payloads)

    def _landed_late(self, tracked: Tracked, version: int, done: asyncio.Future) -> None:
        if done.cancelled() or done.exception() is not None or tracked.version >= version:
            return
        tracked.state, tracked.version = done.result()[0], version
        self._announce(done.result()[1])

    # --- heartbeats -----------------------------------------------------------------------------

    def heartbeat_token(self, heartbeat_id: str) -> str | None:
        """The token a heartbeat's pings carry (the YAML's, or the one generated for it)."""
        tracked = self.heartbeats.get(heartbeat_id)
        return tracked.token if tracked is not None else None

    async def receive_ping(self, ping: Ping) -> bool:
        """A ping from the listener; False when no active heartbeat has its token."""
        key = self._tokens.get(ping.token)
        tracked = self.heartbeats.get(key) if key else None
        if tracked is None or tracked.paused:
            return False
        async with tracked.lock:
            now = self.clock()
            failed = ping.kind == "fail" or (ping.kind == "exit" and ping.exit_status not in (0, None))
            step = hb_machine.ping(tracked.item, tracked.state, ping.kind, now, ping.exit_status,
                                   rules=self.options.rules, output=ping.body if failed else None,
                                   region=self.region)

            def record_ping():
                HeartbeatPing.create(heartbeat=tracked.resource.row_id, received_at=now, kind=ping.kind,
                                     exit_status=ping.exit_status, body=ping.body,
                                     remote_addr=ping.remote_addr, user_agent=ping.user_agent)

            await self._commit(tracked, step, now, before=record_ping)
        return True

    async def _heartbeat_loop(self) -> None:
        while True:
            now = self.clock()
            for tracked in list(self.heartbeats.values()):
                deadline = hb_machine.next_deadline(tracked.item, tracked.state, now)
                if tracked.paused or deadline is None or deadline > now:
                    continue
                try:
                    async with tracked.lock:  # a ping may have come meanwhile: tick what it left
                        step = hb_machine.tick(tracked.item, tracked.state, now, rules=self.options.rules)
                        await self._commit(tracked, step, now)
                except LeaseLost:
                    return  # another engine runs the heartbeats now; the runtime stops this one
                except Exception:
                    log.exception("heartbeat %s: could not store its state change", tracked.item.id)
            await asyncio.sleep(HEARTBEAT_TICK_SECONDS)

    def _announce(self, payloads: list[dict]) -> None:
        for payload in payloads:
            log.info("%s: %s", payload["event"], payload["message"])
        self._publish(payloads)
        if payloads and self.notifier is not None:
            self.notifier.wake()  # their outbox rows are committed: deliver now, not within a second

    def _tracked(self, kind: str, key: str) -> Tracked | None:
        return (self.monitors if kind == "monitor" else self.heartbeats).get(key)
    # --- persistence ----------------------------------------------------------------------------

    def _scope(self, now: datetime) -> Scope:
        return Scope(self.ctx, now, self.audit_context, self.config.settings.group_window, self.config)

    async def _change_state(self, tracked: Tracked, change: Callable[[object], object | None]) -> None:
        """Give `tracked` the state `change(state)` returns (None: keep it) outside a step, e.g.
        after a person's operation, and store it under the next version."""
        async with tracked.lock:
            state = change(tracked.state)
            if state is None:
                return
            tracked.state, tracked.version = state, tracked.version + 1
            model, rows = tracked.resource.model, [tracked.state_row()]
            await self.writer.run_async(lambda: update_states(model, rows))

    async def _retention_loop(self) -> None:
        while True:
            try:
                report = await run_retention(self.writer, self.config.settings.retention, self.clock())
                if report.total():
                    log.info("retention: %s", report)
            except LeaseLost:
                return  # another engine keeps the history now; the runtime is stopping this one
            except Exception:
                log.exception("retention failed; it runs again in an hour")
            await asyncio.sleep(self.options.retention_every)

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(STATE_FLUSH_SECONDS)
            await self._flush_states()

    async def _flush_states(self) -> None:
        if self._dirty:
            await self.writer.run_async(self._state_flush())

    def _state_flush(self) -> Callable[[], None]:
        """A writer job storing the states changed since the last one, as they are now (each
        with its version, so none is written over a step stored after this snapshot)."""
        dirty, self._dirty = self._dirty, set()
        by_model: dict[type, list[tuple[int, int, dict]]] = {}
        for kind, key in dirty:
            if tracked := self._tracked(kind, key):
                by_model.setdefault(tracked.resource.model, []).append(tracked.state_row())
        return lambda: [update_states(model, rows) for model, rows in by_model.items()]

    async def _apply_config(self, config: cfg.Config) -> list[DefinitionChange]:
        """Sync definitions (with created/destroyed events) and rebuild what the engine tracks."""
        now = self.clock()
        changes, monitor_rows, heartbeat_rows, published = await self.writer.run_async(
            lambda: sync_config(config, now))
        self.ctx = events.Context(config.settings.organization_id, config.settings.team_id)
        self.monitors = track(config.monitors, monitor_rows, "monitor", self.monitors, now)
        self.heartbeats = track(config.heartbeats, heartbeat_rows, "heartbeat", self.heartbeats, now)
        self._tokens = {t.token: key for key, t in self.heartbeats.items()}
        self._row_ids = {key: t.resource.row_id for key, t in self.monitors.items()}
        self.figures.keep(self.monitors)
        self._announce(published)
        return changes
