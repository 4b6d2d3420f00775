"""The Events pane's rows: the engine's events and the audit log's entries, one line per change.

The engine writes most changes twice, as an event (the timeline, the notifications) and as an
audit entry (who did it); shown side by side, each change read as two (two `incident.started`
lines). An audit entry that records an event's change, the same action on the same subject at
the same moment, is folded into the event's line as its actor (`incident.acknowledged by
alice`); an entry without such an event keeps a line of its own. Runs in a thread worker.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from uptime_tui.store.models import AuditEntry, Event

# An entry and its event are written in one transaction with the same clock reading; the margin
# allows for a store that keeps the two columns at different precisions.
SAME_MOMENT = timedelta(seconds=2)
PEOPLE = ("user", "api_key")  # actors named by name; the others by kind: system, alert, workflow


@dataclass(frozen=True)
class EventRow:
    """One line of the live tail: an engine event (with its actor when the audit log names
    one) or an audit entry of its own."""

    key: str  # "event:12", "audit:7" or "live:…"
    at: datetime
    source: str  # event | audit
    name: str
    message: str
    actor: str | None = None

    @property
    def title(self) -> str:
        """What happened and who did it: `incident.acknowledged by alice`."""
        return f"{self.name} by {self.actor}" if self.actor else self.name


def load_events(limit: int = 200) -> list[EventRow]:
    """The newest events (without monitor.checked) and audit entries, newest first, one line
    per change."""
    events = (Event.select(Event.id, Event.dt, Event.name, Event.payload)
              .where(Event.name != "monitor.checked").order_by(Event.id.desc()).limit(limit))
    entries = (AuditEntry.select(AuditEntry.id, AuditEntry.created_at, AuditEntry.action, AuditEntry.actor_type,
                                 AuditEntry.actor_name, AuditEntry.targets, AuditEntry.message)
               .order_by(AuditEntry.id.desc()).limit(limit))
    rows: list[EventRow] = []
    by_change: dict[tuple, list[int]] = {}  # (name, subject) -> positions in rows, not yet folded
    for e in events:
        payload = e.payload or {}
        by_change.setdefault((e.name, _event_subject(e.name, payload)), []).append(len(rows))
        rows.append(EventRow(f"event:{e.id}", e.dt, "event", e.name, payload.get("message", "")))
    for a in entries:
        actor = a.actor_name if a.actor_type in PEOPLE else a.actor_type
        candidates = by_change.get((a.action, _entry_subject(a.targets)), [])
        match = next((i for i in candidates if abs(rows[i].at - a.created_at) <= SAME_MOMENT), None)
        if match is None:
            rows.append(EventRow(f"audit:{a.id}", a.created_at, "audit", a.action, a.message, actor))
        else:
            candidates.remove(match)
            rows[match] = replace(rows[match], actor=actor)
    rows.sort(key=lambda r: r.at, reverse=True)
    return rows[:limit]


def _event_subject(name: str, payload: dict) -> tuple:
    """What an event is about, as its audit entry names it: the incident, else the monitor or
    heartbeat by name (entries name them by YAML id or by row id, events by row id)."""
    if payload.get("incident_id") is not None:
        return ("incident", str(payload["incident_id"]))
    kind = name.partition(".")[0]
    return (kind, payload.get(f"{kind}_name") or payload.get("resource_name"))


def _entry_subject(targets) -> tuple:
    """What an audit entry is about: its incident target, else its first target."""
    targets = [t for t in targets or () if isinstance(t, dict)]
    incident = next((t for t in targets if t.get("type") == "incident"), None)
    if incident is not None:
        return ("incident", str(incident.get("id")))
    return (targets[0].get("type"), targets[0].get("name")) if targets else (None, None)
