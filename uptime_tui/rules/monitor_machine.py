"""The monitor state machine: check results + the time -> a new state and actions. Pure.

`observe()` first moves the monitor's status (up, degraded, down, verifying) from the result, then
reconciles the incident the status calls for with the incident the state holds, and returns the
actions the engine applies in one transaction. Reconciling (rather than reacting to transitions
only) makes maintenance simple: whatever was held back during a window is caught up by the first
check after it, e.g. a monitor still down when maintenance ends gets its incident then.

Choices the issue left open, and why:
- Incident status follows the monitor: down -> critical; verifying, degraded, or up while
  flapping -> warning; resolved -> ok. Severity is the highest status reached (as in BigPanda's
  incident object), so a recovering down incident shows status warning and severity critical.
- A monitor that recovers into a slow (degraded) state keeps its down incident open at status
  warning until checks are healthy, instead of resolving it and opening a warning incident.
- Flapping: the transition that crosses the threshold resolves any open down/degraded incident
  ("superseded by a flapping incident") and opens ONE new `flapping` incident, so `incident.started`
  tells receivers about it (there is no flapping event to convert an incident with). While
  flapping, transitions only move its status and add evidence. Once nothing has changed for
  `flap_stable`, flapping ends: the incident resolves, the transition history is cleared (the old
  changes would re-enter flapping at the next one), and normal rules apply again, so a monitor
  that is steadily down at that point gets a fresh `down` incident.
- Reopening applies to automatically resolved `down`/`degraded` incidents only, never to flapping
  ones.
- Degraded escalating to down raises `incident.escalated` (no targets) so `incident.*` channels
  hear that a warning became an outage; escalation-policy steps use the same event with targets.
- A result counts as a transition for flapping when it crosses between the up side (up, degraded)
  and the down side (down, verifying).
- Maintenance holds back opening, reopening, escalating and status changes of incidents, not
  the monitor's own status or its monitor.* events (they are facts; channels filter them).
- When a person resolves an incident while the monitor is still down, the engine calls
  `state.resolved_by_person()`; no incident of that kind (or milder) opens again until the
  monitor has been up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from uptime_tui.rules.actions import (
    AddEvidence, EndMaintenance, EscalateSeverity, Evidence, IncidentView, MarkMaintenance,
    MonitorDown, ResolveIncident, SetIncidentStatus, Step, VerifyingRecovery,
    parse_time, rank, start_incident, time_str,
)

UP_SIDE = ("up", "degraded")
EVIDENCE_LIMIT = 10
HOUR = timedelta(hours=1)
KIND_RANK = {"degraded": 1, "down": 2, "flapping": 2}


@dataclass(frozen=True, slots=True)
class Rules:
    """Tunables of the incident rules, in seconds and transitions per hour."""

    reopen_window: float = 300.0
    flap_threshold: int = 10  # more than this many up<->down changes in an hour is flapping
    flap_stable: float = 1800.0


@dataclass(frozen=True, slots=True)
class MonitorState:
    """Everything the machine remembers about one monitor; stored as JSON between checks."""

    status: str = "up"  # up | degraded | down | verifying
    failures: int = 0  # consecutive failed checks
    successes: int = 0  # consecutive passed checks
    healthy: int = 0  # consecutive passed checks that were not degraded
    evidence: tuple[Evidence, ...] = ()  # the current failing streak, newest last
    transitions: tuple[datetime, ...] = ()  # up<->down changes within the last hour
    stable_since: datetime | None = None  # the last up<->down change
    flapping: bool = False
    incident: IncidentView | None = None  # open, or automatically resolved (kept for reopening)
    dismissed_kind: str | None = None  # a person resolved this kind; hold it back until up

    def with_incident_id(self, incident_id: int) -> MonitorState:
        """The state once the engine has stored the incident of an OpenIncident action."""
        assert self.incident is not None, "no incident to give an id to"
        return replace(self, incident=replace(self.incident, id=incident_id))

    def with_incident(self, incident: IncidentView | None) -> MonitorState:
        """The state with another current incident (e.g. one a person reopened): it supersedes
        what a person dismissed before."""
        return replace(self, incident=incident, dismissed_kind=None)

    def resolved_by_person(self) -> MonitorState:
        """After a person resolved `self.incident` (only that one): no reopening, no repeat."""
        still_bad = self.status != "up" or self.flapping
        kind = self.incident.kind if self.incident and still_bad else None
        return replace(self, incident=None, dismissed_kind=kind)

    def to_dict(self) -> dict:
        """A JSON-able dict for the database."""
        return {
            "version": 1, "status": self.status, "failures": self.failures,
            "successes": self.successes, "healthy": self.healthy,
            "evidence": [e.to_dict() for e in self.evidence],
            "transitions": [time_str(t) for t in self.transitions],
            "stable_since": time_str(self.stable_since), "flapping": self.flapping,
            "incident": self.incident.to_dict() if self.incident else None,
            "dismissed_kind": self.dismissed_kind,
        }

    @classmethod
    def from_dict(cls, data: dict) -> MonitorState:
        """Back from `to_dict()`; missing keys take their defaults."""
        incident = data.get("incident")
        return cls(
            status=data.get("status", "up"), failures=data.get("failures", 0),
            successes=data.get("successes", 0), healthy=data.get("healthy", 0),
            evidence=tuple(Evidence.from_dict(e) for e in data.get("evidence", ())),
            transitions=tuple(parse_time(t) for t in data.get("transitions", ())),
            stable_since=parse_time(data.get("stable_since")), flapping=data.get("flapping", False),
            incident=IncidentView.from_dict(incident) if incident else None,
            dismissed_kind=data.get("dismissed_kind"),
        )


def observe(monitor, state: MonitorState, result, now: datetime, *, rules: Rules = Rules(),
            in_maintenance: bool = False) -> Step:
    """Apply one check result of `monitor` at `now`: the new state and the actions to apply."""
    new = _track(monitor, state, result, now, rules)
    actions: list = []
    entered_down = new.status == "down" and state.status != "down"
    if entered_down:
        actions.append(MonitorDown(result.cause, _regions(new.evidence)))
    if state.status == "down" and new.status != "down":
        actions.append(VerifyingRecovery())
    new, more = _reconcile(monitor, new, result, now, rules, in_maintenance, entered_down)
    return Step(new, tuple(actions + more))


def _track(monitor, state: MonitorState, result, now: datetime, rules: Rules) -> MonitorState:
    """Counters, status, evidence and flapping after one result; incidents untouched."""
    status = state.status
    if not result.success:
        failures, successes, healthy = state.failures + 1, 0, 0
        evidence = (state.evidence + (Evidence.of(result),))[-EVIDENCE_LIMIT:]
        # verification is all-or-nothing: one failure and it is down again, no new confirmation
        if status == "verifying" or (status in UP_SIDE and failures >= max(1, monitor.confirmation)):
            status = "down"
    else:
        failures, successes, evidence = 0, state.successes + 1, ()
        healthy = 0 if result.degraded else state.healthy + 1
        recovery = max(1, monitor.recovery)
        if status == "down":
            status = "verifying"
        if status == "verifying":
            if successes >= recovery:
                status = "degraded" if result.degraded else "up"
        elif status == "up" and result.degraded:
            status = "degraded"
        elif status == "degraded" and healthy >= recovery:
            status = "up"

    transitions = tuple(t for t in state.transitions if now - t < HOUR)
    stable_since, flapping = state.stable_since, state.flapping
    if (status in UP_SIDE) != (state.status in UP_SIDE):
        transitions, stable_since = transitions + (now,), now
        if len(transitions) > rules.flap_threshold:
            flapping = True
    elif flapping and now - (stable_since or now) >= timedelta(seconds=rules.flap_stable):
        flapping, transitions = False, ()
    dismissed = None if status == "up" and not flapping else state.dismissed_kind
    return replace(state, status=status, failures=failures, successes=successes, healthy=healthy,
                   evidence=evidence, transitions=transitions, stable_since=stable_since,
                   flapping=flapping, dismissed_kind=dismissed)


def _desired(state: MonitorState) -> tuple[str | None, str]:
    """The incident kind the status calls for, and that incident's status."""
    if state.flapping:
        return "flapping", "critical" if state.status == "down" else "warning"
    return {"down": ("down", "critical"), "verifying": ("down", "warning"),
            "degraded": ("degraded", "warning"), "up": (None, "ok")}[state.status]


def _continues(current: str, wanted: str | None) -> bool:
    """Whether the open incident of kind `current` can carry on as the `wanted` one."""
    return wanted is not None and (current == wanted or {current, wanted} == {"down", "degraded"})


def _reconcile(monitor, s: MonitorState, result, now: datetime, rules: Rules,
               in_maintenance: bool, entered_down: bool) -> tuple[MonitorState, list]:
    """Bring the state's incident in line with what the status calls for."""
    kind, status = _desired(s)
    view, acts = s.incident, []
    current = view if view and view.open else None
    if current and current.in_maintenance != in_maintenance:
        acts.append(MarkMaintenance(current.id) if in_maintenance else EndMaintenance(current.id))
        current = view = replace(current, in_maintenance=in_maintenance)

    if current and not _continues(current.kind, kind):
        acts.append(ResolveIncident(current.id, current.name, _resolve_cause(current, kind, s, rules)))
        view, current = current.resolved(now), None

    if current and not in_maintenance:
        view, more = _update(monitor, current, status, s, result, entered_down)
        acts += more
    elif current is None and kind and not in_maintenance and _may_open(s, kind):
        cause = _open_cause(s, kind, result)
        name = f"{monitor.name} {kind}"
        view, more = start_incident(view, kind, name, status, cause, s.evidence, now,
                                    rules.reopen_window, flapping=kind == "flapping")
        acts += more
    return replace(s, incident=view), acts


def _update(monitor, current: IncidentView, status: str, s: MonitorState, result,
            entered_down: bool) -> tuple[IncidentView, list]:
    """Status, severity and evidence of an incident that carries on."""
    acts: list = []
    if rank(status) > rank(current.severity):
        new_kind = "down" if current.kind == "degraded" else current.kind
        name = f"{monitor.name} {new_kind}" if new_kind != current.kind else current.name
        acts.append(EscalateSeverity(current.id, name, new_kind, status, result.cause))
        current = replace(current, kind=new_kind, name=name, status=status, severity=status)
    elif status != current.status:
        acts.append(SetIncidentStatus(current.id, status))
        current = replace(current, status=status)
    if entered_down and s.evidence:
        acts.append(AddEvidence(current.id, s.evidence))
    return current, acts


def _may_open(s: MonitorState, kind: str) -> bool:
    """Open only on a confirmed problem, never while verifying, never what a person dismissed."""
    if kind != "flapping" and s.status not in ("down", "degraded"):
        return False
    return not (s.dismissed_kind and KIND_RANK[kind] <= KIND_RANK[s.dismissed_kind])


def _open_cause(s: MonitorState, kind: str, result) -> str:
    if kind == "flapping":
        return f"flapping: {len(s.transitions)} up/down changes within an hour"
    if kind == "degraded":
        return result.cause or "degraded"
    return result.cause or "down"  # down implies this very result failed


def _resolve_cause(current: IncidentView, wanted: str | None, s: MonitorState, rules: Rules) -> str:
    if wanted == "flapping":
        return "superseded by a flapping incident"
    if current.kind == "flapping":
        return f"stable for {int(rules.flap_stable // 60)} min, flapping stopped"
    if current.kind == "degraded":
        return f"healthy again: {s.healthy} good checks in a row"
    return f"recovered: {s.successes} successful checks in a row"


def _regions(evidence: Iterable[Evidence]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(e.region for e in evidence))


