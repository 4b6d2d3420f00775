"""Notifications end to end with real receivers on 127.0.0.1: an HTTP server that records what it
gets, Apprise to a json:// URL on it, Apprise mailto:// to a real SMTP server (aiosmtpd), a real
SQLite file and the engine's writer thread. Loops are bounded in count and time; nothing asserts
on wall-clock durations."""

import asyncio
import email
import logging
import re
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest

from uptime_tui.notify.channels.webhook import DIGEST_PART

from support.notify import (
    CTX, Receiver, add_monitors, eventually, incident_ref, make_config, monitor_config, open_incident,
    start_group, start_incident, states, store, webhook_channel, apprise_channel,
)
from uptime_tui import events
from uptime_tui.notify import Notifier, NotifierOptions, RetryPolicy, enqueue
from uptime_tui.notify.channels import webhook
from uptime_tui.notify.delivery import utcnow
from uptime_tui.store.models import NotificationDelivery as ND
from uptime_tui.store.writer import Writer

SECRET = "s3cret-signing-key"


@pytest.fixture
def database_url(tmp_path):
    """SQLite only: delivery does not depend on the database, and this module stays quick."""
    return str(tmp_path / "uptime.db")


FAST = NotifierOptions(poll_interval=0.05, retry=RetryPolicy(base=0.05, cap=0.4))


@asynccontextmanager
async def running(config, database, options=FAST):
    """A writer thread and a started Notifier; both stopped on the way out."""
    writer = Writer(database, lambda: {}).start()
    notifier = Notifier(config, database, writer, options=options)
    await notifier.start()
    try:
        yield notifier, writer
    finally:
        await notifier.stop()
        await asyncio.to_thread(writer.stop)


def keys_of(requests) -> list[str]:
    return [r.headers.get("Idempotency-Key") for r in requests]


@pytest.mark.anyio
async def test_webhook_gets_the_exact_signed_payload_and_apprise_a_readable_message(database):
    receiver = Receiver().start()
    config = make_config([monitor_config("a", ["hook", "chat"])], [
        webhook_channel("hook", receiver.url("/hook"), SECRET, min_interval=0),
        apprise_channel("chat", receiver.url("/chat", "json")),
    ])
    ids = add_monitors(config)
    try:
        async with running(config, database) as (notifier, writer):
            now = utcnow()
            incident, count = await writer.run_async(lambda: start_incident(config, "a", ids["a"], now, evidence=2))
            notifier.wake()
            assert count == 2
            assert await eventually(lambda: states() == {"sent": 2})
    finally:
        receiver.stop()
    (hook,) = receiver.on("/hook")
    stored = ND.get(ND.channel_id == "hook")
    assert hook.headers.get("Idempotency-Key") == f"evt_{stored.event_id}"
    assert hook.headers.get("X-Uptime-Event") == "incident.started" and hook.headers.get("X-Team") == "ops"
    assert webhook.verify(SECRET, hook.headers.get("X-Uptime-Signature"), hook.body)
    body = hook.json
    assert list(body)[:5] == ["dt", "event", "message", "organization_id", "team_id"]
    assert body == events.incident_started(CTX, now, incident_ref(incident, "a", ids["a"]), cause="HTTP 503",
                                           regions=["local"])
    (chat,) = receiver.on("/chat")
    message = chat.json
    assert message["title"] == "Down: Web a" and message["type"] == "failure"
    for part in ("Cause: HTTP 503", "Since:", "Evidence:", "HTTP 503 120 ms", "press a to acknowledge"):
        assert part in message["message"]


@pytest.mark.anyio
async def test_a_receiver_down_during_50_incidents_gets_every_one_when_it_comes_back(database, caplog):
    receiver = Receiver()  # not listening yet: connection refused
    config = make_config([monitor_config(f"m{i:02}", ["hook", "chat"]) for i in range(50)], [
        webhook_channel("hook", receiver.url("/hook"), SECRET, min_interval=0),
        apprise_channel("chat", receiver.url("/chat", "json"), min_interval=0),
    ])
    ids = add_monitors(config)
    async with running(config, database) as (notifier, writer):
        for i in range(50):
            key = f"m{i:02}"
            await writer.run_async(lambda: start_incident(config, key, ids[key], utcnow()))
            notifier.wake()
        retried = lambda: ND.select().where(ND.attempts >= 2).count() >= 2  # noqa: E731
        assert await eventually(retried), "the notifier kept retrying while the receiver was down"
        assert states() == {"pending": 100}
        receiver.flaky = 10  # the first answers after it is back are lost: those are sent again
        receiver.start()
        try:
            assert await eventually(lambda: states() == {"sent": 100}, timeout=30)
        finally:
            receiver.stop()
    expected = {f"evt_{e}" for (e,) in ND.select(ND.event).where(ND.channel_id == "hook").tuples()}
    hooks = receiver.on("/hook")
    assert set(keys_of(hooks)) == expected  # none lost
    by_key: dict[str, set] = {}
    for request in hooks:
        assert webhook.verify(SECRET, request.headers.get("X-Uptime-Signature"), request.body)
        by_key.setdefault(request.headers.get("Idempotency-Key"), set()).add(request.body)
    assert all(len(bodies) == 1 for bodies in by_key.values())  # a duplicate is the same event, same key
    chats = receiver.on("/chat")
    assert {r.json["title"] for r in chats} == {f"Down: Web m{i:02}" for i in range(50)}
    assert len(hooks) + len(chats) >= 100 + 10  # the lost answers were retried
    assert "attempt" in caplog.text  # failures are logged ...


@pytest.mark.anyio
async def test_2800_monitors_of_one_group_down_at_once_reach_each_channel_in_a_handful_of_messages(database):
    receiver = Receiver().start()
    keys = [f"edge-{i:04}" for i in range(2800)]
    config = make_config([monitor_config(k, ["hook", "chat"], group="edge") for k in keys], [
        webhook_channel("hook", receiver.url("/hook"), SECRET, min_interval=2, burst=3),
        apprise_channel("chat", receiver.url("/chat", "json"), min_interval=2, burst=3),
    ])
    ids = add_monitors(config)
    try:
        async with running(config, database) as (notifier, writer):
            leader, _ = await writer.run_async(lambda: start_incident(config, keys[0], ids[keys[0]], utcnow(), leader=True))
            notifier.wake()
            for start in range(1, 2800, 200):  # the rest arrive over the next checks, as the engine stores them
                batch = [(k, ids[k]) for k in keys[start:start + 200]]
                await writer.run_async(lambda: start_group(config, batch, leader.id, utcnow()))
                notifier.wake()
            total = ND.select().count()
            assert total == 2 * (1 + 2 * 2799)
            assert await eventually(lambda: states() == {"sent": total}, timeout=40)
    finally:
        receiver.stop()
    hooks, chats = receiver.on("/hook"), receiver.on("/chat")
    print(f"\n2,800 incidents of one group ({total} notifications): hook got {len(hooks)} messages, "
          f"chat got {len(chats)}")
    # a webhook digest is sent in parts of DIGEST_PART payloads that stay under 1 MB (one message
    # to the storm limit); each storm message may be one such digest
    parts = -(-total // 2 // DIGEST_PART)
    assert len(hooks) <= 6 + parts and len(chats) <= 6
    assert max(len(r.body) for r in hooks) < 1_000_000
    # nothing lost: the digests carry every notification, each with its own key
    carried = []
    for request in hooks:
        body = request.json
        carried += ([e["idempotency_key"] for e in body["events"]] if body["event"] == "notification.digest"
                    else [request.headers.get("Idempotency-Key")])
    assert sorted(carried) == sorted(f"evt_{e}" for (e,) in ND.select(ND.event).where(ND.channel_id == "hook").tuples())
    counted = sum(int(re.match(r"(\d+) notifications", r.json["title"]).group(1)) if "notifications:" in r.json["title"]
                  else 1 for r in chats)
    assert counted == total // 2
    digest = max(chats, key=lambda r: len(r.json["message"])).json
    assert re.search(r"Group edge \(incident #\d+\): \d+ incidents", digest["message"])
    assert len(digest["message"].splitlines()) < 30


@pytest.mark.anyio
async def test_apprise_mailto_through_a_real_smtp_server(database):
    from aiosmtpd.smtp import SMTP

    received = []

    class Mailbox:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    server = await asyncio.get_running_loop().create_server(lambda: SMTP(Mailbox(), hostname="localhost"),
                                                            "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"mailto://127.0.0.1:{port}?from=uptime@example.com&to=oncall@example.com&mode=insecure"
    config = make_config([monitor_config("a", ["mail"])], [apprise_channel("mail", url, events=("incident.*",))])
    ids = add_monitors(config)
    try:
        async with running(config, database) as (notifier, writer):
            await writer.run_async(lambda: start_incident(config, "a", ids["a"], utcnow(), evidence=1))
            notifier.wake()
            assert await eventually(lambda: states() == {"sent": 1})
    finally:
        server.close()
        await server.wait_closed()
    (envelope,) = received
    assert envelope.rcpt_tos == ["oncall@example.com"]
    message = email.message_from_bytes(envelope.content)
    assert message["Subject"] == "Down: Web a"
    text = next(p.get_payload(decode=True).decode() for p in message.walk() if p.get_content_type() == "text/plain")
    assert "Cause: HTTP 503" in text and "Evidence:" in text and "press a to acknowledge" in text
    assert "Target: http://127.0.0.1:9/\r\n" in text


@pytest.mark.anyio
async def test_an_email_still_being_sent_at_stop_is_logged_masked(database, caplog):
    from aiosmtpd.smtp import SMTP

    receiving = asyncio.Event()

    class SlowMailbox:
        async def handle_DATA(self, server, session, envelope):
            receiving.set()
            await asyncio.sleep(1.0)  # the notifier stops meanwhile
            return "250 OK"

    server = await asyncio.get_running_loop().create_server(lambda: SMTP(SlowMailbox(), hostname="localhost"),
                                                            "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"mailto://127.0.0.1:{port}?from=uptime@example.com&to=oncall-secret@example.com&mode=insecure"
    config = make_config([monitor_config("a", ["mail"])], [apprise_channel("mail", url, events=("incident.*",))])
    ids = add_monitors(config)
    try:
        with caplog.at_level(logging.INFO):
            async with running(config, database) as (notifier, writer):
                await writer.run_async(lambda: start_incident(config, "a", ids["a"], utcnow()))
                notifier.wake()
                async with asyncio.timeout(15):
                    await receiving.wait()
    finally:
        server.close()
        await server.wait_closed()
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.")]  # not the test server's
    assert any("Sent Email" in line for line in ours)
    assert not any("oncall-secret@example.com" in line for line in ours)


@pytest.mark.anyio
async def test_a_refusing_receiver_is_shown_failing_and_not_retried_forever(database):
    receiver = Receiver(status_for={"/hook": 400}).start()
    config = make_config([monitor_config("a", ["hook"])], [webhook_channel("hook", receiver.url("/hook"), min_interval=0)])
    ids = add_monitors(config)
    try:
        async with running(config, database) as (notifier, writer):
            await writer.run_async(lambda: start_incident(config, "a", ids["a"], utcnow()))
            notifier.wake()
            assert await eventually(lambda: states() == {"failed": 1})
            await asyncio.sleep(0.5)  # a few more polls: nothing more is sent
            assert notifier.channel_health()["hook"].last_error == "HTTP 400 Bad Request"
    finally:
        receiver.stop()
    row = ND.get()
    assert (row.attempts, row.last_error) == (3, "gave up (refused, 3 attempts): HTTP 400 Bad Request")
    assert len(receiver.on("/hook")) == 3


@pytest.mark.anyio
async def test_audit_entries_stream_through_the_outbox(database):
    from uptime_tui import audit
    from uptime_tui.store import auditlog

    if not hasattr(auditlog, "AFTER_APPEND"):
        pytest.skip("store.auditlog has no AFTER_APPEND hook in this version")
    receiver = Receiver().start()
    config = make_config([], [webhook_channel("stream", receiver.url("/audit"), SECRET,
                                          events=("audit.*",), min_interval=0)])
    try:
        async with running(config, database) as (notifier, writer):
            entry = await writer.run_async(lambda: auditlog.append(
                audit.SYSTEM, "monitor.created", [audit.Target("monitor", "1", "Web")], "Monitor Web was created",
                {"host": "jump"}, utcnow()))
            assert await eventually(lambda: len(receiver.on("/audit")) == 1)
        assert notifier._on_audit_entry not in auditlog.AFTER_APPEND  # unsubscribed on stop
    finally:
        receiver.stop()
    (request,) = receiver.on("/audit")
    assert request.headers.get("Idempotency-Key") == f"aud_{entry.id}"
    body = request.json
    assert body["event"] == "audit.monitor.created" and body["message"] == "Monitor Web was created"
    assert body["actor"]["type"] == "system" and body["hash"] == entry.hash
    assert webhook.verify(SECRET, request.headers.get("X-Uptime-Signature"), request.body)


@pytest.mark.anyio
async def test_snoozed_incident_sends_nothing_until_it_resolves(database):
    receiver = Receiver().start()
    config = make_config([monitor_config("a", ["hook"])], [webhook_channel("hook", receiver.url("/hook"), min_interval=0)])
    ids = add_monitors(config)

    def snoozed_then_resolved():
        now = utcnow()
        incident = open_incident("a", ids["a"], now, snoozed_until=now + timedelta(hours=1))
        ref = incident_ref(incident, "a", ids["a"])
        enqueue(config, store([events.incident_escalated(CTX, now, ref, reason="reminder")], now), now)
        enqueue(config, store([events.incident_resolved(CTX, now, ref)], now), now)

    try:
        async with running(config, database) as (notifier, writer):
            await writer.run_async(snoozed_then_resolved)
            notifier.wake()
            assert await eventually(lambda: states() == {"sent": 1})
    finally:
        receiver.stop()
    assert [r.json["event"] for r in receiver.on("/hook")] == ["incident.resolved"]


@pytest.mark.anyio
async def test_stop_ends_the_delivery_loop_even_when_it_is_woken_at_that_moment(database):
    """On Python 3.11, asyncio.wait_for swallowed a cancellation that came as its wait ended: a
    wake at the moment of stop() left the delivery loop running and stop() waiting for it forever
    (an engine that never stopped, seen once in CI)."""
    config = make_config([monitor_config("a", [])], [])
    for _ in range(20):
        writer = Writer(database, lambda: {}).start()
        notifier = Notifier(config, database, writer, options=FAST)
        await notifier.start()
        await asyncio.sleep(0.01)  # the loop now waits to be woken
        notifier.wake()
        try:
            async with asyncio.timeout(5):
                await notifier.stop()
        finally:
            await asyncio.to_thread(writer.stop)


@pytest.mark.anyio
async def test_events_of_one_resource_reach_a_channel_in_order_even_through_retries(database):
    receiver = Receiver(flaky=1).start()  # the first request is answered 503 (after it arrived)
    config = make_config([monitor_config("a", ["hook"]), monitor_config("b", ["hook"])],
                         [webhook_channel("hook", receiver.url("/hook"), SECRET, min_interval=0)])
    ids = add_monitors(config)
    try:
        async with running(config, database) as (notifier, writer):
            def one_after_another():
                incident, _ = start_incident(config, "a", ids["a"], utcnow())
                ref = incident_ref(incident, "a", ids["a"])
                later = [events.incident_acknowledged(CTX, utcnow(), ref),
                         events.incident_resolved(CTX, utcnow(), ref, cause="recovered")]
                return enqueue(config, store(later), utcnow())

            await writer.run_async(one_after_another)
            notifier.wake()
            assert await eventually(lambda: states() == {"sent": 3})
    finally:
        receiver.stop()
    received = [r.json["event"] for r in receiver.on("/hook")]
    assert received == ["incident.started", "incident.started", "incident.acknowledged", "incident.resolved"]


def test_the_planner_sends_only_the_oldest_pending_delivery_of_a_stream():
    from uptime_tui.notify.plan import Pending, plan, stream_of

    pending = [Pending(1, False, "monitor:1"), Pending(2, True, "monitor:1"), Pending(3, True, "monitor:2"),
               Pending(4, True, None), Pending(5, True, None)]
    assert plan(pending, 10).singles == (3, 4, 5)  # 2 waits for 1, which is backing off
    assert stream_of({"resource_type": "heartbeat", "resource_id": 4, "incident_id": 9}) == "heartbeat:4"
    assert stream_of({"heartbeat_id": 4}) == "heartbeat:4" and stream_of({"event": "audit.x"}) is None
