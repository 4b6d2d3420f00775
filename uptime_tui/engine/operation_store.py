"""What a person or an API key does: acknowledge, snooze, resolve, reopen, destroy, pause.

Each operation is one writer transaction. A conditional UPDATE decides, so when two consoles act
on one incident at once the first wins and the second is told who was first, with no second
event or audit entry. The audit entry and the event row are written beside the change. These
functions are the database half; `Engine` (service.py) runs them and then brings its state
machines in line (a resolved incident is not reopened by the next failed check, a reopened one
is adopted again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from uptime_tui import events
from uptime_tui.engine.step_store import Resource, Scope, incident_ref, incident_targets, store_events
from uptime_tui.operator import OperationRefused, Operator, Outcome
from uptime_tui.store import auditlog
from uptime_tui.store.models import Incident

SNOOZE_LIMIT = timedelta(days=30)


@dataclass
class Applied:
    """An operation's outcome and what the engine must do with it."""

    outcome: Outcome
    payloads: list[dict] = field(default_factory=list)
    closed: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, key, incident id)
    reopened: list[Incident] = field(default_factory=list)


# --- incidents ------------------------------------------------------------------------------

def acknowledge(scope: Scope, incident_id: int, operator: Operator, whole_group: bool = False) -> Applied:
    """Acknowledge: escalation stops. The first acknowledgement wins."""
    row = _open_incident(incident_id, "acknowledge")
    done = [m for m in _members(row, whole_group) if _claim(
        m, scope, Incident.acknowledged_at.is_null(), acknowledged_by=operator.name, acknowledged_at=scope.now)]
    if not done:
        latest = Incident.get_by_id(row.id)
        raise OperationRefused("conflict", f"incident #{row.id} was already acknowledged by "
                                           f"{latest.acknowledged_by} at {events.iso(latest.acknowledged_at)}")
    build = lambda m: events.incident_acknowledged(scope.ctx, scope.now, incident_ref(m), operator.event_actor)
    return _record(scope, operator, "incident.acknowledged", done, build, "acknowledged")


def snooze(scope: Scope, incident_id: int, operator: Operator, *, duration: timedelta | None = None,
           until: datetime | None = None, cancel_on_updates: bool = True, whole_group: bool = False) -> Applied:
    """Quiet until a time: no notification, escalation waits; then it notifies again if open."""
    if (duration is None) == (until is None):
        raise OperationRefused("invalid", "give a snooze duration or an end time, not both")
    end = scope.now + duration if duration is not None else until
    if end.tzinfo is None:
        raise OperationRefused("invalid", "the snooze end time needs a time zone")
    if not scope.now < end <= scope.now + SNOOZE_LIMIT:
        raise OperationRefused("invalid", "a snooze must end in the future and within 30 days")
    row = _open_incident(incident_id, "snooze")
    done = [m for m in _members(row, whole_group) if _claim(
        m, scope, None, snoozed_until=end, snoozed_by=operator.name, snooze_cancel_on_updates=cancel_on_updates)]
    build = lambda m: events.incident_snoozed(scope.ctx, scope.now, incident_ref(m), operator.event_actor,
                                              until=end, cancel_on_updates=cancel_on_updates)
    return _record(scope, operator, "incident.snoozed", done, build, f"snoozed until {events.iso(end)}")


def unsnooze(scope: Scope, incident_id: int, operator: Operator, whole_group: bool = False) -> Applied:
    """End a snooze now."""
    row = _incident(incident_id)
    done = [m for m in _members(row, whole_group)
            if _claim(m, scope, Incident.snoozed_until.is_null(False), snoozed_until=None, snoozed_by=None)]
    if not done:
        raise OperationRefused("conflict", f"incident #{row.id} is not snoozed")
    build = lambda m: events.incident_unsnoozed(scope.ctx, scope.now, incident_ref(m), operator.event_actor,
                                                f"unsnoozed by {operator.name}")
    return _record(scope, operator, "incident.unsnoozed", done, build, "unsnoozed")


def resolve(scope: Scope, incident_id: int, operator: Operator, reason: str, whole_group: bool = False) -> Applied:
    """Close by hand, with a reason (required)."""
    reason = (reason or "").strip()
    if not reason:
        raise OperationRefused("invalid", "a reason is required to resolve an incident")
    row = _incident(incident_id)
    if not row.active:
        raise _already_resolved(row)
    done = [m for m in _members(row, whole_group) if _claim(
        m, scope, None, status="ok", active=False, resolved_at=scope.now, resolved_by=operator.name,
        resolution_reason=reason, snoozed_until=None, snoozed_by=None)]
    if not done:
        raise _already_resolved(Incident.get_by_id(row.id))
    build = lambda m: events.incident_resolved(scope.ctx, scope.now, incident_ref(m), operator.event_actor, reason)
    applied = _record(scope, operator, "incident.resolved", done, build, "resolved")
    applied.closed = [(m.resource_type, m.resource_key, m.id) for m in done]
    return applied


def reopen(scope: Scope, incident_id: int, operator: Operator, reason: str | None = None) -> Applied:
    """Open a resolved incident again; escalation starts over."""
    row = _incident(incident_id)
    other = (Incident.select().where(Incident.resource_type == row.resource_type,
                                     Incident.resource_key == row.resource_key,
                                     Incident.active == True, Incident.id != row.id).first())  # noqa: E712
    if other is not None:
        raise OperationRefused("conflict", f"{row.resource_type} {row.resource_name} already has "
                                           f"open incident #{other.id}")
    done = [row] if _claim(row, scope, Incident.active == False, active=True,  # noqa: E712
                           status=row.severity, resolved_at=None, resolved_by=None, resolution_reason=None,
                           acknowledged_by=None, acknowledged_at=None, escalation_level=0,
                           escalated_at=None) else []
    if not done:
        raise OperationRefused("conflict", f"incident #{row.id} is open")
    cause = (reason or "").strip() or None
    build = lambda m: events.incident_reopened(scope.ctx, scope.now, incident_ref(m), operator.event_actor, cause)
    applied = _record(scope, operator, "incident.reopened", done, build, "reopened")
    applied.reopened = [Incident.get_by_id(row.id)]
    return applied


def destroy(scope: Scope, incident_id: int, operator: Operator) -> Applied:
    """Delete an incident, its evidence and timeline; the audit log keeps the record."""
    row = _incident(incident_id)
    payload = events.incident_destroyed(scope.ctx, scope.now, incident_ref(row))
    applied = _record(scope, operator, "incident.destroyed", [row], lambda m: payload, "deleted")
    Incident.delete().where(Incident.id == row.id).execute()
    applied.closed = [(row.resource_type, row.resource_key, row.id)]
    return applied


# --- monitors and heartbeats ----------------------------------------------------------------

def set_paused(scope: Scope, resource: Resource, operator: Operator, paused: bool) -> Applied:
    """Pause (no checks, no pings accepted, no incidents) or resume a monitor or heartbeat."""
    model = resource.model
    changed = (model.update(paused=paused, updated_at=scope.now)
               .where(model.id == resource.row_id, model.paused != paused).execute())
    verb = "paused" if paused else "unpaused"
    if not changed:
        raise OperationRefused("conflict", f"{resource.kind} {resource.ref.name} is already "
                                           f"{'paused' if paused else 'running'}")
    builder = getattr(events, f"{resource.kind}_{verb}")
    payload = builder(scope.ctx, scope.now, resource.ref)
    store_events([payload], resource, scope)
    message = f"{resource.kind.capitalize()} {resource.ref.name} {verb} by {operator.name}"
    auditlog.append(operator.audit_actor, f"{resource.kind}.{verb}", [resource.target], message,
                    operator.context, scope.now)
    return Applied(Outcome(message), [payload])


# --- helpers --------------------------------------------------------------------------------

def _incident(incident_id: int) -> Incident:
    row = Incident.get_or_none(Incident.id == incident_id)
    if row is None:
        raise OperationRefused("not_found", f"incident #{incident_id} not found")
    return row


def _open_incident(incident_id: int, verb: str) -> Incident:
    row = _incident(incident_id)
    if not row.active:
        raise _already_resolved(row, f"cannot {verb} incident #{row.id}: it")
    return row


def _already_resolved(row: Incident, subject: str = "") -> OperationRefused:
    when = f" at {events.iso(row.resolved_at)}" if row.resolved_at else ""
    return OperationRefused("conflict", f"{subject or f'incident #{row.id}'} was already resolved "
                                        f"by {row.resolved_by}{when}")


def _members(row: Incident, whole_group: bool) -> list[Incident]:
    """The incident, or every open incident of its group."""
    if not (whole_group and row.group_id):
        return [row]
    return list(Incident.select().where(Incident.group_id == row.group_id, Incident.active == True)  # noqa: E712
                .order_by(Incident.id))


def _claim(row: Incident, scope: Scope, condition, **fields) -> bool:
    """Update an open (or, for reopen, any) incident if `condition` still holds; whether it did."""
    where = [Incident.id == row.id]
    if "active" not in fields or fields["active"] is False:
        where.append(Incident.active == True)  # noqa: E712
    if condition is not None:
        where.append(condition)
    return bool(Incident.update(updated_at=scope.now, **fields).where(*where).execute())


def _record(scope: Scope, operator: Operator, action: str, rows: list[Incident], build, verb: str) -> Applied:
    """Events and audit entries for `rows`; the outcome sentence."""
    if not rows:  # every member changed meanwhile, e.g. resolved from another console
        raise OperationRefused("conflict", "the incident changed meanwhile; nothing was done")
    payloads = [build(m) for m in rows]
    store_events(payloads, None, scope)
    for m, payload in zip(rows, payloads):
        auditlog.append(operator.audit_actor, action, incident_targets(m), payload["message"],
                        operator.context, scope.now)
    first = rows[0]
    subject = f"incident #{first.id}" if len(rows) == 1 else f"{len(rows)} incidents of group #{first.group_id}"
    return Applied(Outcome(f"{subject} {verb} by {operator.name}", tuple(m.id for m in rows)), payloads)
