"""Which channels hear an event, and which events stay quiet. Pure: config, payloads and facts in.

A channel hears an event when
- the monitor or heartbeat the event is about lists the channel under `channels:` (or the channel
  has `all_resources: true`) and one of the channel's `events` patterns matches the event name;
- or the event is an `incident.escalated` whose `escalation_targets` name the channel: a policy
  step pages it whatever its filter says (policies reach channels only this way);
- or a policy paged the channel earlier for the same incident and its filter matches the event:
  whoever was paged hears that the incident was acknowledged or resolved, if they ask for it.
Audit entries (`audit.<action>`) go to channels with a pattern starting with `audit.`; patterns
without that prefix never match audit entries, so `*` means every event, not the audit log.

Noise rules decided when the notification is written (`quiet_reason`): a snoozed incident (or one
in a snoozed group) stays quiet except for its snooze, unsnooze and resolution; an incident in a
maintenance window stays quiet except for its resolution; while a monitor or heartbeat has an open
flapping incident its own down/up events stay quiet (the flapping incident speaks for it), and so
they do while its open incident is snoozed. Events of a group member are not quiet but wait one
`min_interval` (`folds_into_group`), so that they reach the channel folded into one digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase

AUDIT_PREFIX = "audit."
RESOURCE_STATE_EVENTS = frozenset({"monitor.down", "monitor.verifying_recovery", "heartbeat.down", "heartbeat.up"})
HEARD_WHILE_SNOOZED = frozenset({"incident.snoozed", "incident.unsnoozed", "incident.resolved", "incident.destroyed"})
HEARD_IN_MAINTENANCE = frozenset({"incident.resolved", "incident.destroyed"})
# After these, a paged channel hears the incident's later events (its filter permitting).
FOLLOW_UP_EVENTS_SKIP = frozenset({"incident.started", "incident.escalated"})


def wants(channel, event_name: str) -> bool:
    """Whether one of the channel's patterns matches the event (audit patterns only audit entries)."""
    audit = event_name.startswith(AUDIT_PREFIX)
    return any(fnmatchcase(event_name, p) for p in channel.events if p.startswith(AUDIT_PREFIX) == audit)


def resource_of(payload: dict) -> tuple[str, int] | None:
    """("monitor", row id) or ("heartbeat", row id) of the resource an event is about."""
    if payload.get("monitor_id") is not None:
        return "monitor", payload["monitor_id"]
    if payload.get("heartbeat_id") is not None:
        return "heartbeat", payload["heartbeat_id"]
    if payload.get("resource_type") in ("monitor", "heartbeat") and payload.get("resource_id") is not None:
        return payload["resource_type"], payload["resource_id"]
    return None


def channel_targets(payload: dict) -> list[str]:
    """Channel ids among an escalation's targets."""
    return [str(t.get("id")) for t in payload.get("escalation_targets") or () if t.get("type") == "channel"]


@dataclass(frozen=True)
class IncidentFacts:
    """What the noise rules need to know of an incident, read in the event's transaction."""

    id: int
    resource_type: str
    resource_id: int
    active: bool = True
    flapping: bool = False
    maintenance: bool = False
    snoozed_until: datetime | None = None
    group_id: int | None = None

    def snoozed(self, now: datetime) -> bool:
        """Snoozed at `now`."""
        return self.snoozed_until is not None and self.snoozed_until > now

    @property
    def member(self) -> bool:
        """Part of a group it did not start."""
        return self.group_id is not None and self.group_id != self.id


class Routes:
    """A config's channels indexed for routing; build one per config."""

    def __init__(self, config):
        self.channels = {c.id: c for c in config.channels}
        self.listed = {("monitor", m.id): tuple(m.channels) for m in config.monitors}
        self.listed |= {("heartbeat", h.id): tuple(h.channels) for h in config.heartbeats}
        self.everywhere = tuple(c.id for c in config.channels if c.all_resources)
        self.audit = tuple(c for c in config.channels if any(p.startswith(AUDIT_PREFIX) for p in c.events))
        self.has_policies = bool(config.policies)

    def channels_for(self, payload: dict, resource_key: tuple[str, str] | None,
                     paged: frozenset[str] | set[str] = frozenset()) -> list[str]:
        """Ids of the channels that hear this event, each once, in config order."""
        name = payload["event"]
        chosen: dict[str, None] = {}
        listed = self.listed.get(resource_key, ()) if resource_key else ()
        for channel_id in listed + self.everywhere:
            channel = self.channels.get(channel_id)
            if channel is not None and wants(channel, name):
                chosen[channel_id] = None
        if name == "incident.escalated":
            for channel_id in channel_targets(payload):
                if channel_id in self.channels:
                    chosen[channel_id] = None
        elif name not in FOLLOW_UP_EVENTS_SKIP:
            for channel_id in paged:
                channel = self.channels.get(channel_id)
                if channel is not None and wants(channel, name):
                    chosen[channel_id] = None
        return list(chosen)

    def might_hear(self, payload: dict, resource_key: tuple[str, str] | None) -> bool:
        """Cheap pre-check: could any channel hear this event (before reading any facts)?"""
        if self.channels_for(payload, resource_key):
            return True
        return (self.has_policies and payload["event"].startswith("incident.")
                and payload["event"] not in FOLLOW_UP_EVENTS_SKIP and payload.get("incident_id") is not None)

    def audit_channels(self, event_name: str) -> list[str]:
        """Ids of the channels that stream this audit entry."""
        return [c.id for c in self.audit if wants(c, event_name)]


def quiet_reason(name: str, incident: IncidentFacts | None, leader: IncidentFacts | None,
                 resource_incidents: list[IncidentFacts], now: datetime) -> str | None:
    """Why an event is not notified at all (snoozed, maintenance, flapping), or None."""
    for facts in (incident, leader):
        if facts is not None and facts.snoozed(now) and name not in HEARD_WHILE_SNOOZED:
            return "snoozed"
    if incident is not None and incident.maintenance and name not in HEARD_IN_MAINTENANCE:
        return "maintenance"
    if name in RESOURCE_STATE_EVENTS:
        for facts in resource_incidents:
            if facts.active and facts.flapping:
                return "flapping"
            if facts.active and facts.snoozed(now):
                return "snoozed"
    return None


def folds_into_group(payload: dict, incident: IncidentFacts | None) -> bool:
    """Whether the event is about a group member (held back to be folded into a digest)."""
    if incident is not None and incident.member:
        return True
    group_id = payload.get("incident_group_id")
    return group_id is not None and group_id != payload.get("incident_id")
