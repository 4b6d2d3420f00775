"""The delivery loop: pending notifications out of the outbox, to each channel through its kind.

`Notifier` runs on the engine's event loop. Every `poll_interval` (or at once after `wake()`) it
asks which channels have deliveries due, and starts one task per such channel that is not already
busy, so a slow or dead receiver never holds up another channel. Reads run on one thread of the
Notifier's own; writes go through the engine's writer (`writer.run_async`), like every other write.

A channel's task reads its pending deliveries and lets `plan.plan` decide: each due delivery on its
own while the storm limit allows, otherwise one digest of everything pending. A delivery is marked
sent only once the receiver has answered 2xx (Apprise: reported success), so a crash or a kill
between sending and recording sends it again: delivery is at least once, and the idempotency key
lets the receiver drop the repeat. A transient failure stops the channel's batch (the receiver is
down: no point hammering it); every delivery of the batch waits for its backoff. The first success
after failures makes the channel's waiting deliveries due at once.

The module is near our size limit because the loop, its sending passes and its lifecycle share the
Notifier's state (storm buckets, busy tasks, health); what differs per channel kind is already out,
in notify/channels/.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from uptime_tui.notify import outbox, render
from uptime_tui.notify.channels import kind_of
from uptime_tui.notify.plan import Pending, RetryPolicy, SendResult, TokenBucket, plan, stream_of
from uptime_tui.notify.redact import Redactor, RedactingFilter, describe_channel
from uptime_tui.notify.sending import Message, Senders
from uptime_tui.store.reader import Reader

log = logging.getLogger(__name__)
# httpx logs each request's URL at INFO, urllib3 (under Apprise) at DEBUG, Apprise its errors.
SECRET_BEARING_LOGGERS = ("apprise", "httpx", "httpcore.connection", "httpcore.http11", "urllib3.connectionpool")


def utcnow() -> datetime:
    """The real clock."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class NotifierOptions:
    """How the loop runs (tests shrink the timings)."""

    poll_interval: float = 1.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    concurrency: int = 4  # messages in flight at once per channel
    batch: int = 10_000  # pending deliveries read per channel and pass; a digest folds at most this many
    apprise_threads: int = 4


@dataclass(frozen=True)
class Outcome:
    """The result of `send_test`: delivered or not, and why not."""

    channel_id: str
    ok: bool
    detail: str
    target: str  # the channel, redacted
    delivery_id: int | None = None


@dataclass
class ChannelHealth:
    """How a channel is doing, for the console."""

    last_sent_at: datetime | None = None
    failing_since: datetime | None = None
    last_error: str | None = None


class Notifier:
    """Delivers the outbox; start/stop with the engine, `reload` with the config."""

    def __init__(self, config, database, writer, clock: Callable[[], datetime] = utcnow, *,
                 options: NotifierOptions | None = None):
        self.database = database
        self.writer = writer
        self.clock = clock
        self.options = options or NotifierOptions()
        self.health: dict[str, ChannelHealth] = {}
        self._buckets: dict[str, TokenBucket] = {}
        self._busy: dict[str, asyncio.Task] = {}
        self.senders = Senders(self.options)
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reader: Reader | None = None
        self._failing: str | None = None  # the delivery loop's last error, said once
        self._log_filter: RedactingFilter | None = None
        self.reload(config)

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start delivering; pending deliveries from before a restart go out first."""
        self._loop = asyncio.get_running_loop()
        self._ensure_clients()
        hooks = _audit_hooks()
        if hooks is not None and self._on_audit_entry not in hooks:
            hooks.append(self._on_audit_entry)
        self._task = asyncio.create_task(self._run(), name="notifier")

    async def stop(self) -> None:
        """Stop; deliveries in flight stay pending and go out after the next start."""
        hooks = _audit_hooks()
        if hooks is not None and self._on_audit_entry in hooks:
            hooks.remove(self._on_audit_entry)
        tasks = [t for t in (self._task, *self._busy.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task, self._busy = None, {}
        await self.close()

    async def close(self) -> None:
        """Release the HTTP client, the threads and the reader's database connection."""
        drained = await self.senders.close()
        if self._reader is not None:
            reader, self._reader = self._reader, None
            await asyncio.to_thread(reader.close)
        if drained:  # an Apprise send still running logs its recipient at the end: keep it masked
            self._filter_logs(None)

    def reload(self, config) -> None:
        """Use a new config: channels, secrets to redact, storm limits (kept where unchanged)."""
        old = getattr(self, "channels", {})
        self.config = config
        self.ctx = outbox.context_of(config)
        self.channels = {c.id: c for c in config.channels}
        self.redact = Redactor.for_config(config)
        for channel_id, channel in self.channels.items():
            before = old.get(channel_id)
            if before is None or (before.burst, before.min_interval) != (channel.burst, channel.min_interval):
                self._buckets.pop(channel_id, None)  # replayed from the outbox on the next pass
            if before != channel:
                self.senders.forget(channel_id)
        self._filter_logs(RedactingFilter(self.redact))
        self.wake()

    def wake(self) -> None:
        """Look at the outbox now rather than at the next poll (callable from any thread)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            if asyncio.get_running_loop() is loop:
                self._wake.set()
                return
        except RuntimeError:
            pass
        loop.call_soon_threadsafe(self._wake.set)

    # --- the loop -------------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            try:
                await self._pass()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a database hiccup: try again at the next poll, said once
                error = self.redact(f"{type(exc).__name__}: {exc}".strip())
                if error != self._failing:
                    log.error("notification delivery: %s; retrying every poll", error)
                self._failing = error
            else:
                if self._failing is not None:
                    log.warning("notification delivery: working again")
                self._failing = None
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that
            # arrives as the wait ends (a wake), and stop() then waited for this loop forever.
            try:
                async with asyncio.timeout(self.options.poll_interval):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()

    async def _pass(self) -> None:
        now = self.clock()
        idle = [cid for cid in self.channels if cid not in self._busy]
        due = await self._read(outbox.due_channels, idle, now)
        for channel_id, due_at in due.items():
            if due_at > now or channel_id in self._busy:
                continue
            bucket = await self._bucket(channel_id, now)
            if bucket.available(now) < 1:
                continue
            self._busy[channel_id] = asyncio.create_task(self._deliver(channel_id), name=f"notify-{channel_id}")

    async def _bucket(self, channel_id: str, now: datetime) -> TokenBucket:
        bucket = self._buckets.get(channel_id)
        if bucket is None:
            channel = self.channels[channel_id]
            since = now - timedelta(seconds=channel.min_interval * channel.burst)
            sent = await self._read(outbox.recent_sends, channel_id, since) if channel.min_interval > 0 else []
            bucket = self._buckets[channel_id] = TokenBucket.replay(channel.burst, channel.min_interval, sent, now)
        return bucket

    async def _deliver(self, channel_id: str) -> None:
        again = False
        try:
            channel = self.channels.get(channel_id)
            if channel is None:
                return
            rows = await self.writer_run(lambda: outbox.claim(channel_id, self.options.batch))
            now = self.clock()
            bucket = await self._bucket(channel_id, now)
            chosen = plan([Pending(r.id, r.next_attempt_at <= now, stream_of(r.payload)) for r in rows],
                          bucket.available(now))
            by_id = {r.id: r for r in rows}
            if chosen.digest:
                again = await self._send_digest(channel, [by_id[i] for i in chosen.digest])
            elif chosen.singles:
                again = await self._send_singles(channel, [by_id[i] for i in chosen.singles])
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("notification delivery to %s: %s", channel_id, self.redact(f"{type(exc).__name__}: {exc}"))
        finally:
            self._busy.pop(channel_id, None)
        if again:
            self.wake()

    async def _send_singles(self, channel, deliveries: list) -> bool:
        gate = asyncio.Semaphore(self.options.concurrency)
        results: dict[int, SendResult] = {}
        down = False

        async def one(delivery) -> None:
            nonlocal down
            async with gate:
                if down:
                    return
                result = await self._send(channel, Message(delivery.key, (delivery,), False))
                results[delivery.id] = result
                down = down or (not result.ok and not result.permanent)

        await asyncio.gather(*(one(d) for d in deliveries))
        now = self.clock()
        sent = [d.id for d in deliveries if (r := results.get(d.id)) is not None and r.ok]
        failures = [(d, results[d.id]) for d in deliveries if d.id in results and not results[d.id].ok]
        untried = [d.id for d in deliveries if d.id not in results]
        retry = self.options.retry

        def record():
            outbox.mark_sent(sent, now)
            for delivery, result in failures:
                outbox.mark_failed([delivery], now, result.error or "failed", result.permanent, retry, result.retry_after)
            if untried:
                later = now + timedelta(seconds=retry.delay(1 + max((d.attempts for d, _ in failures), default=0)))
                outbox.postpone(untried, later)
            return outbox.pull_forward(channel.id, now) if sent else 0

        pulled = await self.writer_run(record)
        self._after(channel, now, len(sent), failures)
        return bool(pulled) or (bool(sent) and not failures and not untried)

    async def _send_digest(self, channel, deliveries: list) -> bool:
        # A kind may cap a digest's size (a webhook's receiver its body): then it goes out in parts,
        # sent together and counted as one message by the storm limit.
        size = kind_of(channel).digest_part or len(deliveries)
        parts = [deliveries[i:i + size] for i in range(0, len(deliveries), size)]
        retry, pulled, delivered, failures = self.options.retry, 0, 0, []
        for part in parts:
            key = f"dig_{part[0].id}_{part[-1].id}_{len(part)}"
            result = await self._send(channel, Message(key, tuple(part), True))
            now = self.clock()

            def record(part=part, key=key, result=result, now=now):
                if result.ok:
                    outbox.mark_sent([d.id for d in part], now, digest_key=key)
                    return outbox.pull_forward(channel.id, now)
                outbox.mark_failed(part, now, result.error or "failed", result.permanent, retry, result.retry_after)
                return 0

            pulled += await self.writer_run(record)
            if not result.ok:  # the rest stay pending and follow with the retry
                failures = [(part[0], result)]
                break
            delivered += len(part)
            log.info("notification digest to %s: %d notifications in one message", channel.id, len(part))
        self._after(channel, self.clock(), 1 if delivered else 0, failures)
        return bool(pulled)

    def _after(self, channel, now: datetime, messages: int, failures: list) -> None:
        """Spend storm tokens and keep the channel's health for the console and the log."""
        if messages:
            self._buckets.get(channel.id, TokenBucket(channel.burst, channel.min_interval)).take(now, messages)
        health = self.health.setdefault(channel.id, ChannelHealth())
        if messages:
            health.last_sent_at = now
        if failures:
            delivery, result = failures[0]
            if health.failing_since is None:
                health.failing_since = now
            health.last_error = result.error
            log.warning("notification to %s failed (attempt %d): %s", channel.id, delivery.attempts + 1, result.error)
        elif messages:
            health.failing_since, health.last_error = None, None

    # --- sending --------------------------------------------------------------------------------

    async def _send(self, channel, message: Message) -> SendResult:
        """One attempt; never raises."""
        return await self.senders.send(channel, message, ctx=self.ctx, now=self.clock(), redact=self.redact,
                                       details=self._details)

    async def _details(self, incident_ids, evidence: int):
        return await self._read(outbox.incident_details, incident_ids, evidence)

    async def send_test(self, channel_id: str) -> Outcome:
        """Send a test message to one channel now (no retry), record it, and say how it went."""
        channel = self.channels[channel_id]
        now = self.clock()
        payload = render.test_payload(self.ctx, now, channel_id)
        key = f"test_{random.getrandbits(48):012x}"
        delivery = outbox.Delivery(0, channel_id, key, payload, 0, now, now)
        result = await self._send(channel, Message(key, (delivery,), False))
        detail = "delivered" if result.ok else (result.error or "failed")
        if result.ok and result.status:
            detail += f" (HTTP {result.status})"
        row_id = await self.writer_run(functools.partial(
            outbox.record_test, channel_id, key, payload, self.clock(), result.ok, None if result.ok else detail))
        return Outcome(channel_id, result.ok, detail, describe_channel(channel), row_id)

    # --- audit stream ---------------------------------------------------------------------------

    def _on_audit_entry(self, entry) -> None:
        """Called by the audit log inside the transaction that appends an entry."""
        if outbox.enqueue_audit(self.config, entry, self.clock()):
            self.wake()

    # --- plumbing -------------------------------------------------------------------------------

    def _ensure_clients(self) -> None:
        if self._reader is None:
            self._reader = Reader(self.database, 1, "uptime-tui-notify-read")

    async def _read(self, fn, *args):
        """Run a read on the Notifier's reader thread (never on the event loop)."""
        self._ensure_clients()
        return await self._reader.run(fn, *args)

    async def writer_run(self, job):
        """A write job: through the engine's writer, or (no writer, e.g. the CLI) in a transaction
        on the reader thread."""
        if self.writer is not None:
            return await self.writer.run_async(job)

        def in_transaction():
            with self.database.atomic():
                return job()

        return await self._read(in_transaction)

    def _filter_logs(self, new: RedactingFilter | None) -> None:
        """Mask channel secrets in the loggers of the libraries that send (they log URLs)."""
        for name in SECRET_BEARING_LOGGERS:
            if self._log_filter is not None:
                logging.getLogger(name).removeFilter(self._log_filter)
            if new is not None:
                logging.getLogger(name).addFilter(new)
        self._log_filter = new

    def channel_health(self) -> dict[str, ChannelHealth]:
        """Channels that sent or failed since start, with their last error (redacted)."""
        return dict(self.health)


def _audit_hooks():
    """The audit log's AFTER_APPEND subscriber list, where that version of the store has one."""
    from uptime_tui.store import auditlog

    return getattr(auditlog, "AFTER_APPEND", None)
