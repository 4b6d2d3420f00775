"""The monitor state machine: confirmation, verification, reopening, degraded, flapping, maintenance."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from uptime_tui.results import CheckResult
from uptime_tui.config import Monitor

from support.config import monitor as build_monitor
from uptime_tui.rules.actions import (
    ACTIONS, AddEvidence, EndMaintenance, EscalateSeverity, EventSource, IncidentView,
    MarkMaintenance, MonitorDown, OpenIncident, ReopenIncident, ResolveIncident, SetIncidentStatus,
    VerifyingRecovery, payloads,
)
from uptime_tui.rules.monitor_machine import MonitorState, Rules, observe
from uptime_tui.events import EVENT_NAMES, Context, MonitorRef

T0 = datetime(2026, 5, 7, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
INCIDENT_CHANGES = (OpenIncident, ResolveIncident, ReopenIncident)


def monitor(**kw) -> Monitor:
    return build_monitor("http", id="api", name="API", url="https://api.example.test/", **kw)


def fail(at: datetime, code: int | None = 503, region: str = "eu", ttfb: float | None = 2143.4,
         cause: str = "HTTP 503") -> CheckResult:
    return CheckResult("api", False, cause, 2.2, ttfb, code, region, at)


def ok(at: datetime, degraded: bool = False) -> CheckResult:
    cause = "response time 3.1s over 2s" if degraded else None
    return CheckResult("api", True, cause, 0.1, 80.0, 200, "eu", at, degraded)


class FakeEngine:
    """Applies steps as the engine does: stores the state, gives new incidents ids 1, 2, ..."""

    def __init__(self, mon: Monitor, state: MonitorState | None = None, rules: Rules = Rules()):
        self.monitor, self.rules = mon, rules
        self.state = state or MonitorState()
        self.next_id = 1

    def feed(self, result: CheckResult, maintenance: bool = False) -> tuple:
        step = observe(self.monitor, self.state, result, result.checked_at, rules=self.rules,
                       in_maintenance=maintenance)
        state = step.state
        if any(isinstance(a, OpenIncident) for a in step.actions):
            state = state.with_incident_id(self.next_id)
            self.next_id += 1
        self.state = state
        return step.actions


def kinds(actions) -> list[type]:
    return [type(a) for a in actions]


def events_of(actions) -> list[str]:
    return [name for a in actions for name in a.EVENTS]


def take_down(engine: FakeEngine, at: datetime) -> tuple:
    """Feed failures one minute apart until down; the actions of the last one."""
    for i in range(engine.monitor.confirmation):
        actions = engine.feed(fail(at + i * MIN))
    assert engine.state.status == "down"
    return actions


def bring_up(engine: FakeEngine, at: datetime) -> tuple:
    for i in range(engine.monitor.recovery):
        actions = engine.feed(ok(at + i * MIN))
    assert engine.state.status == "up"
    return actions


# --- confirmation, verification, auto-resolve ----------------------------------------------

def test_confirmation_failures_open_a_critical_down_incident_with_evidence():
    engine = FakeEngine(monitor(confirmation=3))
    assert engine.feed(fail(T0)) == ()
    assert engine.feed(fail(T0 + MIN, region="us", ttfb=2087)) == ()
    assert engine.state.status == "up" and engine.state.failures == 2
    actions = engine.feed(fail(T0 + 2 * MIN))
    assert kinds(actions) == [MonitorDown, OpenIncident]
    assert events_of(actions) == ["monitor.down", "incident.started"]
    down, opened = actions
    assert down.cause == "HTTP 503" and down.regions == ("eu", "us")
    assert (opened.kind, opened.severity, opened.cause) == ("down", "critical", "HTTP 503")
    assert [e.to_dict() for e in opened.evidence] == [
        {"region": "eu", "timestamp": "2026-05-07T09:00:00Z", "status_code": 503, "ttfb_ms": 2143, "cause": "HTTP 503"},
        {"region": "us", "timestamp": "2026-05-07T09:01:00Z", "status_code": 503, "ttfb_ms": 2087, "cause": "HTTP 503"},
        {"region": "eu", "timestamp": "2026-05-07T09:02:00Z", "status_code": 503, "ttfb_ms": 2143, "cause": "HTTP 503"},
    ]
    incident = engine.state.incident
    assert (incident.id, incident.status, incident.severity, incident.open) == (1, "critical", "critical", True)


def test_a_success_between_failures_restarts_the_count():
    engine = FakeEngine(monitor(confirmation=2))
    engine.feed(fail(T0))
    engine.feed(ok(T0 + MIN))
    assert engine.feed(fail(T0 + 2 * MIN)) == ()
    assert engine.state.status == "up" and len(engine.state.evidence) == 1


def test_evidence_is_bounded():
    engine = FakeEngine(monitor(confirmation=2))
    for i in range(25):
        engine.feed(fail(T0 + i * MIN))
    assert len(engine.state.evidence) == 10
    assert engine.state.evidence[-1].timestamp == T0 + 24 * MIN


def test_verification_then_automatic_resolution_keeps_severity():
    engine = FakeEngine(monitor(confirmation=2, recovery=3))
    take_down(engine, T0)
    actions = engine.feed(ok(T0 + 5 * MIN))
    assert kinds(actions) == [VerifyingRecovery, SetIncidentStatus]
    assert events_of(actions) == ["monitor.verifying_recovery"]
    assert engine.state.status == "verifying"
    assert (engine.state.incident.status, engine.state.incident.severity) == ("warning", "critical")
    assert engine.feed(ok(T0 + 6 * MIN)) == ()
    actions = engine.feed(ok(T0 + 7 * MIN))
    assert kinds(actions) == [ResolveIncident]
    assert actions[0].incident_id == 1 and "recovered" in actions[0].cause
    incident = engine.state.incident
    assert engine.state.status == "up"
    assert (incident.status, incident.severity, incident.resolved_at) == ("ok", "critical", T0 + 7 * MIN)


def test_recovery_of_one_verifies_and_resolves_in_one_step():
    engine = FakeEngine(monitor(confirmation=1, recovery=1))
    take_down(engine, T0)
    actions = engine.feed(ok(T0 + MIN))
    assert kinds(actions) == [VerifyingRecovery, ResolveIncident]


def test_a_failure_during_verification_is_down_again_without_a_new_incident():
    engine = FakeEngine(monitor(confirmation=3, recovery=2))
    take_down(engine, T0)
    engine.feed(ok(T0 + 5 * MIN))
    actions = engine.feed(fail(T0 + 6 * MIN))  # one failure is enough, no new confirmation
    assert kinds(actions) == [MonitorDown, SetIncidentStatus, AddEvidence]
    assert actions[1].status == "critical" and actions[2].incident_id == 1
    assert engine.state.status == "down" and engine.state.incident.id == 1
    assert engine.next_id == 2  # nothing else was opened


# --- reopening --------------------------------------------------------------------------------

def test_down_within_the_reopen_window_reopens_the_resolved_incident():
    engine = FakeEngine(monitor(confirmation=2, recovery=2))
    take_down(engine, T0)
    bring_up(engine, T0 + 10 * MIN)  # resolved at 09:11
    actions = take_down(engine, T0 + 14 * MIN)  # down at 09:15, 4 min later
    assert kinds(actions) == [MonitorDown, ReopenIncident, AddEvidence]
    assert events_of(actions) == ["monitor.down", "incident.reopened"]
    assert actions[1].incident_id == 1 and actions[1].status == "critical"
    incident = engine.state.incident
    assert (incident.id, incident.open, incident.status) == (1, True, "critical")


def test_down_after_the_reopen_window_opens_a_new_incident():
    engine = FakeEngine(monitor(confirmation=2, recovery=2))
    take_down(engine, T0)
    bring_up(engine, T0 + 10 * MIN)  # resolved at 09:11
    actions = take_down(engine, T0 + 16 * MIN)  # down at 09:17, 6 min later
    assert kinds(actions) == [MonitorDown, OpenIncident]
    assert engine.state.incident.id == 2


def test_reopen_window_is_a_rule():
    engine = FakeEngine(monitor(confirmation=1, recovery=1), rules=Rules(reopen_window=60))
    take_down(engine, T0)
    bring_up(engine, T0 + MIN)
    assert OpenIncident in kinds(take_down(engine, T0 + 3 * MIN))


def test_an_incident_resolved_by_a_person_is_not_reopened_nor_repeated_while_down():
    engine = FakeEngine(monitor(confirmation=1, recovery=1))
    take_down(engine, T0)
    engine.state = engine.state.resolved_by_person()
    assert engine.feed(fail(T0 + MIN)) == ()
    assert engine.state.incident is None
    bring_up(engine, T0 + 2 * MIN)
    actions = take_down(engine, T0 + 3 * MIN)  # within 5 min, but not an automatic resolution
    assert kinds(actions) == [MonitorDown, OpenIncident]


# --- degraded ---------------------------------------------------------------------------------

def test_a_degraded_result_opens_a_warning_incident_resolved_when_healthy():
    engine = FakeEngine(monitor(recovery=2))
    actions = engine.feed(ok(T0, degraded=True))
    assert kinds(actions) == [OpenIncident]
    opened = actions[0]
    assert (opened.kind, opened.severity, opened.cause) == ("degraded", "warning", "response time 3.1s over 2s")
    assert engine.state.status == "degraded"
    assert engine.feed(ok(T0 + MIN, degraded=True)) == ()
    assert engine.feed(ok(T0 + 2 * MIN)) == ()
    actions = engine.feed(ok(T0 + 3 * MIN))
    assert kinds(actions) == [ResolveIncident] and actions[0].incident_id == 1
    assert engine.state.status == "up"
    assert (engine.state.incident.status, engine.state.incident.severity) == ("ok", "warning")


def test_down_while_degraded_escalates_the_same_incident_and_keeps_severity():
    engine = FakeEngine(monitor(confirmation=2, recovery=2))
    engine.feed(ok(T0, degraded=True))
    engine.feed(fail(T0 + MIN))
    actions = engine.feed(fail(T0 + 2 * MIN))
    assert kinds(actions) == [MonitorDown, EscalateSeverity, AddEvidence]
    assert events_of(actions) == ["monitor.down", "incident.escalated"]
    escalated = actions[1]
    assert (escalated.incident_id, escalated.kind, escalated.severity) == (1, "down", "critical")
    incident = engine.state.incident
    assert (incident.id, incident.kind, incident.status, incident.severity) == (1, "down", "critical", "critical")
    assert engine.next_id == 2

    engine.feed(ok(T0 + 3 * MIN))
    assert (engine.state.incident.status, engine.state.incident.severity) == ("warning", "critical")
    actions = engine.feed(ok(T0 + 4 * MIN))
    assert kinds(actions) == [ResolveIncident]
    assert (engine.state.incident.status, engine.state.incident.severity) == ("ok", "critical")


def test_recovering_into_a_slow_state_keeps_the_down_incident_at_warning():
    engine = FakeEngine(monitor(confirmation=1, recovery=1))
    take_down(engine, T0)
    actions = engine.feed(ok(T0 + MIN, degraded=True))
    assert kinds(actions) == [VerifyingRecovery, SetIncidentStatus]
    assert engine.state.status == "degraded"
    assert (engine.state.incident.kind, engine.state.incident.status) == ("down", "warning")
    assert kinds(engine.feed(ok(T0 + 2 * MIN))) == [ResolveIncident]


# --- flapping ---------------------------------------------------------------------------------

def alternate(engine: FakeEngine, start: datetime, count: int, first_fails: bool = True) -> list:
    """Results one minute apart, alternating fail/ok (confirmation = recovery = 1)."""
    steps = []
    for i in range(count):
        failing = (i % 2 == 0) == first_fails
        at = start + i * MIN
        steps.append(engine.feed(fail(at) if failing else ok(at)))
    return steps


def test_the_eleventh_transition_within_an_hour_opens_one_flapping_incident():
    engine = FakeEngine(monitor(confirmation=1, recovery=1))
    steps = alternate(engine, T0, 10)
    assert not engine.state.flapping and len(engine.state.transitions) == 10
    assert kinds(steps[0]) == [MonitorDown, OpenIncident]
    assert kinds(steps[2]) == [MonitorDown, ReopenIncident, AddEvidence]  # within 5 min

    actions = engine.feed(fail(T0 + 10 * MIN))  # 11th transition
    assert kinds(actions) == [MonitorDown, OpenIncident]
    opened = actions[1]
    assert (opened.kind, opened.flapping, opened.severity) == ("flapping", True, "critical")
    assert "11" in opened.cause
    assert engine.state.flapping and engine.state.incident.id == 2 and engine.state.incident.flapping

    later = alternate(engine, T0 + 11 * MIN, 9, first_fails=False)  # ends up
    for actions in later:
        assert not set(kinds(actions)) & set(INCIDENT_CHANGES)
    assert MonitorDown in kinds(later[1]) and AddEvidence in kinds(later[1])
    assert engine.state.incident.status == "warning" and engine.state.incident.severity == "critical"
    last_change = T0 + 19 * MIN
    assert engine.state.stable_since == last_change

    for minute in range(1, 30):
        assert engine.feed(ok(last_change + minute * MIN)) == ()
    actions = engine.feed(ok(last_change + 30 * MIN))
    assert kinds(actions) == [ResolveIncident] and actions[0].incident_id == 2
    assert not engine.state.flapping and engine.state.transitions == ()
    # after flapping, ordinary rules again: a flapping incident is never reopened
    assert kinds(engine.feed(fail(last_change + 31 * MIN))) == [MonitorDown, OpenIncident]
    assert engine.state.incident.kind == "down"


def test_flapping_supersedes_an_open_down_incident():
    restored = MonitorState(status="down", failures=1, incident=IncidentView(
        7, "down", "API down", "critical", "critical", T0 - 5 * MIN))
    engine = FakeEngine(monitor(confirmation=1, recovery=1), state=restored)
    alternate(engine, T0, 10, first_fails=False)  # ends down, incident 7 reopened
    assert engine.state.incident.id == 7 and engine.state.incident.open
    actions = engine.feed(ok(T0 + 10 * MIN))  # 11th transition, an up one
    assert kinds(actions) == [VerifyingRecovery, ResolveIncident, OpenIncident]
    assert actions[1].incident_id == 7 and "flapping" in actions[1].cause
    assert (actions[2].kind, actions[2].severity) == ("flapping", "warning")


def test_transitions_older_than_an_hour_do_not_count():
    engine = FakeEngine(monitor(confirmation=1, recovery=1))
    for i in range(11):  # 11 changes 7 minutes apart span 70 minutes
        at = T0 + i * 7 * MIN
        engine.feed(fail(at) if i % 2 == 0 else ok(at))
    assert not engine.state.flapping and len(engine.state.transitions) == 9


# --- maintenance ------------------------------------------------------------------------------

def test_maintenance_opens_no_incident_but_tracks_the_status():
    engine = FakeEngine(monitor(confirmation=2))
    engine.feed(fail(T0), maintenance=True)
    actions = engine.feed(fail(T0 + MIN), maintenance=True)
    assert kinds(actions) == [MonitorDown]
    assert engine.state.status == "down" and engine.state.incident is None
    assert engine.feed(fail(T0 + 2 * MIN), maintenance=True) == ()
    # still down when the window ends: the incident opens then
    assert kinds(engine.feed(fail(T0 + 3 * MIN))) == [OpenIncident]


def test_an_open_incident_is_marked_in_maintenance_once():
    engine = FakeEngine(monitor(confirmation=1, recovery=1))
    take_down(engine, T0)
    assert kinds(engine.feed(fail(T0 + MIN), maintenance=True)) == [MarkMaintenance]
    assert engine.state.incident.in_maintenance
    assert engine.feed(fail(T0 + 2 * MIN), maintenance=True) == ()
    assert kinds(engine.feed(fail(T0 + 3 * MIN))) == [EndMaintenance]


def test_maintenance_does_not_escalate_but_resolves():
    engine = FakeEngine(monitor(confirmation=1, recovery=1))
    engine.feed(ok(T0, degraded=True))
    actions = engine.feed(fail(T0 + MIN), maintenance=True)
    assert kinds(actions) == [MonitorDown, MarkMaintenance]
    assert engine.state.incident.severity == "warning"
    actions = engine.feed(ok(T0 + 2 * MIN), maintenance=True)
    assert kinds(actions) == [VerifyingRecovery, ResolveIncident]


# --- persistence ------------------------------------------------------------------------------

def test_state_round_trips_through_json():
    engine = FakeEngine(monitor(confirmation=1, recovery=1))
    alternate(engine, T0 + timedelta(microseconds=250), 13)  # ends down, flapping
    state = engine.state
    assert state.flapping and state.incident and state.evidence and state.transitions
    restored = MonitorState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state
    assert MonitorState.from_dict(MonitorState().to_dict()) == MonitorState()


def test_a_restored_down_monitor_is_not_reported_down_again():
    engine = FakeEngine(monitor(confirmation=2))
    take_down(engine, T0)
    saved = json.dumps(engine.state.to_dict())
    after_restart = FakeEngine(monitor(confirmation=2), state=MonitorState.from_dict(json.loads(saved)))
    assert after_restart.feed(fail(T0 + 60 * MIN)) == ()
    assert after_restart.state.status == "down" and after_restart.state.incident.id == 1


# --- actions to events ------------------------------------------------------------------------

def test_actions_turn_into_reference_payloads():
    engine = FakeEngine(monitor(confirmation=1))
    actions = engine.feed(fail(T0))
    source = EventSource(Context("org1", "team1"), T0, MonitorRef(42, "API", "https://api.example.test/", "status"),
                         escalation_policy_id=3, opened_id=1)
    down, started = payloads(actions, source)
    assert down["event"] == "monitor.down" and down["monitor_id"] == 42 and down["regions"] == ["eu"]
    assert started["event"] == "incident.started"
    assert (started["incident_id"], started["resource_type"], started["resource_id"]) == (1, "monitor", 42)
    assert (started["incident_cause"], started["escalation_policy_id"]) == ("HTTP 503", 3)

    resolved = payloads(engine.feed(ok(T0 + MIN)), source)
    assert [p["event"] for p in resolved] == ["monitor.verifying_recovery"]
    (resolved,) = payloads(engine.feed(ok(T0 + 2 * MIN)), source)
    assert resolved["event"] == "incident.resolved" and resolved["user_email"] is None


@pytest.mark.parametrize("action", ACTIONS, ids=lambda c: c.__name__)
def test_every_action_names_events_from_the_catalogue(action):
    assert set(action.EVENTS) <= set(EVENT_NAMES)
