"""Apply a state machine's step to the database: incidents, evidence, events, audit, new state.

Runs on the writer thread inside one transaction (Writer.run), so an incident, the events it
causes and their audit entries are stored together, before anything is published or notified.

The step was computed from the engine's memory; the database is the truth about what people did
meanwhile (another console may have resolved the incident a moment ago), so actions on an
incident a person closed are dropped here, and a snooze that the step's news cancels ends here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from uptime_tui import audit, events, notify
from uptime_tui.rules import actions as a
from uptime_tui.store import auditlog
from uptime_tui.store.models import Event, Heartbeat, Incident, IncidentEvidence, Monitor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resource:
    """A monitor or heartbeat as the database and the payloads know it."""

    kind: str  # monitor, heartbeat
    row_id: int
    key: str
    ref: events.MonitorRef | events.HeartbeatRef
    group: str | None = None  # monitors sharing a group have their incidents grouped
    policy: str | None = None  # escalation policy id

    @property
    def model(self):
        """The table that holds it."""
        return Monitor if self.kind == "monitor" else Heartbeat

    @property
    def target(self) -> audit.Target:
        """This resource as an audit target."""
        return audit.Target(self.kind, self.key, self.ref.name)


@dataclass(frozen=True)
class Scope:
    """What a transaction needs beside its input: payload context, the time, where we run."""

    ctx: events.Context
    now: datetime
    audit_context: dict = field(default_factory=dict)
    group_window: float = 120.0
    config: object = None  # the Config whose channels hear the events; None: nobody is notified


def incident_ref(row: Incident) -> events.IncidentRef:
    """An incident row as payloads name it."""
    return events.IncidentRef(row.id, row.name, row.resource_type, row.resource_id, row.resource_name)


def incident_targets(row: Incident) -> list[audit.Target]:
    """An incident and its resource, as audit targets."""
    return [audit.Target("incident", str(row.id), row.name),
            audit.Target(row.resource_type, row.resource_key, row.resource_name)]


class StaleStep(RuntimeError):
    """The database holds a newer state of the resource than the one this step was computed from."""


def apply_step(step: a.Step, resource: Resource, scope: Scope, version: int):
    """Store the step's actions, events, audit entries and state (as `version`); return (state,
    payloads). Raises StaleStep, rolling the whole step back, when a newer state is stored."""
    now = scope.now
    state, actions = _without_closed(step, resource)
    opened_id, extra, snooze_news, ignored = None, [], {}, []
    for action in actions:
        incident_id = getattr(action, "incident_id", None) or opened_id
        if isinstance(action, a.OpenIncident):
            row = Incident.create(
                type=action.kind, name=action.name, resource_type=resource.kind,
                resource_id=resource.row_id, resource_key=resource.key, resource_name=resource.ref.name,
                cause=action.cause, status=action.severity, severity=action.severity, active=True,
                flapping=action.flapping, maintenance=False, snooze_cancel_on_updates=True,
                escalation_level=0, started_at=now, updated_at=now, created_at=now,
                group_key=resource.group, escalation_policy=resource.policy,
            )
            opened_id = row.id
            state = state.with_incident_id(row.id)
            _add_evidence(row.id, action.evidence)
            extra += _join_group(row, scope)
        elif isinstance(action, a.ResolveIncident):
            resolved = (Incident.update(updated_at=now, status="ok", active=False, resolved_at=now,
                                        resolved_by="system", resolution_reason=action.cause)
                        .where(Incident.id == incident_id, Incident.active == True).execute())  # noqa: E712
            if not resolved:  # a state older than the database: never a second resolution
                log.error("%s %s: incident #%s is already resolved; not resolving it again",
                          resource.kind, resource.key, incident_id)
                ignored.append(action)
        elif isinstance(action, a.ReopenIncident):
            # The trouble is back: acknowledgement and escalation start over, as for a person's reopen.
            _update(incident_id, now, status=action.status, active=True, resolved_at=None,
                    resolved_by=None, resolution_reason=None, cause=action.cause, acknowledged_by=None,
                    acknowledged_at=None, escalation_level=0, escalated_at=None)
            snooze_news.setdefault(incident_id, "the incident reopened")
        elif isinstance(action, a.EscalateSeverity):
            _update(incident_id, now, type=action.kind, name=action.name, status=action.severity,
                    severity=action.severity, **({"cause": action.cause} if action.cause else {}))
            snooze_news.setdefault(incident_id, f"severity rose to {action.severity}")
        elif isinstance(action, a.SetIncidentStatus):
            _update(incident_id, now, status=action.status)
        elif isinstance(action, a.AddEvidence):
            regions = _new_regions(incident_id, action.evidence)
            _add_evidence(incident_id, action.evidence)
            if regions:
                snooze_news.setdefault(incident_id, f"new evidence from {', '.join(regions)}")
        elif isinstance(action, (a.MarkMaintenance, a.EndMaintenance)):
            _update(incident_id, now, maintenance=isinstance(action, a.MarkMaintenance))
    source = a.EventSource(scope.ctx, now, resource.ref, resource.policy, opened_id=opened_id)
    payloads = a.payloads(tuple(x for x in actions if x not in ignored), source) + extra
    for incident_id, reason in snooze_news.items():
        payloads += cancel_snooze(incident_id, reason, scope)
    store_events(payloads, resource, scope)
    audit_automatic(payloads, resource, scope)
    model = resource.model
    stored = (model.update(state=state.to_dict(), state_version=version)
              .where(model.id == resource.row_id, model.state_version < version).execute())
    if not stored:
        raise StaleStep(f"{resource.kind} {resource.key}: a state newer than version {version} is stored")
    return state, payloads


def _without_closed(step: a.Step, resource: Resource):
    """The step's state and actions, less those about an incident a person has closed."""
    current = step.state.incident
    if current is None or current.id is None:
        return step.state, step.actions
    row = Incident.select(Incident.active, Incident.resolved_by).where(Incident.id == current.id).first()
    if row is not None and (row.active or row.resolved_by == "system"):
        return step.state, step.actions
    actions = tuple(x for x in step.actions if getattr(x, "incident_id", None) != current.id)
    return step.state.resolved_by_person(), actions


def _join_group(row: Incident, scope: Scope) -> list[dict]:
    """Group a new incident with an open one of the same monitor group started within the window."""
    if not row.group_key:
        return []
    peer = (Incident.select().where(
        Incident.group_key == row.group_key, Incident.active == True,  # noqa: E712 (peewee)
        Incident.id != row.id, Incident.started_at >= scope.now - timedelta(seconds=scope.group_window))
        .order_by(Incident.id).first())
    if peer is None:
        return []
    payloads = []
    if peer.group_id is None:  # the group is named after its first incident
        peer.group_id = peer.id
        Incident.update(group_id=peer.id).where(Incident.id == peer.id).execute()
        payloads.append(events.incident_grouped(scope.ctx, scope.now, incident_ref(peer), peer.id))
    # The group escalates as one: a member that joins late is at the group's level already.
    row.group_id, row.escalation_level, row.escalated_at = peer.group_id, peer.escalation_level, peer.escalated_at
    Incident.update(group_id=peer.group_id, escalation_level=peer.escalation_level,
                    escalated_at=peer.escalated_at).where(Incident.id == row.id).execute()
    return payloads + [events.incident_grouped(scope.ctx, scope.now, incident_ref(row), peer.group_id)]


def _new_regions(incident_id: int | None, evidence) -> list[str]:
    """Regions in `evidence` that the incident has no evidence from yet."""
    if incident_id is None:
        return []
    known = {e.region for e in IncidentEvidence.select(IncidentEvidence.region)
             .where(IncidentEvidence.incident == incident_id)}
    return sorted({e.region for e in evidence} - known)


def cancel_snooze(incident_id: int, reason: str, scope: Scope) -> list[dict]:
    """End a snooze that `cancel_on_incident_updates` ends on this news; its payload, if it did."""
    ended = (Incident.update(snoozed_until=None, snoozed_by=None, updated_at=scope.now)
             .where(Incident.id == incident_id, Incident.snoozed_until.is_null(False),
                    Incident.snooze_cancel_on_updates == True)  # noqa: E712 (peewee)
             .execute())
    if not ended:
        return []
    row = Incident.get_by_id(incident_id)
    return [events.incident_unsnoozed(scope.ctx, scope.now, incident_ref(row), None,
                                      f"snooze cancelled: {reason}")]


def audit_automatic(payloads: list[dict], resource: Resource | None, scope: Scope,
                    actor: audit.Actor = audit.SYSTEM) -> None:
    """Audit entries for the incident events among `payloads` (a check opening one is the alert)."""
    for payload in payloads:
        name = payload["event"]
        if not name.startswith("incident."):
            continue
        by = actor
        if name == "incident.started" and resource is not None:
            by = audit.Actor("alert", resource.key, resource.ref.name, {"cause": payload.get("cause")})
        targets = [audit.Target("incident", str(payload["incident_id"]), payload["incident_name"]),
                   _resource_target(payload, resource)]
        auditlog.append(by, name, targets, payload["message"], scope.audit_context, scope.now)


def _resource_target(payload: dict, resource: Resource | None) -> audit.Target:
    """The payload's monitor or heartbeat as every audit entry names it: by its YAML id, as a
    person's operations do (`monitor:closed-port`), not by its row id."""
    kind, row_id, name = payload["resource_type"], payload["resource_id"], payload["resource_name"]
    if resource is not None and (resource.kind, resource.row_id) == (kind, row_id):
        return resource.target
    key = Incident.select(Incident.resource_key).where(Incident.id == payload["incident_id"]).scalar()
    return audit.Target(kind, key or str(row_id), name)


def store_events(payloads: list[dict], resource: Resource | None, scope: Scope) -> list[Event]:
    """Insert event rows, tied to their incident where they have one (never a destroyed one),
    and their notifications into the outbox: the same transaction, before any network call."""
    rows = [Event.create(
        name=payload["event"], dt=scope.now,
        incident=None if payload["event"] == "incident.destroyed" else payload.get("incident_id"),
        resource_type=payload.get("resource_type") or (resource.kind if resource else None),
        resource_id=payload.get("resource_id") or (resource.row_id if resource else None),
        payload=payload,
    ) for payload in payloads]
    if rows and scope.config is not None:
        notify.enqueue(scope.config, list(zip(rows, payloads)), scope.now)
    return rows


def _update(incident_id: int | None, now: datetime, **fields) -> None:
    if incident_id is not None:
        Incident.update(updated_at=now, **fields).where(Incident.id == incident_id).execute()


def _add_evidence(incident_id: int | None, evidence) -> None:
    if incident_id is not None and evidence:
        IncidentEvidence.insert_many([
            {"incident": incident_id, "region": e.region, "timestamp": e.timestamp,
             "status_code": e.status_code, "ttfb_ms": e.ttfb_ms, "cause": e.cause}
            for e in evidence
        ]).execute()
