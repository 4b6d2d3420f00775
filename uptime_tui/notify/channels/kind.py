"""What a channel kind is: the interface each `notify/channels/<kind>.py` implements, once.

A kind owns everything that differs between channels of different kinds, so adding one is one
module and one line in `notify/channels/__init__.py` (Gatus gives each alert provider a package
behind one interface; Healthchecks keeps a registry of transports):

- its settings, a frozen dataclass (the channel's `spec`), and `read(reader, entry, path)`, which
  reads them from the value under the kind's key of a YAML channel entry (`webhook: {url: ...}`),
  each problem recorded with its line and column, never echoing a secret;
- `describe(spec)`: what the channel sends to, safe to print (`webhook https://host/****`);
- `secrets(spec)`: every string of the spec that must never be seen, for the `Redactor`;
- `sender(options)`: a `ChannelSender`, built once per Notifier on the kind's first message, that
  holds what the kind's channels share (an HTTP client, a thread pool) and sends one `Message`.

The outbox, retries, storm limits, digests and idempotency keys stay in the delivery loop; a
sender makes one attempt and says how it went (`plan.SendResult`), never raising.

Config loading imports every kind module but never sends, so a kind module keeps httpx and
apprise out of its top-level imports.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from uptime_tui.config.values import Reader
    from uptime_tui.notify.plan import SendResult


@dataclass(frozen=True)
class Message:
    """What one POST or Apprise notification carries: one delivery, or a digest of several."""

    key: str  # the idempotency key the receiver sees
    deliveries: tuple  # outbox.Delivery
    digest: bool = False


class ChannelSender:
    """Sends one kind's messages for one Notifier; subclasses implement `send`.

    `send` gets the channel (its `spec`, `timeout`, `min_interval`), the message, the event
    context, the time, the notifier's `redact` (every error text passes through it) and `details`,
    an async callable giving incident details by id for a text a person reads.
    """

    async def send(self, channel, message: Message, *, ctx, now: datetime, redact: Callable,
                   details: Callable[..., Awaitable[dict]] | None) -> SendResult:
        """One attempt; raising is allowed (it becomes a failed attempt with a redacted message)."""
        raise NotImplementedError

    def forget(self, channel_id: str) -> None:
        """The channel changed: drop anything built from its old settings."""

    async def close(self, wait: float) -> bool:
        """Release what the sender holds; whether everything it started finished within `wait`."""
        return True


@dataclass(frozen=True)
class ChannelKind:
    """One channel kind: its YAML key, how its settings are read, shown, kept secret and sent."""

    name: str  # its key in a channel entry, and the channel's `kind`
    label: str  # how "give either ..." names it: "'apprise' (URLs)"
    read: Callable[[Reader, dict, tuple], Any]  # (reader, channel entry, path) -> spec or None
    describe: Callable[[Any], str]
    secrets: Callable[[Any], set[str]]
    sender: Callable[[Any], ChannelSender]  # given the NotifierOptions
    digest_part: int | None = None  # at most this many payloads per digest message; None: no limit
