"""Keep channel secrets out of everything a person or a log file can see.

Apprise URLs carry tokens and passwords anywhere in them (`slack://T000/B000/XXXX`,
`mailto://user:pass@host`), webhook URLs often carry a token in the path or the query, and a
webhook has its signing secret and perhaps an `Authorization` header. Each channel kind says how
its channel is shown (`describe_channel`: a scheme, a webhook's host) and which of its strings are
secret; any text that may have picked up a secret on its way (an exception message, a log line
from Apprise) is passed through a `Redactor` that knows every secret of the config and masks each
one wherever it appears.

Monitor targets follow a milder rule, `redaction.redact_target`: the host and path stay (they say
what is checked), credentials and secret-looking query values go. It lives in the values layer so
the pure domain can use it without importing this package; the `Redactor` applies it to every URL
in a text and knows the monitors' credentials too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from uptime_tui.notify import channels
from uptime_tui.redaction import MASK, MIN_SECRET, redact_text, target_secrets


def describe_channel(channel) -> str:
    """What a channel sends to, safe to print: `webhook https://host/****`, `apprise slack://****`."""
    return channels.describe(channel)


class Redactor:
    """Masks every known secret in a text (longest first, so a URL goes before its parts), then
    the credentials of any URL left in it."""

    def __init__(self, secrets: set[str] | frozenset[str] = frozenset()):
        self.secrets = sorted({s for s in secrets if s and len(s) >= MIN_SECRET}, key=len, reverse=True)

    @classmethod
    def for_config(cls, config) -> Redactor:
        """Knows every channel's secrets (as its kind lists them: Apprise URLs, webhook URLs,
        signing secrets, header values), the credentials in every monitor's target, the heartbeat
        tokens and ping key (a ping URL is a password) and the API keys' tokens."""
        secrets: set[str] = {h.token for h in config.heartbeats if h.token}
        secrets |= {k.token for k in config.api_keys if k.token}
        if config.settings.ping_key:
            secrets.add(config.settings.ping_key)
        for monitor in config.monitors:
            secrets |= target_secrets(monitor.target)
        for channel in config.channels:
            secrets |= channels.kind_of(channel).secrets(channel.spec)
        return cls(secrets)

    def __call__(self, text: str | None) -> str | None:
        """The text with each secret replaced by ****."""
        if not text:
            return text
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return redact_text(text)


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in records (installed on Apprise's logger, whose
    messages may quote a URL, and, with `redaction.redact_text`, on the log handlers)."""

    def __init__(self, redactor: Callable[[str], str | None]):
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the message in place; never drop a record."""
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is left to logging's own error handling
            return True
        record.msg, record.args = self.redactor(message), ()
        return True
