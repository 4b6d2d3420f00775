"""What the engine keeps per monitor and heartbeat, and how its state reaches the database.

Every new state of a resource takes the next version number, and the database only takes a state
over an older version (`update_states`, and `apply_step` for a step with actions). The periodic
flush snapshots states on the event loop while a step may be queued or running on the writer; the
version is what keeps that snapshot from being written after the step, which had left the stored
state older than the incident it opened or resolved (a second incident, or a second resolution,
after the next restart). One lock per resource keeps its steps in order (a ping and a deadline
tick of one heartbeat, a check and a person's resolve), each computed from the state before it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime

from uptime_tui import config as cfg
from uptime_tui import events
from uptime_tui.rules import heartbeat_machine as hb_machine
from uptime_tui.rules import monitor_machine
from uptime_tui.rules.actions import IncidentView
from uptime_tui.engine.step_store import Resource
from uptime_tui.store.models import Incident

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Tracked:
    """A monitor or heartbeat the engine runs: its definition, row, machine state and version."""

    item: cfg.Monitor | cfg.Heartbeat
    resource: Resource
    state: object
    paused: bool
    token: str | None = None
    version: int = 0  # of `state`, as stored or to be stored
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # one step at a time

    def state_row(self) -> tuple[int, int, dict]:
        """(row id, version, state) for `update_states`."""
        return self.resource.row_id, self.version, self.state.to_dict()


def track(items, rows, kind: str, previous: dict[str, Tracked], now: datetime) -> dict[str, Tracked]:
    """What to track for `items` after a (re)load: a resource tracked before keeps its object
    (its lock, state and version), so a step in flight across a reload lands where it belongs."""
    by_key = {row.key: row for row in rows}
    tracked = {}
    for item in items:
        row = by_key[item.id]
        if kind == "monitor":
            ref = events.MonitorRef.of(item, row.id)
        else:
            ref = events.HeartbeatRef.of(item, row.id)
        resource = Resource(kind, row.id, item.id, ref, getattr(item, "group", None), item.policy)
        token = getattr(row, "token", None)
        known = previous.get(item.id)
        if known is not None:
            known.item, known.resource, known.paused, known.token = item, resource, row.paused, token
            tracked[item.id] = known
            continue
        state = stored_state(kind, row.state, now)
        tracked[item.id] = Tracked(item, resource, state, row.paused, token, row.state_version)
    return tracked


def stored_state(kind: str, data: dict | None, now: datetime):
    """A machine state from its stored dict (a fresh one when nothing is stored yet)."""
    if kind == "monitor":
        return monitor_machine.MonitorState.from_dict(data) if data else monitor_machine.MonitorState()
    return hb_machine.HeartbeatState.from_dict(data) if data else hb_machine.HeartbeatState.new(now)


def read_back(tracked: Tracked, now: datetime):
    """(state, version) as stored, holding the resource's open incident (writer thread).

    For a step the database refused: a newer stored state, or an open incident the state did
    not know of. The machine takes the incident over, so the next check continues it (and
    resolves it when the resource is up) instead of trying to open another.
    """
    model = tracked.resource.model
    row = model.select(model.state, model.state_version).where(model.id == tracked.resource.row_id).get()
    state = stored_state(tracked.resource.kind, row.state, now)
    current = (Incident.select().where(
        Incident.resource_type == tracked.resource.kind, Incident.resource_id == tracked.resource.row_id,
        Incident.active == True)  # noqa: E712 (peewee)
        .order_by(Incident.id.desc()).first())
    if current is not None and (state.incident is None or state.incident.id != current.id):
        state = state.with_incident(IncidentView(current.id, current.type, current.name, current.status,
                                                 current.severity, current.started_at,
                                                 flapping=current.flapping))
    return state, row.state_version
