"""What the state machines ask the engine to do, and the events each request causes. Pure.

`observe()` (monitor_machine.py) and `ping()`/`tick()` (heartbeat_machine.py) return a `Step`: the new state
and a tuple of actions. The engine applies all of a step's actions, and stores the new state, in
one transaction, then publishes `payloads(step.actions, source)`. Each action class lists the
events it causes in `EVENTS`; actions with no event only change stored incident fields.

Kept apart from monitor_machine.py so both machines share one catalogue and one incident view.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from uptime_tui import events
from uptime_tui.events import Context, HeartbeatRef, IncidentRef, MonitorRef

SEVERITIES = ("ok", "warning", "critical")
REOPENABLE = ("down", "degraded")  # flapping incidents are never reopened


def rank(status: str) -> int:
    """Order of incident statuses: ok < warning < critical."""
    return SEVERITIES.index(status)


def time_str(dt: datetime | None) -> str | None:
    """A datetime for stored state: ISO 8601 in UTC, full precision."""
    return dt.astimezone(UTC).isoformat() if dt else None


def parse_time(text: str | None) -> datetime | None:
    """Back from `time_str()` (or any ISO 8601 with an offset or Z)."""
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True, slots=True)
class Evidence:
    """One failed check of a failing streak, as the incidents API shows it (Better Stack's
    incident object), with what went wrong: the check's cause, or the output a failing job sent."""

    region: str
    timestamp: datetime  # whole seconds, so it survives the reference's format unchanged
    status_code: int | None
    ttfb_ms: int | None
    cause: str | None = None

    @classmethod
    def of(cls, result) -> Evidence:
        """From a CheckResult."""
        ttfb = None if result.ttfb_ms is None else round(result.ttfb_ms)
        return cls(result.region, result.checked_at.replace(microsecond=0), result.status_code, ttfb,
                   result.cause)

    def to_dict(self) -> dict:
        """{region, timestamp, status_code, ttfb_ms, cause}."""
        return {"region": self.region, "timestamp": events.iso(self.timestamp),
                "status_code": self.status_code, "ttfb_ms": self.ttfb_ms, "cause": self.cause}

    @classmethod
    def from_dict(cls, data: dict) -> Evidence:
        """Back from `to_dict()`."""
        return cls(data["region"], parse_time(data["timestamp"]), data.get("status_code"),
                   data.get("ttfb_ms"), data.get("cause"))


@dataclass(frozen=True, slots=True)
class IncidentView:
    """What a state machine knows of its current incident (the database holds the rest)."""

    id: int | None  # None until the engine has stored it (see with_incident_id)
    kind: str  # down | degraded | flapping
    name: str
    status: str  # current: critical | warning | ok
    severity: str  # the highest status reached
    started_at: datetime
    resolved_at: datetime | None = None  # set when resolved automatically; kept to reopen
    flapping: bool = False
    in_maintenance: bool = False

    @property
    def open(self) -> bool:
        """Not resolved."""
        return self.resolved_at is None

    def resolved(self, now: datetime) -> IncidentView:
        """This incident resolved automatically at `now`."""
        return replace(self, status="ok", resolved_at=now)

    def to_dict(self) -> dict:
        """A JSON-able dict."""
        return {"id": self.id, "kind": self.kind, "name": self.name, "status": self.status,
                "severity": self.severity, "started_at": time_str(self.started_at),
                "resolved_at": time_str(self.resolved_at), "flapping": self.flapping,
                "in_maintenance": self.in_maintenance}

    @classmethod
    def from_dict(cls, data: dict) -> IncidentView:
        """Back from `to_dict()`."""
        return cls(data.get("id"), data["kind"], data["name"], data["status"], data["severity"],
                   parse_time(data["started_at"]), parse_time(data.get("resolved_at")),
                   data.get("flapping", False), data.get("in_maintenance", False))


@dataclass(frozen=True, slots=True)
class Step:
    """The outcome of one input: the state to store and the actions to apply with it."""

    state: Any  # MonitorState | HeartbeatState
    actions: tuple = ()


@dataclass(frozen=True, slots=True)
class EventSource:
    """What the engine adds to actions to build payloads: who, when, and ids it assigned."""

    ctx: Context
    now: datetime
    resource: MonitorRef | HeartbeatRef
    escalation_policy_id: int | str | None = None
    opened_id: int | None = None  # the id given to this step's OpenIncident

    def incident(self, incident_id: int | None, name: str) -> IncidentRef:
        """An incident of this resource."""
        return IncidentRef.of(incident_id, name, self.resource)


def payloads(actions: Iterable, source: EventSource) -> list[dict]:
    """The event payloads a step's actions cause, in order."""
    return [p for action in actions for p in action.payloads(source)]


# --- incident actions -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class OpenIncident:
    """Insert an incident: status = severity = `severity`, actor system. Then call
    `state.with_incident_id(id)` and pass the id as `EventSource.opened_id`."""

    EVENTS: ClassVar = ("incident.started",)
    kind: str  # down | degraded | flapping
    name: str
    severity: str  # critical | warning
    cause: str
    evidence: tuple[Evidence, ...] = ()
    flapping: bool = False

    @property
    def regions(self) -> tuple[str, ...]:
        """Regions that reported the failures, first seen first."""
        return tuple(dict.fromkeys(e.region for e in self.evidence))

    def payloads(self, src: EventSource) -> list[dict]:
        """incident.started."""
        return [events.incident_started(src.ctx, src.now, src.incident(src.opened_id, self.name),
                                        cause=self.cause, regions=self.regions,
                                        escalation_policy_id=src.escalation_policy_id)]


@dataclass(frozen=True, slots=True)
class ResolveIncident:
    """Resolve automatically (actor system): status ok, resolved_at = now, `cause` recorded."""

    EVENTS: ClassVar = ("incident.resolved",)
    incident_id: int | None
    name: str
    cause: str

    def payloads(self, src: EventSource) -> list[dict]:
        """incident.resolved, by the system."""
        return [events.incident_resolved(src.ctx, src.now, src.incident(self.incident_id, self.name),
                                         cause=self.cause)]


@dataclass(frozen=True, slots=True)
class ReopenIncident:
    """Reopen an automatically resolved incident (actor system): resolved_at cleared, status set."""

    EVENTS: ClassVar = ("incident.reopened",)
    incident_id: int | None
    name: str
    cause: str
    status: str

    def payloads(self, src: EventSource) -> list[dict]:
        """incident.reopened, by the system."""
        return [events.incident_reopened(src.ctx, src.now, src.incident(self.incident_id, self.name),
                                         cause=self.cause)]


@dataclass(frozen=True, slots=True)
class EscalateSeverity:
    """Raise status and severity to `severity`; `kind` and `name` change when degraded turns down."""

    EVENTS: ClassVar = ("incident.escalated",)
    incident_id: int | None
    name: str
    kind: str
    severity: str
    cause: str | None

    def payloads(self, src: EventSource) -> list[dict]:
        """incident.escalated with no targets: the severity rose, nobody new was paged."""
        reason = f"now {self.severity}" + (f": {self.cause}" if self.cause else "")
        return [events.incident_escalated(src.ctx, src.now, src.incident(self.incident_id, self.name),
                                          reason=reason)]


@dataclass(frozen=True, slots=True)
class SetIncidentStatus:
    """Change the current status only (severity stays); no event."""

    EVENTS: ClassVar = ()
    incident_id: int | None
    status: str

    def payloads(self, src: EventSource) -> list[dict]:
        """None."""
        return []


@dataclass(frozen=True, slots=True)
class AddEvidence:
    """Append failed checks to the incident's evidence; no event."""

    EVENTS: ClassVar = ()
    incident_id: int | None
    evidence: tuple[Evidence, ...]

    def payloads(self, src: EventSource) -> list[dict]:
        """None."""
        return []


@dataclass(frozen=True, slots=True)
class MarkMaintenance:
    """Flag the open incident as in maintenance (BigPanda's incident object, its `maintenance` field); no event."""

    EVENTS: ClassVar = ()
    incident_id: int | None

    def payloads(self, src: EventSource) -> list[dict]:
        """None."""
        return []


@dataclass(frozen=True, slots=True)
class EndMaintenance:
    """Clear the maintenance flag once the window is over; no event."""

    EVENTS: ClassVar = ()
    incident_id: int | None

    def payloads(self, src: EventSource) -> list[dict]:
        """None."""
        return []


# --- monitor actions ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class MonitorDown:
    """The monitor is confirmed down (or back down during verification)."""

    EVENTS: ClassVar = ("monitor.down",)
    cause: str | None
    regions: tuple[str, ...]

    def payloads(self, src: EventSource) -> list[dict]:
        """monitor.down."""
        return [events.monitor_down(src.ctx, src.now, src.resource, cause=self.cause, regions=self.regions)]


@dataclass(frozen=True, slots=True)
class VerifyingRecovery:
    """The first success after down: recovery is being verified."""

    EVENTS: ClassVar = ("monitor.verifying_recovery",)

    def payloads(self, src: EventSource) -> list[dict]:
        """monitor.verifying_recovery."""
        return [events.monitor_verifying_recovery(src.ctx, src.now, src.resource)]


# --- heartbeat actions ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class HeartbeatChecked:
    """A success or failure ping arrived (a start ping is not a check-in)."""

    EVENTS: ClassVar = ("heartbeat.checked",)
    success: bool
    fail_code: str | None  # the exit status for /<status> pings, None for /fail

    def payloads(self, src: EventSource) -> list[dict]:
        """heartbeat.checked."""
        return [events.heartbeat_checked(src.ctx, src.now, src.resource, success=self.success,
                                         fail_code=self.fail_code)]


@dataclass(frozen=True, slots=True)
class HeartbeatDown:
    """The heartbeat is down: late, started without finishing, or reported a failure."""

    EVENTS: ClassVar = ("heartbeat.down",)
    cause: str

    def payloads(self, src: EventSource) -> list[dict]:
        """heartbeat.down."""
        return [events.heartbeat_down(src.ctx, src.now, src.resource)]


@dataclass(frozen=True, slots=True)
class HeartbeatUp:
    """A success ping arrived while down."""

    EVENTS: ClassVar = ("heartbeat.up",)

    def payloads(self, src: EventSource) -> list[dict]:
        """heartbeat.up."""
        return [events.heartbeat_up(src.ctx, src.now, src.resource)]


ACTIONS = (OpenIncident, ResolveIncident, ReopenIncident, EscalateSeverity, SetIncidentStatus,
           AddEvidence, MarkMaintenance, EndMaintenance, MonitorDown, VerifyingRecovery,
           HeartbeatChecked, HeartbeatDown, HeartbeatUp)


def start_incident(previous: IncidentView | None, kind: str, name: str, status: str, cause: str,
                   evidence: tuple[Evidence, ...], now: datetime, reopen_window: float,
                   flapping: bool = False) -> tuple[IncidentView, list]:
    """Reopen `previous` if it resolved automatically within the window, else open a new one."""
    if (previous and not previous.open and previous.kind in REOPENABLE and kind in REOPENABLE
            and now - previous.resolved_at <= timedelta(seconds=reopen_window)):
        view = replace(previous, resolved_at=None, status=status, in_maintenance=False)
        acts: list = [ReopenIncident(previous.id, previous.name, cause, status)]
        if rank(status) > rank(previous.severity):
            new_name = name if kind != previous.kind else previous.name
            acts.append(EscalateSeverity(previous.id, new_name, kind, status, cause))
            view = replace(view, kind=kind, name=new_name, severity=status)
        if evidence:
            acts.append(AddEvidence(previous.id, evidence))
        return view, acts
    view = IncidentView(None, kind, name, status, status, now, flapping=flapping)
    return view, [OpenIncident(kind, name, status, cause, evidence, flapping)]
