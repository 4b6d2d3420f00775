"""The event catalogue and its payload builders (Better Stack's incident log webhook).

Every payload carries the common fields `dt`, `event`, `message`, `organization_id`, `team_id`,
then exactly the fields the reference lists for that event, under the reference's names. Fields
the reference marks "(if applicable)" are always present and `None` when they do not apply, so a
receiver sees one fixed shape per event.

Builders take plain values (database ids as ints, names, a `Context`, `now`), never models: the
engine calls them once it knows the ids it has just written. This module reads no clock.

`monitor_type` uses the reference's vocabulary: http -> "status" (up when the status code is
accepted), keyword -> "keyword" or "keyword_absence", tcp -> "tcp", dns -> "dns", tls -> "ssl" (we
check the certificate, as Better Stack's SSL monitors do). Each type's spec says its own name
(`Monitor.payload_type`), so this module knows no monitor type.

Secrets stop here: a `MonitorRef` holds its target redacted (`https://****@host/?api_key=****`)
and every cause is passed through the same redaction, so no payload, message, outbox row, stream
or Apprise text built from these can carry a URL's credentials.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatchcase

from uptime_tui.redaction import redact_target, redact_text

MONITOR_EVENTS = (
    "monitor.checked", "monitor.created", "monitor.destroyed", "monitor.down",
    "monitor.paused", "monitor.unpaused", "monitor.verifying_recovery",
)
HEARTBEAT_EVENTS = (
    "heartbeat.checked", "heartbeat.created", "heartbeat.destroyed", "heartbeat.down",
    "heartbeat.paused", "heartbeat.unpaused", "heartbeat.up",
)
INCIDENT_EVENTS = (
    "incident.acknowledged", "incident.destroyed", "incident.escalated", "incident.grouped",
    "incident.reopened", "incident.resolved", "incident.started",
)
EVENT_NAMES = MONITOR_EVENTS + HEARTBEAT_EVENTS + INCIDENT_EVENTS
# Ours, beyond the reference's catalogue: a snooze is a change a team wants on its timeline.
EXTENSION_EVENTS = ("incident.snoozed", "incident.unsnoozed")


def matches(pattern: str, event: str) -> bool:
    """Whether an event name matches a channel's filter such as `incident.*`."""
    return fnmatchcase(event, pattern)


def known_pattern(pattern: str) -> bool:
    """Whether a filter matches at least one event we emit (catches typos in configs)."""
    return any(matches(pattern, name) for name in EVENT_NAMES + EXTENSION_EVENTS)


@dataclass(frozen=True, slots=True)
class Context:
    """Who the events belong to (settings.organization_id / team_id)."""

    organization_id: str = ""
    team_id: str = ""


@dataclass(frozen=True, slots=True)
class MonitorRef:
    """A monitor as payloads name it: database id, URL (redacted), name, reference type."""

    id: int
    name: str
    url: str
    type: str

    def __post_init__(self):
        # However the ref is built, the URL it carries is the one safe to show.
        object.__setattr__(self, "url", redact_target(self.url))

    @classmethod
    def of(cls, monitor, db_id: int) -> MonitorRef:
        """From a config `Monitor` and its database id."""
        return cls(db_id, monitor.name, monitor.target, monitor.payload_type)


@dataclass(frozen=True, slots=True)
class HeartbeatRef:
    """A heartbeat as payloads name it."""

    id: int
    name: str

    @classmethod
    def of(cls, heartbeat, db_id: int) -> HeartbeatRef:
        """From a config `Heartbeat` and its database id."""
        return cls(db_id, heartbeat.name)


@dataclass(frozen=True, slots=True)
class IncidentRef:
    """An incident and the resource that caused it, as payloads name them."""

    id: int | None
    name: str
    resource_type: str  # "monitor" | "heartbeat"
    resource_id: int
    resource_name: str

    @classmethod
    def of(cls, incident_id: int | None, name: str, resource: MonitorRef | HeartbeatRef) -> IncidentRef:
        """An incident of a monitor or heartbeat."""
        kind = "monitor" if isinstance(resource, MonitorRef) else "heartbeat"
        return cls(incident_id, name, kind, resource.id, resource.name)


@dataclass(frozen=True, slots=True)
class Actor:
    """A person or integration acting on an incident; all None when the system acts."""

    user_email: str | None = None
    user_name: str | None = None
    integration_name: str | None = None
    integration_type: str | None = None

    def describe(self) -> str:
        """Who, for messages."""
        return self.user_name or self.user_email or self.integration_name or "the system"


SYSTEM = Actor()


def iso(dt: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the second, as the reference shows: 2026-05-07T09:14:02Z."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime: times must be timezone-aware")
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(dt: datetime) -> str:
    """An event's `dt`: UTC to the millisecond, as Better Stack's payloads show (…T09:14:02.000Z),
    so events of one second keep their order at a receiver that sorts by it."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime: times must be timezone-aware")
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _common(event: str, message: str, ctx: Context, now: datetime) -> dict:
    return {"dt": iso_ms(now), "event": event, "message": message,
            "organization_id": ctx.organization_id, "team_id": ctx.team_id}


def _monitor(event: str, message: str, ctx: Context, now: datetime, m: MonitorRef) -> dict:
    return _common(event, message, ctx, now) | {
        "monitor_id": m.id, "monitor_url": m.url, "monitor_name": m.name, "monitor_type": m.type,
    }


def _heartbeat(event: str, message: str, ctx: Context, now: datetime, h: HeartbeatRef) -> dict:
    return _common(event, message, ctx, now) | {"heartbeat_id": h.id, "heartbeat_name": h.name}


def _incident(event: str, message: str, ctx: Context, now: datetime, i: IncidentRef) -> dict:
    return _common(event, message, ctx, now) | {
        "incident_id": i.id, "incident_name": i.name, "resource_type": i.resource_type,
        "resource_id": i.resource_id, "resource_name": i.resource_name,
    }


def _actor_fields(actor: Actor | None) -> dict:
    actor = actor or SYSTEM
    return {"user_email": actor.user_email, "user_name": actor.user_name,
            "integration_name": actor.integration_name, "integration_type": actor.integration_type}


# --- monitor events -------------------------------------------------------------------------

def monitor_checked(ctx: Context, now: datetime, monitor: MonitorRef, *, region: str,
                    response_time: float, response_code: int | None, success: bool,
                    cause: str | None) -> dict:
    """monitor.checked: one check and its outcome."""
    cause = redact_text(cause)
    outcome = "succeeded" if success else f"failed: {cause}"
    return _monitor("monitor.checked", f"Check of {monitor.name} from {region} {outcome}",
                    ctx, now, monitor) | {
        "region": region, "response_time": float(response_time), "response_code": response_code,
        "success": success, "cause": cause,
    }


def monitor_created(ctx: Context, now: datetime, monitor: MonitorRef) -> dict:
    """monitor.created."""
    return _monitor("monitor.created", f"Monitor {monitor.name} was created", ctx, now, monitor)


def monitor_destroyed(ctx: Context, now: datetime, monitor: MonitorRef) -> dict:
    """monitor.destroyed."""
    return _monitor("monitor.destroyed", f"Monitor {monitor.name} was deleted", ctx, now, monitor)


def monitor_down(ctx: Context, now: datetime, monitor: MonitorRef, *, cause: str | None,
                 regions: Iterable[str]) -> dict:
    """monitor.down: confirmed down, with the cause and the regions that saw it."""
    cause = redact_text(cause)
    return _monitor("monitor.down", f"Monitor {monitor.name} went down: {cause}", ctx, now,
                    monitor) | {"cause": cause, "regions": list(regions)}


def monitor_paused(ctx: Context, now: datetime, monitor: MonitorRef) -> dict:
    """monitor.paused."""
    return _monitor("monitor.paused", f"Monitor {monitor.name} was paused", ctx, now, monitor)


def monitor_unpaused(ctx: Context, now: datetime, monitor: MonitorRef) -> dict:
    """monitor.unpaused."""
    return _monitor("monitor.unpaused", f"Monitor {monitor.name} was unpaused", ctx, now, monitor)


def monitor_verifying_recovery(ctx: Context, now: datetime, monitor: MonitorRef) -> dict:
    """monitor.verifying_recovery: the first success after down."""
    return _monitor("monitor.verifying_recovery", f"Monitor {monitor.name} is verifying recovery",
                    ctx, now, monitor)


# --- heartbeat events -----------------------------------------------------------------------

def heartbeat_checked(ctx: Context, now: datetime, heartbeat: HeartbeatRef, *, success: bool,
                      fail_code: str | None) -> dict:
    """heartbeat.checked: a success or failure ping arrived."""
    outcome = "succeeded" if success else f"reported a failure ({fail_code or 'fail'})"
    return _heartbeat("heartbeat.checked", f"Heartbeat {heartbeat.name} {outcome}", ctx, now,
                      heartbeat) | {"success": success, "fail_code": fail_code}


def heartbeat_created(ctx: Context, now: datetime, heartbeat: HeartbeatRef) -> dict:
    """heartbeat.created."""
    return _heartbeat("heartbeat.created", f"Heartbeat {heartbeat.name} was created", ctx, now, heartbeat)


def heartbeat_destroyed(ctx: Context, now: datetime, heartbeat: HeartbeatRef) -> dict:
    """heartbeat.destroyed."""
    return _heartbeat("heartbeat.destroyed", f"Heartbeat {heartbeat.name} was deleted", ctx, now, heartbeat)


def heartbeat_down(ctx: Context, now: datetime, heartbeat: HeartbeatRef) -> dict:
    """heartbeat.down: missed, late, or reported a failure."""
    return _heartbeat("heartbeat.down", f"Heartbeat {heartbeat.name} went down", ctx, now, heartbeat)


def heartbeat_paused(ctx: Context, now: datetime, heartbeat: HeartbeatRef) -> dict:
    """heartbeat.paused."""
    return _heartbeat("heartbeat.paused", f"Heartbeat {heartbeat.name} was paused", ctx, now, heartbeat)


def heartbeat_unpaused(ctx: Context, now: datetime, heartbeat: HeartbeatRef) -> dict:
    """heartbeat.unpaused."""
    return _heartbeat("heartbeat.unpaused", f"Heartbeat {heartbeat.name} was unpaused", ctx, now, heartbeat)


def heartbeat_up(ctx: Context, now: datetime, heartbeat: HeartbeatRef) -> dict:
    """heartbeat.up: a success ping after down."""
    return _heartbeat("heartbeat.up", f"Heartbeat {heartbeat.name} is up again", ctx, now, heartbeat)


# --- incident events ------------------------------------------------------------------------

def incident_started(ctx: Context, now: datetime, incident: IncidentRef, *, cause: str | None,
                     regions: Iterable[str], escalation_policy_id: int | str | None = None) -> dict:
    """incident.started; escalation_policy_id is an int in the reference, None without a policy."""
    cause = redact_text(cause)
    return _incident("incident.started", f"Incident #{incident.id} started: {incident.name}: {cause}",
                     ctx, now, incident) | {
        "incident_cause": cause, "regions": list(regions), "escalation_policy_id": escalation_policy_id,
    }


def _by_actor(event: str, verb: str, ctx: Context, now: datetime, incident: IncidentRef,
              actor: Actor | None, cause: str | None = None) -> dict:
    """An incident event done by a person, an integration or (actor None) the system."""
    why = f": {redact_text(cause)}" if cause else ""
    message = f"Incident #{incident.id} {verb} by {(actor or SYSTEM).describe()}{why}"
    return _incident(event, message, ctx, now, incident) | _actor_fields(actor)


def incident_acknowledged(ctx: Context, now: datetime, incident: IncidentRef,
                          actor: Actor | None = None) -> dict:
    """incident.acknowledged, by a person or an integration."""
    return _by_actor("incident.acknowledged", "acknowledged", ctx, now, incident, actor)


def incident_resolved(ctx: Context, now: datetime, incident: IncidentRef,
                      actor: Actor | None = None, cause: str | None = None) -> dict:
    """incident.resolved; actor None means resolved automatically by the system."""
    return _by_actor("incident.resolved", "resolved", ctx, now, incident, actor, cause)


def incident_reopened(ctx: Context, now: datetime, incident: IncidentRef,
                      actor: Actor | None = None, cause: str | None = None) -> dict:
    """incident.reopened; actor None means reopened by the system (a failure soon after recovery)."""
    return _by_actor("incident.reopened", "reopened", ctx, now, incident, actor, cause)


def incident_escalated(ctx: Context, now: datetime, incident: IncidentRef,
                       targets: Iterable[Mapping] = (), reason: str | None = None) -> dict:
    """incident.escalated; targets are {type, id, name} (type "user", "team", "channel" ...)."""
    listed = [{"type": t["type"], "id": t["id"], "name": t["name"]} for t in targets]
    why = f": {reason}" if reason else ""
    return _incident("incident.escalated", f"Incident #{incident.id} escalated{why}", ctx, now,
                     incident) | {"escalation_targets": listed}


def incident_grouped(ctx: Context, now: datetime, incident: IncidentRef, group_id: int) -> dict:
    """incident.grouped: added to an incident group."""
    return _incident("incident.grouped", f"Incident #{incident.id} added to group #{group_id}",
                     ctx, now, incident) | {"incident_group_id": group_id}


def incident_snoozed(ctx: Context, now: datetime, incident: IncidentRef, actor: Actor | None, *,
                     until: datetime, cancel_on_updates: bool) -> dict:
    """incident.snoozed (ours): quiet until `until`; `snooze` as in the BigPanda incident object."""
    message = f"Incident #{incident.id} snoozed until {iso(until)} by {(actor or SYSTEM).describe()}"
    return _incident("incident.snoozed", message, ctx, now, incident) | _actor_fields(actor) | {
        "snooze": {"snoozed": True, "end_time": iso(until), "cancel_on_incident_updates": cancel_on_updates}}


def incident_unsnoozed(ctx: Context, now: datetime, incident: IncidentRef, actor: Actor | None,
                       reason: str) -> dict:
    """incident.unsnoozed (ours): by a person, because the snooze ended, or cancelled by an update."""
    message = f"Incident #{incident.id} no longer snoozed: {reason}"
    return _incident("incident.unsnoozed", message, ctx, now, incident) | _actor_fields(actor) | {
        "snooze": {"snoozed": False, "end_time": None, "cancel_on_incident_updates": None}}


def incident_destroyed(ctx: Context, now: datetime, incident: IncidentRef) -> dict:
    """incident.destroyed."""
    return _incident("incident.destroyed", f"Incident #{incident.id} was deleted", ctx, now, incident)


BUILDERS = {
    "monitor.checked": monitor_checked, "monitor.created": monitor_created,
    "monitor.destroyed": monitor_destroyed, "monitor.down": monitor_down,
    "monitor.paused": monitor_paused, "monitor.unpaused": monitor_unpaused,
    "monitor.verifying_recovery": monitor_verifying_recovery,
    "heartbeat.checked": heartbeat_checked, "heartbeat.created": heartbeat_created,
    "heartbeat.destroyed": heartbeat_destroyed, "heartbeat.down": heartbeat_down,
    "heartbeat.paused": heartbeat_paused, "heartbeat.unpaused": heartbeat_unpaused,
    "heartbeat.up": heartbeat_up,
    "incident.acknowledged": incident_acknowledged, "incident.destroyed": incident_destroyed,
    "incident.escalated": incident_escalated, "incident.grouped": incident_grouped,
    "incident.reopened": incident_reopened, "incident.resolved": incident_resolved,
    "incident.started": incident_started,
}
