"""The channel kinds by name: a channel entry's `webhook:` or `apprise:` key finds its module here.

Adding a kind is one module implementing `notify.channels.kind` and one `register(...)` line
below. Config loading imports every module registered here (to read specs), so each keeps httpx
and apprise out of its top-level imports.
"""

from __future__ import annotations

from uptime_tui.notify.channels import apprise, webhook
from uptime_tui.notify.channels.kind import ChannelKind, ChannelSender, Message

__all__ = ["KINDS", "ChannelKind", "ChannelSender", "Message", "describe", "kind_of", "register"]

KINDS: dict[str, ChannelKind] = {}


def register(kind: ChannelKind) -> None:
    """Make a channel kind known to config loading and to the delivery loop."""
    KINDS[kind.name] = kind


register(apprise.KIND)
register(webhook.KIND)


def kind_of(channel) -> ChannelKind:
    """The kind of a config `Channel`."""
    return KINDS[channel.kind]


def describe(channel) -> str:
    """What a channel sends to, safe to print: `webhook https://host/****`, `apprise slack://****`."""
    return kind_of(channel).describe(channel.spec)
