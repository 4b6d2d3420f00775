"""Escalations and snooze ends that are due, applied in one writer transaction.

The database is read each time rather than kept in memory, because a person may have
acknowledged or snoozed an incident from another console a moment ago. A group escalates as one:
its first open incident speaks for it, and the level is stored on every member, so a group
notifies once per step rather than once per member.
"""

from __future__ import annotations

from uptime_tui import audit, events
from uptime_tui.rules import escalation_policy as escalation
from uptime_tui.engine.step_store import Scope, audit_automatic, incident_ref, store_events
from uptime_tui.store.models import Incident


def apply_escalations(policies: dict, scope: Scope) -> list[dict]:
    """Notify what is due at `scope.now`; return the payloads stored."""
    now = scope.now
    rows = list(Incident.select().where(
        Incident.active == True,  # noqa: E712 (peewee)
        Incident.escalation_policy.is_null(False) | Incident.snoozed_until.is_null(False))
        .order_by(Incident.id))
    payloads = _end_snoozes([r for r in rows if r.snoozed_until and r.snoozed_until <= now], scope)
    units: dict[tuple, list[Incident]] = {}
    for row in rows:
        if row.acknowledged_at is None:
            units.setdefault(("group", row.group_id) if row.group_id else ("incident", row.id), []).append(row)
    for members in units.values():
        payloads += _escalate(members, policies, scope)
    return payloads


def _end_snoozes(rows: list[Incident], scope: Scope) -> list[dict]:
    payloads = []
    for row in rows:
        ended = (Incident.update(snoozed_until=None, snoozed_by=None, updated_at=scope.now)
                 .where(Incident.id == row.id, Incident.snoozed_until == row.snoozed_until).execute())
        if ended:
            payloads.append(events.incident_unsnoozed(scope.ctx, scope.now, incident_ref(row), None,
                                                      "the snooze ended"))
    store_events(payloads, None, scope)
    audit_automatic(payloads, None, scope)
    return payloads


def _escalate(members: list[Incident], policies: dict, scope: Scope) -> list[dict]:
    first = members[0]
    policy = policies.get(first.escalation_policy)
    progress = escalation.Progress(first.started_at, first.escalation_level, first.escalated_at,
                                   snoozed_until=first.snoozed_until)
    due = escalation.due(policy, progress, scope.now)
    if due is None:
        return []
    ids = [m.id for m in members]
    (Incident.update(escalation_level=due.level, escalated_at=scope.now, updated_at=scope.now)
     .where(Incident.id.in_(ids)).execute())
    reason = due.reason
    if first.group_id:
        reason += f" (group #{first.group_id}: {len(members)} open incident{'s' if len(members) > 1 else ''})"
    targets = [{"type": "channel", "id": c, "name": c} for c in due.channels]
    payload = events.incident_escalated(scope.ctx, scope.now, incident_ref(first), targets, reason)
    store_events([payload], None, scope)
    actor = (audit.Actor("workflow", policy.id, f"escalation policy {policy.id}") if policy
             else audit.SYSTEM)
    audit_automatic([payload], None, scope, actor)
    return [payload]
