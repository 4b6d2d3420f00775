"""The outbox in the database (SQLite, and PostgreSQL when UPTIME_TUI_TEST_PG is set): rows written
with their events, routing and noise rules at enqueue time, retry bookkeeping, the queries."""

from datetime import timedelta

import pytest

from support.notify import (
    CTX, NOW, incident_ref, make_config, monitor_config, monitor_ref, open_incident, start_incident, store,
    webhook_channel, add_monitors, apprise_channel,
)
from uptime_tui import config as cfg, events
from uptime_tui.notify import enqueue, enqueue_audit, outbox
from uptime_tui.notify.plan import RetryPolicy
from uptime_tui.queries import deliveries
from uptime_tui.store import open_database
from uptime_tui.store.models import AuditEntry, Incident, NotificationDelivery


def setup(database_url, **channel_options):
    database = open_database(database_url)
    channels = [
        webhook_channel("hook", "http://127.0.0.1:9/hook", min_interval=60, **channel_options),
        apprise_channel("chat", "json://127.0.0.1:9/apprise", events=("incident.*", "monitor.down")),
        apprise_channel("pager", "json://127.0.0.1:9/pager", events=("incident.resolved",)),
        webhook_channel("stream", "http://127.0.0.1:9/audit", None, events=("audit.monitor.*",)),
    ]
    config = make_config([monitor_config("a", ["hook", "chat"]), monitor_config("b", ["hook"], policy="p"),
                          monitor_config("quiet")], channels,
                         [cfg.Policy("p", (cfg.EscalationStep(0, ("pager",)),))])
    ids = add_monitors(config)
    return database, config, ids


def rows(**where):
    query = NotificationDelivery.select().order_by(NotificationDelivery.id)
    for name, value in where.items():
        query = query.where(getattr(NotificationDelivery, name) == value)
    return list(query)


def test_enqueue_writes_one_row_per_channel_in_the_events_transaction(database_url):
    database, config, ids = setup(database_url)
    with database.atomic():
        incident, count = start_incident(config, "a", ids["a"])
    assert count == 2
    hook, chat = rows()
    assert (hook.channel_id, chat.channel_id) == ("hook", "chat")
    assert hook.idempotency_key == f"evt_{hook.event_id}@hook" and outbox.header_key(hook.idempotency_key) == f"evt_{hook.event_id}"
    assert hook.state == "pending" and hook.attempts == 0 and hook.next_attempt_at == NOW
    assert hook.payload["event"] == "incident.started" and hook.payload["incident_id"] == incident.id

    # rolled back with its event: no notification without its cause
    Incident.update(active=False).where(Incident.id == incident.id).execute()  # one open at a time
    with pytest.raises(RuntimeError):
        with database.atomic():
            start_incident(config, "a", ids["a"])
            raise RuntimeError("the engine's transaction failed")
    assert len(rows()) == 2

    with database.atomic():
        assert start_incident(config, "quiet", ids["quiet"])[1] == 0  # lists no channel


def test_snoozed_incidents_stay_quiet_but_their_resolution_is_heard(database_url):
    database, config, ids = setup(database_url)
    with database.atomic():
        incident = open_incident("a", ids["a"], snoozed_until=NOW + timedelta(hours=1))
        ref = incident_ref(incident, "a", ids["a"])
        quiet = enqueue(config, store([events.incident_escalated(CTX, NOW, ref, reason="reminder"),
                                       events.monitor_down(CTX, NOW, monitor_ref("a", ids["a"]), cause="x", regions=[])]), NOW)
        heard = enqueue(config, store([events.incident_resolved(CTX, NOW, ref)]), NOW)
    assert (quiet, heard) == (0, 2)
    assert {r.payload["event"] for r in rows()} == {"incident.resolved"}


def test_a_flapping_monitor_notifies_once(database_url):
    database, config, ids = setup(database_url)
    with database.atomic():
        flapping = open_incident("a", ids["a"], flapping=True)
        ref = incident_ref(flapping, "a", ids["a"])
        once = enqueue(config, store([events.incident_started(CTX, NOW, ref, cause="flapping", regions=[])]), NOW)
        for _ in range(10):  # the ups and downs while it flaps
            assert enqueue(config, store([events.monitor_down(CTX, NOW, monitor_ref("a", ids["a"]), cause="x",
                                                              regions=[])]), NOW) == 0
    assert once == 2


def test_group_members_are_held_back_one_interval_to_be_folded(database_url):
    database, config, ids = setup(database_url)
    with database.atomic():
        leader, _ = start_incident(config, "a", ids["a"], leader=True)
        start_incident(config, "a", ids["a"], group_id=leader.id, flapping=True)  # one open per kind
    due = {(r.channel_id, r.payload["event"], r.payload["incident_id"] == leader.id): r.next_attempt_at for r in rows()}
    assert due[("hook", "incident.started", True)] == NOW
    assert due[("hook", "incident.started", False)] == NOW + timedelta(seconds=60)  # hook's min_interval
    assert due[("hook", "incident.grouped", False)] == NOW + timedelta(seconds=60)
    assert due[("chat", "incident.grouped", False)] == NOW + timedelta(seconds=60)


def test_policy_steps_page_through_targets_and_the_paged_hear_the_resolution(database_url):
    database, config, ids = setup(database_url)
    with database.atomic():
        incident = open_incident("b", ids["b"])
        ref = incident_ref(incident, "b", ids["b"])
        enqueue(config, store([events.incident_started(CTX, NOW, ref, cause="x", regions=[])]), NOW)
        enqueue(config, store([events.incident_escalated(CTX, NOW, ref, targets=[
            {"type": "channel", "id": "pager", "name": "pager"}])]), NOW)
        enqueue(config, store([events.incident_acknowledged(CTX, NOW, ref), events.incident_resolved(CTX, NOW, ref)]), NOW)
    heard = [(r.channel_id, r.payload["event"]) for r in rows()]
    assert heard == [
        ("hook", "incident.started"), ("hook", "incident.escalated"), ("pager", "incident.escalated"),
        ("hook", "incident.acknowledged"), ("hook", "incident.resolved"), ("pager", "incident.resolved"),
    ]


def test_audit_entries_stream_to_subscribed_channels(database_url):
    database, config, ids = setup(database_url)
    with database.atomic():
        entry = AuditEntry.create(version=1, created_at=NOW, actor_type="user", actor_id="ann", actor_name="Ann",
                                  actor_metadata={}, action="monitor.created", targets=[{"type": "monitor", "id": "1", "name": "a"}],
                                  context={"host": "jump"}, message="Monitor a was created", previous_hash="0" * 64,
                                  hash="f" * 64)
        assert enqueue_audit(config, entry, NOW) == 1
        other = AuditEntry.create(version=1, created_at=NOW, actor_type="user", actor_id="ann", actor_name="Ann",
                                  actor_metadata={}, action="incident.acknowledged", targets=[], context={},
                                  message="ack", previous_hash="f" * 64, hash="e" * 64)
        assert enqueue_audit(config, other, NOW) == 0  # stream asks for audit.monitor.* only
    (row,) = rows()
    assert row.channel_id == "stream" and row.event_id is None and outbox.header_key(row.idempotency_key) == f"aud_{entry.id}"
    payload = row.payload
    assert payload["event"] == "audit.monitor.created" and payload["organization_id"] == "org"
    assert payload["actor"] == {"type": "user", "id": "ann", "name": "Ann", "metadata": {}}
    assert payload["hash"] == "f" * 64 and payload["version"] == 1


def test_retry_bookkeeping_and_giving_up(database_url):
    database, config, ids = setup(database_url)
    with database.atomic():
        for _ in range(3):
            start_incident(config, "b", ids["b"])
    first, second, third = outbox.pending("hook", 100)
    policy = RetryPolicy(base=10, cap=60, retry_for=3600, permanent_attempts=2)
    later = NOW + timedelta(seconds=5)
    with database.atomic():
        assert outbox.mark_failed([first], later, "HTTP 503 Service Unavailable", False, policy) == []
        assert outbox.mark_failed([second], later, "HTTP 400 Bad Request", True, policy) == []
        outbox.mark_sent([third.id], later)
    first, second = outbox.pending("hook", 100)
    assert first.attempts == 1 and later + timedelta(seconds=5) <= first.next_attempt_at <= later + timedelta(seconds=10)
    with database.atomic():
        assert outbox.mark_failed([second], later, "HTTP 400 Bad Request", True, policy) == [second.id]  # refused twice
        assert outbox.mark_failed([first], NOW + timedelta(hours=2), "connection refused", False, policy) == [first.id]
        assert outbox.pending("hook", 100) == []
    failed = {r.id: r for r in deliveries.recent_deliveries(state="failed")}
    assert failed[second.id].last_error == "gave up (refused, 2 attempts): HTTP 400 Bad Request"
    assert failed[first.id].last_error.startswith("gave up (still failing after 1h, 2 attempts)")
    assert deliveries.channel_states()["hook"] == {"failed": 2, "sent": 1}
    assert outbox.recent_sends("hook", NOW) == [later]


def test_pull_forward_and_postpone(database_url):
    database, config, ids = setup(database_url)
    with database.atomic():
        start_incident(config, "b", ids["b"])
        start_incident(config, "b", ids["b"])
    a, b = outbox.pending("hook", 10)
    with database.atomic():
        outbox.mark_failed([a], NOW, "connection refused", False, RetryPolicy(base=600))
        outbox.postpone([b.id], NOW + timedelta(hours=1))
        assert outbox.pull_forward("hook", NOW + timedelta(seconds=1)) == 1  # only the one that failed
    a, b = outbox.pending("hook", 10)
    assert a.next_attempt_at == NOW + timedelta(seconds=1) and b.attempts == 0
    assert outbox.due_channels(["hook", "chat", "pager"], NOW) == {"hook": NOW + timedelta(seconds=1)}
