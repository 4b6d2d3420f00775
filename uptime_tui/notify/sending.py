"""One attempt to send one message (a notification on its own, or a digest) to one channel.

`Senders` dispatches by the channel's kind to that kind's `ChannelSender` (notify/channels/),
built on the kind's first message and shared by its channels (one HTTP client for every webhook,
one thread pool for Apprise). An attempt never raises: an unexpected error is a failed attempt,
with a redacted message.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from uptime_tui.notify.channels import ChannelSender, Message, kind_of
from uptime_tui.notify.plan import SendResult

__all__ = ["Message", "Senders"]


class Senders:
    """The senders of a Notifier's channel kinds."""

    def __init__(self, options):
        self.options = options  # NotifierOptions, handed to each kind's sender
        self.by_kind: dict[str, ChannelSender] = {}

    def forget(self, channel_id: str) -> None:
        """The channel changed: its kind builds what it keeps for it again on next use."""
        for sender in self.by_kind.values():
            sender.forget(channel_id)

    async def close(self, wait: float = 15.0) -> bool:
        """Release every sender; whether everything they started finished within `wait` seconds."""
        senders, self.by_kind = list(self.by_kind.values()), {}
        drained = await asyncio.gather(*(s.close(wait) for s in senders))
        return all(drained)

    async def send(self, channel, message: Message, *, ctx, now: datetime, redact, details=None) -> SendResult:
        """One attempt. `details` is an async callable giving incident details by id."""
        try:
            sender = self.by_kind.get(channel.kind)
            if sender is None:
                sender = self.by_kind[channel.kind] = kind_of(channel).sender(self.options)
            return await sender.send(channel, message, ctx=ctx, now=now, redact=redact, details=details)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            return SendResult(False, redact(f"{type(exc).__name__}: {exc}"))
