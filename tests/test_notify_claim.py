"""Deliveries are claimed under the engine lease: a deposed engine's notifier claims (so sends)
nothing, and on PostgreSQL a delivery another transaction holds is skipped, not waited for."""

import asyncio

import pytest

from support.notify import NOW, Receiver, add_monitors, make_config, monitor_config, start_incident, webhook_channel
from uptime_tui.notify import Notifier, NotifierOptions, RetryPolicy
from uptime_tui.notify import outbox
from uptime_tui.store.lease import LeaseLost
from uptime_tui.store.models import NotificationDelivery, database_proxy
from uptime_tui.store.writer import Writer

FAST = NotifierOptions(poll_interval=0.05, retry=RetryPolicy(base=0.05, cap=0.2))


def pending_delivery(database, receiver):
    config = make_config([monitor_config("web", channels=("hook",))],
                         [webhook_channel("hook", receiver.url("/hook"), events=("incident.*",))])
    ids = add_monitors(config)
    with database.atomic():
        start_incident(config, "web", ids["web"], NOW)
    return config


@pytest.mark.anyio
async def test_an_engine_that_lost_its_lease_claims_and_sends_nothing(database):
    receiver = Receiver().start()
    config = pending_delivery(database, receiver)

    def deposed():
        raise LeaseLost(1, None)

    writer = Writer(database, lambda: {}, fence=deposed).start()
    notifier = Notifier(config, database, writer, options=FAST)
    await notifier.start()
    try:
        await asyncio.sleep(0.5)  # ten polls: each claim is refused by the fence
    finally:
        await notifier.stop()
        writer.stop()
        receiver.stop()
    assert receiver.on("/hook") == []
    assert NotificationDelivery.select().where(NotificationDelivery.state == outbox.PENDING).count() == 1


def test_a_delivery_held_by_another_transaction_is_skipped_on_postgres(database, database_url):
    if not database_url.startswith("postgres"):
        pytest.skip("SKIP LOCKED is PostgreSQL's; on SQLite the lease alone claims")
    import psycopg2

    receiver = Receiver().start()
    try:
        pending_delivery(database, receiver)
    finally:
        receiver.stop()
    other = psycopg2.connect(database_url)
    try:
        other.cursor().execute("SELECT id FROM notification_delivery FOR UPDATE")
        with database_proxy.obj.atomic():
            assert outbox.claim("hook", 10) == []
        assert len(outbox.pending("hook", 10)) == 1  # a plain read still sees it
    finally:
        other.rollback()
        other.close()
    with database_proxy.obj.atomic():
        assert len(outbox.claim("hook", 10)) == 1
