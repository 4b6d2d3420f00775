"""The heartbeat detail's database read: a plain dataclass, no textual import.

Beside dashboard.py rather than in it (which holds the dashboard's reads). Runs in
a thread worker. The token is read from the database, where the engine keeps the one it
generated for a heartbeat whose YAML has none: the console is where a person finds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from peewee import fn

from uptime_tui.rules.heartbeat_machine import HeartbeatState
from uptime_tui.store.models import Heartbeat, HeartbeatPing, Incident
from uptime_tui.queries.dashboard import INCIDENT_FIELDS, HeartbeatRow, IncidentRow, incident_row

BODY_CHARS = 500  # of a ping's body (kept up to 10 KB): enough for its first line


@dataclass
class HeartbeatDetail:
    """A heartbeat's definition, token, state, last pings and incidents."""

    id: int
    key: str
    name: str
    token: str
    paused: bool
    period: float | None  # seconds; or a cron `schedule` in `timezone`
    schedule: str | None
    timezone: str
    grace: float
    row: HeartbeatRow  # its status and last ping as stored (next_expected not computed)
    pings: list[tuple[datetime, str, int | None, str, str | None]]  # (at, kind, exit, first line, from), newest first
    incidents: list[IncidentRow]


def heartbeat_detail(heartbeat_id: int, limit: int = 100) -> HeartbeatDetail | None:
    """One heartbeat with its last `limit` pings and its incidents; None when it was removed."""
    h = Heartbeat.get_or_none(Heartbeat.id == heartbeat_id)
    if h is None:
        return None
    state = HeartbeatState.from_dict(h.state) if h.state else HeartbeatState()
    row = HeartbeatRow(h.id, h.key, h.name, "paused" if h.paused else state.status, state.last_ping_at,
                       None, state.last_duration, state.watching_since)
    pings = [(at, kind, exit_status, first_line(body), remote_addr)
             for at, kind, exit_status, body, remote_addr in
             HeartbeatPing.select(HeartbeatPing.received_at, HeartbeatPing.kind, HeartbeatPing.exit_status,
                                  fn.SUBSTR(HeartbeatPing.body, 1, BODY_CHARS), HeartbeatPing.remote_addr)
             .where(HeartbeatPing.heartbeat == heartbeat_id)
             .order_by(HeartbeatPing.received_at.desc(), HeartbeatPing.id.desc()).limit(limit).tuples()]
    incidents = [incident_row(i) for i in Incident.select(*INCIDENT_FIELDS).where(
        (Incident.resource_type == "heartbeat") & (Incident.resource_id == heartbeat_id))
        .order_by(Incident.started_at.desc()).limit(50)]
    definition = h.definition if isinstance(h.definition, dict) else {}
    return HeartbeatDetail(h.id, h.key, h.name, h.token, h.paused, definition.get("period"),
                           definition.get("schedule"), definition.get("timezone") or "UTC",
                           definition.get("grace") or 0.0, row, pings, incidents)


def first_line(body: str | None) -> str:
    """The first line of a ping's body that says something ('' for none)."""
    for line in (body or "").splitlines():
        if line.strip():
            return line.strip()
    return ""
