"""Apply a state machine's step to the database: incidents, evidence, events and the new state.

Runs on the writer thread inside one transaction (Writer.run), so an incident and the events it
causes are stored together, before anything is published or notified.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from uptime_tui import events
from uptime_tui.engine import actions as a
from uptime_tui.store.models import Event, Heartbeat, Incident, IncidentEvidence, Monitor


@dataclass(frozen=True)
class Resource:
    """A monitor or heartbeat as the database and the payloads know it."""

    kind: str  # monitor, heartbeat
    row_id: int
    key: str
    ref: events.MonitorRef | events.HeartbeatRef

    @property
    def model(self):
        """The table that holds it."""
        return Monitor if self.kind == "monitor" else Heartbeat


def apply_step(step: a.Step, resource: Resource, ctx: events.Context, now: datetime):
    """Store the step's actions, events and state; return (state, payloads)."""
    state, opened_id = step.state, None
    for action in step.actions:
        incident_id = getattr(action, "incident_id", None) or opened_id
        if isinstance(action, a.OpenIncident):
            row = Incident.create(
                type=action.kind, name=action.name, resource_type=resource.kind,
                resource_id=resource.row_id, resource_key=resource.key, resource_name=resource.ref.name,
                cause=action.cause, status=action.severity, severity=action.severity, active=True,
                flapping=action.flapping, maintenance=False, snooze_cancel_on_updates=True,
                escalation_level=0, started_at=now, updated_at=now, created_at=now,
            )
            opened_id = row.id
            state = state.with_incident_id(row.id)
            _add_evidence(row.id, action.evidence)
        elif isinstance(action, a.ResolveIncident):
            _update(incident_id, now, status="ok", active=False, resolved_at=now, resolved_by="system",
                    resolution_reason=action.cause)
        elif isinstance(action, a.ReopenIncident):
            _update(incident_id, now, status=action.status, active=True, resolved_at=None,
                    resolved_by=None, resolution_reason=None, cause=action.cause)
        elif isinstance(action, a.EscalateSeverity):
            _update(incident_id, now, type=action.kind, name=action.name, status=action.severity,
                    severity=action.severity, **({"cause": action.cause} if action.cause else {}))
        elif isinstance(action, a.SetIncidentStatus):
            _update(incident_id, now, status=action.status)
        elif isinstance(action, a.AddEvidence):
            _add_evidence(incident_id, action.evidence)
        elif isinstance(action, (a.MarkMaintenance, a.EndMaintenance)):
            _update(incident_id, now, maintenance=isinstance(action, a.MarkMaintenance))
    payloads = a.payloads(step.actions, a.EventSource(ctx, now, resource.ref, opened_id=opened_id))
    store_events(payloads, resource, now)
    resource.model.update(state=state.to_dict()).where(resource.model.id == resource.row_id).execute()
    return state, payloads


def store_events(payloads: list[dict], resource: Resource | None, now: datetime) -> None:
    """Insert event rows, tied to their incident where they have one."""
    for payload in payloads:
        Event.create(
            name=payload["event"], dt=now, incident=payload.get("incident_id"),
            resource_type=resource.kind if resource else None,
            resource_id=resource.row_id if resource else None, payload=payload,
        )


def _update(incident_id: int | None, now: datetime, **fields) -> None:
    if incident_id is not None:
        Incident.update(updated_at=now, **fields).where(Incident.id == incident_id).execute()


def _add_evidence(incident_id: int | None, evidence) -> None:
    if incident_id is not None and evidence:
        IncidentEvidence.insert_many([
            {"incident": incident_id, "region": e.region, "timestamp": e.timestamp,
             "status_code": e.status_code, "ttfb_ms": e.ttfb_ms}
            for e in evidence
        ]).execute()
