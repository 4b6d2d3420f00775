"""The engine's payloads become the console's typed messages once, at the boundary."""

from datetime import UTC, datetime, timedelta

from uptime_tui import events
from uptime_tui.tui.messages import (EngineMessage, HeartbeatStatusChanged, IncidentChanged, IncidentResolved,
                                     IncidentSnoozed, MonitorChecked, MonitorStatusChanged, ResourceCreated,
                                     ResourcePaused, engine_message)

NOW = datetime(2026, 5, 7, 9, 14, 2, tzinfo=UTC)
CTX = events.Context()
WEB = events.MonitorRef(3, "Web", "https://user:secret@example.com/", "http")
JOB = events.HeartbeatRef(4, "Nightly job")
INCIDENT = events.IncidentRef.of(7, "Web is down", WEB)
ALICE = events.Actor(user_name="alice")


def test_a_check_carries_its_monitor_time_and_outcome():
    message = engine_message(events.monitor_checked(CTX, NOW, WEB, region="eu", response_time=0.25,
                                                    response_code=200, success=True, cause=None))
    assert isinstance(message, MonitorChecked)
    assert (message.monitor_id, message.response_time, message.success, message.at) == (3, 0.25, True, NOW)
    assert message.resource == ("monitor", 3) and not message.alerting


def test_a_newer_check_of_a_monitor_replaces_one_still_queued_and_only_of_that_monitor():
    def checked(monitor):
        return engine_message(events.monitor_checked(CTX, NOW, monitor, region="eu", response_time=0.1,
                                                     response_code=200, success=True, cause=None))
    first, second = checked(WEB), checked(WEB)
    other = checked(events.MonitorRef(5, "API", "https://example.com/api", "http"))
    assert second.can_replace(first) and not other.can_replace(first)
    assert not second.can_replace(engine_message(events.monitor_down(CTX, NOW, WEB, cause="HTTP 503", regions=["eu"])))


def test_going_down_alerts_and_a_pause_names_its_resource():
    down = engine_message(events.monitor_down(CTX, NOW, WEB, cause="HTTP 503", regions=["eu"]))
    assert isinstance(down, MonitorStatusChanged) and down.status == "down" and down.alerting
    beat = engine_message(events.heartbeat_up(CTX, NOW, JOB))
    assert isinstance(beat, HeartbeatStatusChanged) and beat.status == "up" and not beat.alerting
    paused = engine_message(events.monitor_paused(CTX, NOW, WEB))
    assert isinstance(paused, ResourcePaused) and paused.resource == ("monitor", 3)
    created = engine_message(events.heartbeat_created(CTX, NOW, JOB))
    assert isinstance(created, ResourceCreated) and (created.kind, created.resource_id) == ("heartbeat", 4)


def test_incident_messages_carry_the_actor_and_what_changed():
    until = NOW + timedelta(hours=1)
    snoozed = engine_message(events.incident_snoozed(CTX, NOW, INCIDENT, ALICE, until=until, cancel_on_updates=False))
    assert isinstance(snoozed, IncidentSnoozed) and snoozed.until == until and snoozed.actor == "alice"
    assert snoozed.incident_id == 7 and snoozed.resource == ("monitor", 3)
    resolved = engine_message(events.incident_resolved(CTX, NOW, INCIDENT))
    assert isinstance(resolved, IncidentResolved) and resolved.actor is None
    started = engine_message(events.incident_started(CTX, NOW, INCIDENT, cause="HTTP 503", regions=["eu"]))
    assert started.alerting and started.text.startswith("Incident #7 started")
    grouped = engine_message(events.incident_grouped(CTX, NOW, INCIDENT, group_id=2))
    assert type(grouped) is IncidentChanged and grouped.name == "incident.grouped"


def test_an_event_the_console_does_not_know_is_still_listed():
    message = engine_message({"event": "region.joined", "dt": "2026-05-07T09:14:02.000Z", "message": "eu joined"})
    assert type(message) is EngineMessage and (message.name, message.at, message.text) == ("region.joined", NOW, "eu joined")
