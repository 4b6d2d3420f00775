"""What the engine tells the console, as typed messages.

The engine publishes payload dicts (events.py: Better Stack's webhook shapes, made for receivers
elsewhere). The console turns each into one of these dataclasses once, where it arrives
(`engine_message`, called on the engine's thread), so panes and screens fold typed fields and no
widget indexes a payload by string. Past-tense names, one class per thing the console does
something different about; the events the console only lists (escalated, grouped...) are a
plain `IncidentChanged`.

A monitor's checks come by the hundred per second at 10,000 monitors: a newer check of a
monitor replaces one still queued for it (`can_replace`), so a flood costs the UI one fold per
monitor and frame, not one per check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from textual.message import Message


def parse_dt(text: str | None) -> datetime | None:
    """An ISO time from an event payload or a state dict, as an aware datetime."""
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass(kw_only=True, eq=False)  # eq=False: messages stay hashable, compared by identity
class EngineMessage(Message):
    """Something the engine did: its event's name, time and sentence, for the Events pane."""

    name: str  # the engine event's: "incident.acknowledged"
    at: datetime
    text: str
    actor: str | None = None  # the person or integration that made the change, when one did

    @property
    def resource(self) -> tuple[str, int] | None:
        """The monitor or heartbeat it is about, as ("monitor", row id)."""
        return None

    @property
    def alerting(self) -> bool:
        """Whether the console raises a toast for it, wherever the person is."""
        return False


@dataclass(kw_only=True, eq=False)
class MonitorChecked(EngineMessage):
    """One check of a monitor ran."""

    monitor_id: int
    response_time: float  # seconds
    success: bool

    @property
    def resource(self) -> tuple[str, int]:
        return ("monitor", self.monitor_id)

    def can_replace(self, message: Message) -> bool:
        """A newer check of the same monitor supersedes one still queued."""
        return isinstance(message, MonitorChecked) and message.monitor_id == self.monitor_id


@dataclass(kw_only=True, eq=False)
class MonitorStatusChanged(EngineMessage):
    """A monitor went down, or began verifying its recovery."""

    monitor_id: int
    status: str  # down | verifying

    @property
    def resource(self) -> tuple[str, int]:
        return ("monitor", self.monitor_id)

    @property
    def alerting(self) -> bool:
        return self.status == "down"


@dataclass(kw_only=True, eq=False)
class HeartbeatChecked(EngineMessage):
    """A heartbeat's success or failure ping arrived."""

    heartbeat_id: int
    success: bool

    @property
    def resource(self) -> tuple[str, int]:
        return ("heartbeat", self.heartbeat_id)


@dataclass(kw_only=True, eq=False)
class HeartbeatStatusChanged(EngineMessage):
    """A heartbeat went down, or came up again."""

    heartbeat_id: int
    status: str  # down | up

    @property
    def resource(self) -> tuple[str, int]:
        return ("heartbeat", self.heartbeat_id)

    @property
    def alerting(self) -> bool:
        return self.status == "down"


@dataclass(kw_only=True, eq=False)
class ResourceMessage(EngineMessage):
    """A monitor or heartbeat as a whole: created, destroyed, paused, unpaused."""

    kind: str  # monitor | heartbeat
    resource_id: int

    @property
    def resource(self) -> tuple[str, int]:
        return (self.kind, self.resource_id)


@dataclass(kw_only=True, eq=False)
class ResourceCreated(ResourceMessage):
    """A monitor or heartbeat was added to the config."""


@dataclass(kw_only=True, eq=False)
class ResourceDestroyed(ResourceMessage):
    """A monitor or heartbeat was removed from the config."""


@dataclass(kw_only=True, eq=False)
class ResourcePaused(ResourceMessage):
    """Someone paused a monitor or heartbeat."""


@dataclass(kw_only=True, eq=False)
class ResourceUnpaused(ResourceMessage):
    """Someone resumed a monitor or heartbeat."""


@dataclass(kw_only=True, eq=False)
class IncidentChanged(EngineMessage):
    """Anything that happened to an incident (escalated, grouped, destroyed: no fields to fold)."""

    incident_id: int
    resource_type: str  # monitor | heartbeat
    resource_id: int

    @property
    def resource(self) -> tuple[str, int]:
        return (self.resource_type, self.resource_id)


@dataclass(kw_only=True, eq=False)
class IncidentStarted(IncidentChanged):
    """An incident opened."""

    @property
    def alerting(self) -> bool:
        return True


@dataclass(kw_only=True, eq=False)
class IncidentAcknowledged(IncidentChanged):
    """Someone (`actor`, None: the system) acknowledged an incident."""


@dataclass(kw_only=True, eq=False)
class IncidentSnoozed(IncidentChanged):
    """An incident is quiet until `until`."""

    until: datetime | None


@dataclass(kw_only=True, eq=False)
class IncidentUnsnoozed(IncidentChanged):
    """An incident's snooze ended or was cancelled."""


@dataclass(kw_only=True, eq=False)
class IncidentResolved(IncidentChanged):
    """An incident was resolved, by `actor` or (None) by the system when its resource recovered."""


@dataclass(kw_only=True, eq=False)
class IncidentReopened(IncidentChanged):
    """A resolved incident opened again."""


RESOURCE_MESSAGES = {"created": ResourceCreated, "destroyed": ResourceDestroyed,
                     "paused": ResourcePaused, "unpaused": ResourceUnpaused}
INCIDENT_MESSAGES = {"incident.started": IncidentStarted, "incident.acknowledged": IncidentAcknowledged,
                     "incident.snoozed": IncidentSnoozed, "incident.unsnoozed": IncidentUnsnoozed,
                     "incident.resolved": IncidentResolved, "incident.reopened": IncidentReopened}
STATUS_BY_EVENT = {"monitor.down": "down", "monitor.verifying_recovery": "verifying",
                   "heartbeat.down": "down", "heartbeat.up": "up"}


def engine_message(payload: dict) -> EngineMessage:
    """The message for an engine event's payload (an event the console does not know of yet is
    a plain EngineMessage: it is still listed in the Events pane)."""
    name = payload["event"]
    common = {"name": name, "at": parse_dt(payload.get("dt")) or datetime.now(timezone.utc),
              "text": payload.get("message", ""),
              "actor": payload.get("user_name") or payload.get("integration_name")}
    kind, _, verb = name.partition(".")
    if kind == "incident":
        fields = {"incident_id": payload["incident_id"], "resource_type": payload["resource_type"],
                  "resource_id": payload["resource_id"]}
        if name == "incident.snoozed":
            fields["until"] = parse_dt((payload.get("snooze") or {}).get("end_time"))
        return INCIDENT_MESSAGES.get(name, IncidentChanged)(**common, **fields)
    if kind not in ("monitor", "heartbeat"):
        return EngineMessage(**common)
    resource_id = payload[f"{kind}_id"]
    if verb in RESOURCE_MESSAGES:
        return RESOURCE_MESSAGES[verb](**common, kind=kind, resource_id=resource_id)
    if name == "monitor.checked":
        return MonitorChecked(**common, monitor_id=resource_id, response_time=payload["response_time"],
                              success=payload["success"])
    if name == "heartbeat.checked":
        return HeartbeatChecked(**common, heartbeat_id=resource_id, success=payload["success"])
    if name in STATUS_BY_EVENT:
        status = STATUS_BY_EVENT[name]
        if kind == "monitor":
            return MonitorStatusChanged(**common, monitor_id=resource_id, status=status)
        return HeartbeatStatusChanged(**common, heartbeat_id=resource_id, status=status)
    return EngineMessage(**common)
