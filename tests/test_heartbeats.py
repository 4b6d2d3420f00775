"""The heartbeat state machine: period + grace, start without finish, fail and exit pings, cron."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from uptime_tui.config import Heartbeat
from uptime_tui.rules.actions import (
    EventSource, HeartbeatChecked, HeartbeatDown, HeartbeatUp, OpenIncident, ReopenIncident,
    ResolveIncident, payloads,
)
from uptime_tui.rules.heartbeat_machine import (
    HeartbeatState, next_deadline, next_expected, ping, scheduled_after, tick,
)
from uptime_tui.events import Context, HeartbeatRef

T0 = datetime(2026, 5, 7, 9, 0, tzinfo=UTC)
S = timedelta(seconds=1)
HOURLY = Heartbeat(id="backup", name="Backup", period=3600, grace=300)
BERLIN_9AM = Heartbeat(id="report", name="Report", schedule="0 9 * * *", timezone="Europe/Berlin", grace=600)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def kinds(step) -> list[type]:
    return [type(a) for a in step.actions]


def down_at(hb: Heartbeat, state: HeartbeatState, when: datetime) -> HeartbeatState:
    """Assert the heartbeat is still fine just before `when` and down at `when`."""
    assert tick(hb, state, when - S).actions == ()
    step = tick(hb, state, when)
    assert kinds(step) == [HeartbeatDown, OpenIncident]
    return step.state.with_incident_id(1)


# --- period + grace ---------------------------------------------------------------------------

def test_a_new_heartbeat_starts_its_clock_when_created():
    state = HeartbeatState.new(T0)
    assert state.status == "new"
    assert next_expected(HOURLY, state, T0) == T0 + timedelta(hours=1)
    assert next_deadline(HOURLY, state, T0) == T0 + timedelta(seconds=3900)
    down = down_at(HOURLY, state, T0 + timedelta(seconds=3900))
    assert down.status == "down" and down.incident.kind == "down" and down.incident.severity == "critical"


def test_a_state_without_a_start_time_starts_the_clock_at_the_first_tick():
    state = HeartbeatState()
    assert next_deadline(HOURLY, state, T0) == T0
    step = tick(HOURLY, state, T0)
    assert step.actions == () and step.state.watching_since == T0


def test_late_after_period_plus_grace_since_the_last_success():
    step = ping(HOURLY, HeartbeatState.new(T0), "success", T0 + timedelta(minutes=30))
    assert kinds(step) == [HeartbeatChecked] and step.actions[0] == HeartbeatChecked(True, None)
    assert step.state.status == "up"
    last = T0 + timedelta(minutes=30)
    assert next_deadline(HOURLY, step.state, last) == last + timedelta(seconds=3900)
    down = tick(HOURLY, step.state, last + timedelta(seconds=3900))
    assert "no ping by 2026-05-07T10:30:00Z" in down.actions[0].cause
    assert next_deadline(HOURLY, down.state, last + timedelta(hours=2)) is None
    assert tick(HOURLY, down.state, last + timedelta(hours=5)).actions == ()  # down once only


def test_a_success_while_down_is_up_and_resolves_the_incident():
    down = down_at(HOURLY, HeartbeatState.new(T0), T0 + timedelta(seconds=3900))
    step = ping(HOURLY, down, "success", T0 + timedelta(hours=2))
    assert kinds(step) == [HeartbeatChecked, HeartbeatUp, ResolveIncident]
    assert step.actions[2].incident_id == 1
    assert step.state.status == "up"
    assert (step.state.incident.status, step.state.incident.severity) == ("ok", "critical")


def test_down_again_within_the_reopen_window_reopens():
    down = down_at(HOURLY, HeartbeatState.new(T0), T0 + timedelta(seconds=3900))
    up = ping(HOURLY, down, "success", T0 + timedelta(hours=2)).state
    step = ping(HOURLY, up, "fail", T0 + timedelta(hours=2, minutes=4))
    assert kinds(step) == [HeartbeatChecked, HeartbeatDown, ReopenIncident]
    assert step.actions[2].incident_id == 1
    up = ping(HOURLY, step.state, "success", T0 + timedelta(hours=3)).state
    later = ping(HOURLY, up, "fail", T0 + timedelta(hours=3, minutes=6))
    assert kinds(later) == [HeartbeatChecked, HeartbeatDown, OpenIncident]


# --- start, fail, exit ------------------------------------------------------------------------

def test_a_start_without_a_finish_within_grace_is_down():
    up = ping(HOURLY, HeartbeatState.new(T0), "success", T0).state
    start = T0 + timedelta(minutes=10)
    started = ping(HOURLY, up, "start", start)
    assert started.actions == () and started.state.status == "started"
    assert next_deadline(HOURLY, started.state, start) == start + timedelta(seconds=300)
    down = down_at(HOURLY, started.state, start + timedelta(seconds=300))
    assert down.status == "down"
    assert "started at 2026-05-07T09:10:00Z and did not finish within 300s" in (
        tick(HOURLY, started.state, start + timedelta(seconds=300)).actions[0].cause)


def test_the_time_from_start_to_success_is_recorded():
    up = ping(HOURLY, HeartbeatState.new(T0), "success", T0).state
    started = ping(HOURLY, up, "start", T0 + timedelta(minutes=10)).state
    done = ping(HOURLY, started, "success", T0 + timedelta(minutes=10, seconds=42.5))
    assert done.state.last_duration == 42.5
    assert done.state.last_start_at is None and done.state.status == "up"
    assert next_deadline(HOURLY, done.state, T0) == T0 + timedelta(minutes=10, seconds=42.5 + 3900)


def test_a_start_does_not_bring_a_down_heartbeat_up():
    down = down_at(HOURLY, HeartbeatState.new(T0), T0 + timedelta(seconds=3900))
    step = ping(HOURLY, down, "start", T0 + timedelta(hours=2))
    assert step.actions == () and step.state.status == "down"


def test_a_fail_ping_is_down_at_once():
    up = ping(HOURLY, HeartbeatState.new(T0), "success", T0).state
    step = ping(HOURLY, up, "fail", T0 + timedelta(minutes=1))
    assert kinds(step) == [HeartbeatChecked, HeartbeatDown, OpenIncident]
    assert step.actions[0] == HeartbeatChecked(False, None)
    assert step.state.status == "down"
    again = ping(HOURLY, step.state.with_incident_id(1), "fail", T0 + timedelta(minutes=2))
    assert kinds(again) == [HeartbeatChecked]  # already down: no second incident


@pytest.mark.parametrize("code, success", [(0, True), (1, False), (3, False), (255, False)])
def test_exit_status_pings(code, success):
    step = ping(HOURLY, HeartbeatState.new(T0), "exit", T0, exit_status=code)
    assert step.actions[0] == HeartbeatChecked(success, None if success else str(code))
    assert step.state.status == ("up" if success else "down")
    if not success:
        assert step.actions[1] == HeartbeatDown(f"exit status {code}")


@pytest.mark.parametrize("kind, code", [("exit", None), ("exit", 256), ("exit", -1), ("finish", None)])
def test_bad_pings_are_refused(kind, code):
    with pytest.raises(ValueError):
        ping(HOURLY, HeartbeatState.new(T0), kind, T0, exit_status=code)


def test_a_log_ping_changes_nothing():
    # Healthchecks' /log: the engine keeps the ping and its body; the machine takes no step.
    new = HeartbeatState.new(T0)
    up = ping(HOURLY, new, "success", T0).state
    started = ping(HOURLY, up, "start", T0 + S).state
    down = down_at(HOURLY, up, T0 + timedelta(seconds=3900))
    for state in (new, up, started, down):
        step = ping(HOURLY, state, "log", T0 + timedelta(hours=2))
        assert (step.state, step.actions) == (state, ())


# --- cron schedules ---------------------------------------------------------------------------

def test_cron_schedule_late_after_the_scheduled_time_plus_grace():
    last = utc(2026, 5, 6, 7, 0, 30)  # 09:00:30 in Berlin (CEST, UTC+2)
    state = ping(BERLIN_9AM, HeartbeatState.new(last), "success", last).state
    assert next_expected(BERLIN_9AM, state, last) == utc(2026, 5, 7, 7, 0)
    down_at(BERLIN_9AM, state, utc(2026, 5, 7, 7, 10))


def test_cron_across_spring_forward_in_berlin():
    last = utc(2026, 3, 28, 8, 0, 10)  # 09:00:10 CET
    state = ping(BERLIN_9AM, HeartbeatState.new(last), "success", last).state
    # 29 March has 23 hours: 09:00 CEST is 07:00 UTC, not 08:00 as 24 hours later would be
    assert next_expected(BERLIN_9AM, state, last) == utc(2026, 3, 29, 7, 0)
    down_at(BERLIN_9AM, state, utc(2026, 3, 29, 7, 10))
    # a time inside the skipped hour runs at the first minute after it
    assert scheduled_after("30 2 * * *", "Europe/Berlin", utc(2026, 3, 28, 1, 31)) == utc(2026, 3, 29, 1, 0)


def test_cron_across_fall_back_in_berlin():
    last = utc(2026, 10, 24, 7, 0, 10)  # 09:00:10 CEST
    state = ping(BERLIN_9AM, HeartbeatState.new(last), "success", last).state
    # 25 October has 25 hours: 09:00 CET is 08:00 UTC
    assert next_expected(BERLIN_9AM, state, last) == utc(2026, 10, 25, 8, 0)
    assert tick(BERLIN_9AM, state, utc(2026, 10, 25, 7, 10)).actions == ()  # 24 h + grace: not late
    down_at(BERLIN_9AM, state, utc(2026, 10, 25, 8, 10))
    # a time in the repeated hour runs once, at its first occurrence (CEST)
    nightly = Heartbeat(id="n", name="Nightly", schedule="30 2 * * *", timezone="Europe/Berlin", grace=600)
    first = utc(2026, 10, 25, 0, 30, 5)  # 02:30:05 CEST
    state = ping(nightly, HeartbeatState.new(first), "success", first).state
    assert next_expected(nightly, state, first) == utc(2026, 10, 26, 1, 30)  # 02:30 CET next day
    assert tick(nightly, state, utc(2026, 10, 25, 1, 45)).actions == ()  # second 02:30 is no run


# --- persistence and events -------------------------------------------------------------------

def test_state_round_trips_through_json():
    up = ping(HOURLY, HeartbeatState.new(T0), "success", T0 + timedelta(microseconds=5)).state
    started = ping(HOURLY, up, "start", T0 + timedelta(minutes=1)).state
    down = tick(HOURLY, started, T0 + timedelta(minutes=6)).state.with_incident_id(4)
    for state in (HeartbeatState(), up, started, down):
        assert HeartbeatState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


def test_a_restored_down_heartbeat_is_not_reported_down_again():
    down = down_at(HOURLY, HeartbeatState.new(T0), T0 + timedelta(seconds=3900))
    restored = HeartbeatState.from_dict(json.loads(json.dumps(down.to_dict())))
    assert tick(HOURLY, restored, T0 + timedelta(days=1)).actions == ()
    assert kinds(ping(HOURLY, restored, "fail", T0 + timedelta(days=1))) == [HeartbeatChecked]


def test_heartbeat_actions_turn_into_reference_payloads():
    step = ping(HOURLY, HeartbeatState.new(T0), "exit", T0, exit_status=2)
    source = EventSource(Context("org", "team"), T0, HeartbeatRef(9, "Backup"), opened_id=5)
    checked, down, started = payloads(step.actions, source)
    assert (checked["event"], checked["success"], checked["fail_code"]) == ("heartbeat.checked", False, "2")
    assert (down["event"], down["heartbeat_id"]) == ("heartbeat.down", 9)
    assert started["event"] == "incident.started"
    assert (started["incident_id"], started["resource_type"], started["resource_name"]) == (5, "heartbeat", "Backup")
    assert started["regions"] == [] and started["incident_cause"] == "exit status 2"
