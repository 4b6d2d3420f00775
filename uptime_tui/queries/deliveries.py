"""The notification outbox as people read it: recent deliveries and the count per channel and state.

`uptime-tui notify list` prints these; notify/outbox.py is the writer side (enqueue, the sender's
reads, marking sent or failed) and imports `header_key` from here, so the key a person sees and
the one a receiver gets are cut in one place.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from peewee import fn

from uptime_tui.store.models import NotificationDelivery


def header_key(idempotency_key: str) -> str:
    """The idempotency key a receiver sees: the row's key without its `@channel` suffix."""
    return idempotency_key.rpartition("@")[0] or idempotency_key


@dataclass(frozen=True)
class DeliveryRow:
    """One notification to one channel, as `notify list` shows it."""

    id: int
    channel: str
    event: str | None  # the event's name (None for a payload without one)
    key: str  # as the receiver sees it
    state: str  # pending, sent or failed
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    digest_key: str | None  # the digest it went out in
    event_id: int | None  # None for audit entries and test messages


def recent_deliveries(state: str | None = None, channel_id: str | None = None, limit: int = 20) -> list[DeliveryRow]:
    """The most recent deliveries, newest first, of one state and channel when given."""
    nd = NotificationDelivery
    query = nd.select().order_by(nd.id.desc()).limit(limit)
    if state:
        query = query.where(nd.state == state)
    if channel_id:
        query = query.where(nd.channel_id == channel_id)
    return [DeliveryRow(r.id, r.channel_id, (r.payload or {}).get("event"), header_key(r.idempotency_key),
                        r.state, r.attempts, r.last_error, r.created_at, r.next_attempt_at, r.sent_at,
                        r.digest_key, r.event_id) for r in query]


def channel_states() -> dict[str, dict[str, int]]:
    """Deliveries per channel and state, e.g. {"chat": {"sent": 40, "pending": 2, "failed": 1}}."""
    nd = NotificationDelivery
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    query = (nd.select(nd.channel_id, nd.state, fn.COUNT(nd.id).alias("n"))
             .group_by(nd.channel_id, nd.state).tuples())
    for channel_id, state, count in query:
        counts[channel_id][state] = count
    return dict(counts)
