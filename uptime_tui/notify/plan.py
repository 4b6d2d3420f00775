"""Pure delivery decisions: what to send now (one by one or a digest), when to retry, when to stop.

Nothing here reads a clock, a database or the network, so every rule is tested with plain values.

- A channel's storm limit is a token bucket: `burst` messages at once, then one more every
  `min_interval`. When the deliveries due for a channel fit in the tokens it has, each is sent on
  its own; when they do not, everything pending for the channel is folded into one digest. A
  channel thus never gets more than one message per `min_interval` during a storm, and a quiet
  channel still gets each event as it happens.
- Retries back off exponentially with jitter, capped, and go on for `retry_for` (24 hours by
  default) after the notification was created; then the delivery is marked failed. A permanent
  refusal (a 4xx other than 408 and 429, or a redirect) is tried `permanent_attempts` times, then
  marked failed. Failed deliveries stay in the outbox for `notify list` and the console: nothing
  is dropped or disabled silently.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often a delivery is retried."""

    base: float = 10.0  # first retry after about this many seconds
    cap: float = 3600.0  # never wait longer than this between attempts
    retry_for: float = 86400.0  # keep trying this long after the notification was created
    permanent_attempts: int = 3  # attempts for a refusal that will not change by itself

    def delay(self, attempts: int, rng: random.Random | None = None) -> float:
        """Seconds before the next attempt after `attempts` failed ones: exponential, half of it
        jittered, so receivers coming back are not hit by every sender at the same instant."""
        ceiling = min(self.cap, self.base * 2 ** max(0, attempts - 1))
        return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)

    def gives_up(self, created_at: datetime, now: datetime, attempts: int, permanent: bool) -> bool:
        """Whether a delivery that just failed its `attempts`-th attempt is marked failed."""
        if permanent and attempts >= self.permanent_attempts:
            return True
        return now - created_at >= timedelta(seconds=self.retry_for)


@dataclass(frozen=True)
class SendResult:
    """What one attempt to send a message achieved."""

    ok: bool
    error: str | None = None  # already redacted
    permanent: bool = False  # a refusal that retrying will not fix
    retry_after: float | None = None  # the receiver asked for this pause (429 Retry-After)
    status: int | None = None  # HTTP status, when there was one

    @classmethod
    def from_status(cls, status: int, reason: str = "", retry_after: float | None = None) -> SendResult:
        """2xx sent; 408, 429 and 5xx are worth retrying; other 4xx and 3xx are refusals."""
        if 200 <= status < 300:
            return cls(True, status=status)
        text = f"HTTP {status}{' ' + reason if reason else ''}"
        if status in (408, 429) or status >= 500:
            return cls(False, text, retry_after=retry_after, status=status)
        if 300 <= status < 400:
            text += " (webhooks are not redirected: use the final URL)"
        return cls(False, text, permanent=True, status=status)


@dataclass
class TokenBucket:
    """A channel's storm limit: `burst` tokens, one more every `interval` seconds (0: no limit)."""

    burst: int
    interval: float
    tokens: float = field(default=-1.0)
    updated_at: datetime | None = None

    def __post_init__(self):
        if self.tokens < 0:
            self.tokens = float(self.burst)

    @property
    def unlimited(self) -> bool:
        """No storm limit on this channel."""
        return self.interval <= 0

    def available(self, now: datetime) -> float:
        """Tokens at `now`, after refilling."""
        if self.unlimited:
            return float("inf")
        if self.updated_at is not None:
            refill = (now - self.updated_at).total_seconds() / self.interval
            self.tokens = min(float(self.burst), self.tokens + max(0.0, refill))
        self.updated_at = now
        return self.tokens

    def take(self, now: datetime, count: int = 1) -> None:
        """Spend tokens for messages delivered at `now`."""
        if not self.unlimited:
            self.available(now)
            self.tokens = max(0.0, self.tokens - count)

    def next_token_at(self, now: datetime) -> datetime:
        """When at least one token will be there."""
        missing = max(0.0, 1.0 - self.available(now))
        return now + timedelta(seconds=missing * self.interval)

    @classmethod
    def replay(cls, burst: int, interval: float, sent_times: list[datetime], now: datetime) -> TokenBucket:
        """The bucket after the messages sent at `sent_times` (oldest first): a restart resumes
        the limit instead of granting a fresh burst in the middle of a storm."""
        bucket = cls(burst, interval)
        for sent_at in sent_times:
            bucket.take(sent_at)
        bucket.available(now)
        return bucket


@dataclass(frozen=True)
class Pending:
    """A delivery as the planner sees it."""

    id: int
    due: bool  # next_attempt_at has come
    stream: str | None = None  # what it is about (a monitor, a heartbeat): see `plan`


def stream_of(payload: dict) -> str | None:
    """The resource an event is about (`monitor:3`), whose events a receiver must get in order;
    None for what has no order to keep (an audit entry, a test message)."""
    if payload.get("resource_type") and payload.get("resource_id") is not None:
        return f"{payload['resource_type']}:{payload['resource_id']}"
    for kind in ("monitor", "heartbeat"):
        if payload.get(f"{kind}_id") is not None:
            return f"{kind}:{payload[f'{kind}_id']}"
    return None


@dataclass(frozen=True)
class Plan:
    """What to send to one channel now: each of `singles` on its own, or one digest of `digest`."""

    singles: tuple = ()
    digest: tuple = ()

    @property
    def messages(self) -> int:
        """How many messages the plan sends."""
        return len(self.singles) + (1 if self.digest else 0)


def plan(pending: list[Pending], tokens: float) -> Plan:
    """Decide for one channel: due deliveries one by one if the tokens cover them, else one
    digest of everything pending (not yet due ones ride along: they would be folded later anyway).
    Nothing when nothing is due or no token is left.

    `pending` is oldest first. Of one stream only the oldest pending delivery may go: the next
    waits until it is sent (a receiver back from 500s got `incident.resolved` before the retried
    `incident.reopened`, and concurrent sends let `heartbeat.up` overtake `heartbeat.down`)."""
    first_of_stream, seen = [], set()
    for p in pending:
        if p.stream is None or p.stream not in seen:
            first_of_stream.append(p)
            seen.add(p.stream)
    due = [p.id for p in first_of_stream if p.due]
    if not due or tokens < 1:
        return Plan()
    if len(due) <= tokens:
        return Plan(singles=tuple(due))
    return Plan(digest=tuple(p.id for p in pending))
