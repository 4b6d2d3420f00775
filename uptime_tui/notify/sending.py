"""One attempt to send one message (a notification on its own, or a digest) to one channel.

`Senders` holds what the channels of a Notifier share: one httpx client for every webhook (never
a client per message, docs/performance.md), a small thread pool for Apprise's blocking `notify()`, and
one Apprise object per channel, rebuilt when the channel changes. An attempt never raises: an
unexpected error is a failed attempt, with a redacted message.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from uptime_tui.notify import render, webhook
from uptime_tui.notify.plan import SendResult


@dataclass(frozen=True)
class Message:
    """What one POST or Apprise notification carries: one delivery, or a digest of several."""

    key: str  # the idempotency key the receiver sees
    deliveries: tuple  # outbox.Delivery
    digest: bool = False


class Senders:
    """The HTTP client and Apprise objects of a Notifier's channels."""

    def __init__(self, apprise_threads: int = 4):
        self.apprise_threads = apprise_threads
        self.client = None
        self.pool: ThreadPoolExecutor | None = None
        self.apprise: dict[str, object] = {}

    def forget(self, channel_id: str) -> None:
        """The channel changed: build its Apprise object again on next use."""
        self.apprise.pop(channel_id, None)

    def open(self) -> None:
        """Create the client and the pool (idempotent)."""
        if self.client is None:
            import httpx

            self.client = httpx.AsyncClient(limits=httpx.Limits(max_connections=64, max_keepalive_connections=16))
        if self.pool is None:
            self.pool = ThreadPoolExecutor(self.apprise_threads, thread_name_prefix="uptime-tui-apprise")

    async def close(self, wait: float = 15.0) -> bool:
        """Release the client and the pool; whether every Apprise call still running finished
        within `wait` seconds (until then it may log, and its log lines must stay masked)."""
        if self.client is not None:
            await self.client.aclose()
            self.client = None
        pool, self.pool = self.pool, None
        if pool is None:
            return True
        pool.shutdown(wait=False, cancel_futures=True)
        try:
            async with asyncio.timeout(wait):
                await asyncio.to_thread(pool.shutdown, wait=True)
        except TimeoutError:
            return False
        return True

    async def send(self, channel, message: Message, *, ctx, now: datetime, redact, details=None) -> SendResult:
        """One attempt. `details` is an async callable giving incident details by id (Apprise text)."""
        try:
            self.open()
            if channel.webhook is not None:
                return await self._webhook(channel, message, ctx, now, redact)
            return await self._apprise(channel, message, redact, details)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            return SendResult(False, redact(f"{type(exc).__name__}: {exc}"))

    async def _webhook(self, channel, message: Message, ctx, now: datetime, redact) -> SendResult:
        if message.digest:
            payload = render.digest_payload([(d.key, d.payload) for d in message.deliveries], ctx, now,
                                            channel.min_interval)
        else:
            payload = message.deliveries[0].payload
        body = render.json_body(payload)
        attempt = 1 + max(d.attempts for d in message.deliveries)
        headers = webhook.headers_for(channel.webhook, body, message.key, payload.get("event", ""), attempt,
                                      int(now.timestamp()))
        result = await webhook.post(self.client, channel.webhook, body, headers, channel.timeout)
        return SendResult(result.ok, redact(result.error), result.permanent, result.retry_after, result.status)

    async def _apprise(self, channel, message: Message, redact, details) -> SendResult:
        incident_ids = {d.payload.get("incident_id") for d in message.deliveries} - {None}
        found = await details(incident_ids, 0 if message.digest else 3) if incident_ids and details else {}
        if message.digest:
            text = render.digest_text([d.payload for d in message.deliveries], found, channel.min_interval)
        else:
            payload = message.deliveries[0].payload
            text = render.message_text(payload, found.get(payload.get("incident_id")))
        loop = asyncio.get_running_loop()
        sender = self.apprise.get(channel.id)
        if sender is None:
            from uptime_tui.notify.apprise_sender import AppriseChannel

            sender = await loop.run_in_executor(self.pool, AppriseChannel, channel, redact)
            self.apprise[channel.id] = sender
        limit = channel.timeout * 2 + 5
        try:
            async with asyncio.timeout(limit):  # not wait_for: see Notifier._run
                return await loop.run_in_executor(self.pool, sender.send, text)
        except TimeoutError:
            return SendResult(False, f"Apprise gave no answer within {limit:g}s")
