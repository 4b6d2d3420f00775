"""The event catalogue: the names of reference/000 (Better Stack incident log) that we emit."""

from __future__ import annotations

from fnmatch import fnmatchcase

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


def matches(pattern: str, event: str) -> bool:
    """Whether an event name matches a channel's filter such as `incident.*`."""
    return fnmatchcase(event, pattern)


def known_pattern(pattern: str) -> bool:
    """Whether a filter matches at least one event we emit (catches typos in configs)."""
    return any(matches(pattern, name) for name in EVENT_NAMES)
