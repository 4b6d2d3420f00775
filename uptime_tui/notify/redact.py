"""Keep channel secrets out of everything a person or a log file can see.

Apprise URLs carry tokens and passwords anywhere in them (`slack://T000/B000/XXXX`,
`mailto://user:pass@host`), webhook URLs often carry a token in the path or the query, and a
webhook has its signing secret and perhaps an `Authorization` header. A channel is therefore shown
by its scheme (and a webhook by its host) only, and any text that may have picked up a secret on
its way (an exception message, a log line from Apprise) is passed through a `Redactor` that knows
every secret of the config and masks each one wherever it appears.

Monitor URLs follow a milder rule, `checks.target.redact_target`: the host and path stay (they say
what is checked), credentials and secret-looking query values go. It lives beside the probe so the
pure domain can use it without importing this package; the `Redactor` applies it to every URL in
a text and knows the monitors' credentials too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import parse_qsl, unquote, urlsplit

from uptime_tui.redaction import MASK, redact_text, target_secrets
from uptime_tui.redaction import MIN_SECRET as _MIN_SECRET


def redact_url(url: str) -> str:
    """`slack://T0/B0/XX` -> `slack://****`."""
    scheme, sep, _ = url.partition("://")
    return f"{scheme}://{MASK}" if sep else MASK


def redact_webhook_url(url: str) -> str:
    """`https://hooks.example.com/T0?token=X` -> `https://hooks.example.com/****`: the host is
    needed to tell receivers apart, the rest may be a credential."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return redact_url(url)
    if not host:
        return redact_url(url)
    return f"{parts.scheme}://{host}{port}/{MASK}"


def describe_channel(channel) -> str:
    """What a channel sends to, safe to print: `webhook https://host/****`, `apprise slack://****`."""
    if channel.webhook is not None:
        return f"webhook {redact_webhook_url(channel.webhook.url)}"
    return "apprise " + ", ".join(redact_url(u) for u in channel.apprise)


def url_secrets(url: str) -> set[str]:
    """The whole URL and each part of it that could be a credential."""
    found = {url}
    try:
        parts = urlsplit(url)
    except ValueError:
        return found
    for value in (parts.username, parts.password):
        if value:
            found |= {value, unquote(value)}
    after_scheme = url.partition("://")[2]
    found.add(after_scheme)
    for segment in parts.path.split("/"):
        found |= {segment, unquote(segment)}
    for _, value in parse_qsl(parts.query, keep_blank_values=False):
        found.add(value)
    if parts.scheme not in ("http", "https") and parts.netloc:
        # Apprise puts tokens where a host would be (`tgram://bottoken/chat`, `ntfy://user:pw@topic`)
        found.add(parts.netloc.rpartition("@")[2])
    return {s for s in found if len(s) >= _MIN_SECRET}


class Redactor:
    """Masks every known secret in a text (longest first, so a URL goes before its parts), then
    the credentials of any URL left in it."""

    def __init__(self, secrets: set[str] | frozenset[str] = frozenset()):
        self.secrets = sorted({s for s in secrets if s and len(s) >= _MIN_SECRET}, key=len, reverse=True)

    @classmethod
    def for_config(cls, config) -> Redactor:
        """Knows the Apprise URLs, webhook URLs, secrets and header values of every channel, the
        credentials in every monitor's URL, the heartbeat tokens and ping key (a ping URL is a
        password) and the API keys' tokens."""
        secrets: set[str] = {h.token for h in config.heartbeats if h.token}
        secrets |= {k.token for k in config.api_keys if k.token}
        if config.settings.ping_key:
            secrets.add(config.settings.ping_key)
        for monitor in config.monitors:
            secrets |= target_secrets(monitor.url)
        for channel in config.channels:
            for url in channel.apprise:
                secrets |= url_secrets(url)
            if channel.webhook is not None:
                secrets |= url_secrets(channel.webhook.url) - _public_url_parts(channel.webhook.url)
                if channel.webhook.secret:
                    secrets.add(channel.webhook.secret)
                secrets |= set(channel.webhook.headers.values())
        return cls(secrets)

    def __call__(self, text: str | None) -> str | None:
        """The text with each secret replaced by ****."""
        if not text:
            return text
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return redact_text(text)


def _public_url_parts(url: str) -> set[str]:
    """A webhook's host is shown (redact_webhook_url), so it is not masked in messages either."""
    try:
        parts = urlsplit(url)
        return {parts.hostname or "", parts.netloc}
    except ValueError:
        return set()


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in records (installed on Apprise's logger, whose
    messages may quote a URL, and, with `checks.target.redact_text`, on the log handlers)."""

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
