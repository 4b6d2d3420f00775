"""The operations people and API keys perform, as methods of the Engine facade.

Kept apart from service.py only to keep it readable: the class declares below every attribute
of the Engine these methods use, so what they rely on is written down here, not guessed. The
database half of each operation is in operation_store.py.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from uptime_tui.rules import heartbeat_machine as hb_machine
from uptime_tui.engine import operation_store as ops
from uptime_tui.rules.actions import IncidentView
from uptime_tui.engine.escalation_store import apply_escalations
from uptime_tui.operator import OperationRefused, Operator, Outcome

if TYPE_CHECKING:
    from uptime_tui.config import Config
    from uptime_tui.engine.step_store import Scope
    from uptime_tui.engine.supplied import EngineOptions, Probe
    from uptime_tui.engine.tracked import Tracked
    from uptime_tui.store.writer import Writer

log = logging.getLogger(__name__)


class Commands:
    """acknowledge, snooze, unsnooze, resolve, reopen, destroy, pause, unpause, escalate."""

    # What these methods use of the Engine (service.py sets or defines each of them).
    config: Config
    options: EngineOptions
    writer: Writer
    probe: Probe | None
    monitors: dict[str, Tracked]
    heartbeats: dict[str, Tracked]
    clock: Callable[[], datetime]
    _scope: Callable[[datetime], Scope]
    _tracked: Callable[[str, str], Tracked | None]
    _change_state: Callable[..., Any]
    _announce: Callable[[list[dict]], None]
    _schedule: Callable[[], None]

    async def acknowledge(self, incident_id: int, operator: Operator, *,
                          whole_group: bool = False) -> Outcome:
        """Acknowledge an incident (or its whole group): escalation stops. First one wins."""
        return await self._operate(ops.acknowledge, incident_id, operator, whole_group)

    async def snooze(self, incident_id: int, operator: Operator, *, duration=None, until=None,
                     cancel_on_updates: bool = True, whole_group: bool = False) -> Outcome:
        """Snooze for a timedelta `duration` or until an aware datetime `until`."""
        return await self._operate(ops.snooze, incident_id, operator, duration=duration, until=until,
                                   cancel_on_updates=cancel_on_updates, whole_group=whole_group)

    async def unsnooze(self, incident_id: int, operator: Operator, *,
                       whole_group: bool = False) -> Outcome:
        """End a snooze now."""
        return await self._operate(ops.unsnooze, incident_id, operator, whole_group)

    async def resolve(self, incident_id: int, operator: Operator, reason: str, *,
                      whole_group: bool = False) -> Outcome:
        """Resolve by hand with a reason; the monitor opens no incident of that kind until it is up."""
        return await self._operate(ops.resolve, incident_id, operator, reason, whole_group)

    async def reopen(self, incident_id: int, operator: Operator, reason: str | None = None) -> Outcome:
        """Reopen a resolved incident."""
        return await self._operate(ops.reopen, incident_id, operator, reason)

    async def destroy(self, incident_id: int, operator: Operator) -> Outcome:
        """Delete an incident (the audit log keeps the record)."""
        return await self._operate(ops.destroy, incident_id, operator)

    async def pause(self, kind: str, ref: int | str, operator: Operator) -> Outcome:
        """Pause a monitor or heartbeat (by row id or YAML id): no checks, pings or incidents."""
        return await self._set_paused(kind, ref, operator, True)

    async def unpause(self, kind: str, ref: int | str, operator: Operator) -> Outcome:
        """Resume a paused monitor or heartbeat."""
        return await self._set_paused(kind, ref, operator, False)

    async def escalate(self) -> list[dict]:
        """Notify the escalation steps and snooze ends due now (also run on a timer)."""
        policies = {p.id: p for p in self.config.policies}
        now = self.clock()
        payloads = await self.writer.run_async(lambda: apply_escalations(policies, self._scope(now)))
        self._announce(payloads)
        return payloads

    async def _operate(self, job, *args, **kwargs) -> Outcome:
        now = self.clock()
        applied = await self.writer.run_async(lambda: job(self._scope(now), *args, **kwargs))
        for kind, key, incident_id in applied.closed:
            tracked = self._tracked(kind, key)
            if tracked is not None:
                await self._change_state(tracked, lambda state, closed=incident_id: (
                    state.resolved_by_person() if state.incident is not None and state.incident.id == closed
                    else None))
        for row in applied.reopened:
            await self._adopt(row)
        self._announce(applied.payloads)
        return applied.outcome

    async def _adopt(self, row) -> None:
        """Hand a reopened incident to its state machine while the resource is still failing;
        on a healthy one it stays open until a person resolves it (the next good check would)."""
        tracked = self._tracked(row.resource_type, row.resource_key)
        if tracked is None:
            return
        view = IncidentView(row.id, row.type, row.name, row.status, row.severity, row.started_at,
                            flapping=row.flapping)
        await self._change_state(tracked, lambda state: None if state.status == "up" else state.with_incident(view))

    async def _set_paused(self, kind: str, ref: int | str, operator: Operator, paused: bool) -> Outcome:
        tracked = self._find(kind, ref)
        now = self.clock()
        applied = await self.writer.run_async(
            lambda: ops.set_paused(self._scope(now), tracked.resource, operator, paused))
        tracked.paused = paused
        if kind == "monitor" and self.probe is not None:
            self._schedule()
        elif not paused:  # the period starts now, not at the last ping before the pause
            await self._change_state(
                tracked, lambda state: hb_machine.HeartbeatState.new(now).with_incident(state.incident))
        self._announce(applied.payloads)
        return applied.outcome

    def _find(self, kind: str, ref: int | str):
        if kind not in ("monitor", "heartbeat"):
            raise OperationRefused("invalid", f"unknown kind {kind!r}: monitor or heartbeat")
        pool = self.monitors if kind == "monitor" else self.heartbeats
        found = pool.get(ref) if isinstance(ref, str) else next(
            (t for t in pool.values() if t.resource.row_id == ref), None)
        if found is None:
            raise OperationRefused("not_found", f"{kind} {ref} not found")
        return found

    async def _escalation_loop(self) -> None:
        while True:
            await asyncio.sleep(self.options.escalation_tick)
            try:
                await self.escalate()
            except Exception:
                log.exception("could not apply due escalations")
