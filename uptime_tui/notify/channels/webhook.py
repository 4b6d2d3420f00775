"""Webhook channels: one signed JSON POST per notification (or digest), sent with httpx.

Headers (see the README's Notifications section for a verification snippet):
- `Idempotency-Key`: the event's id (`evt_4711`; `aud_12` for an audit entry, `dig_...` for a
  digest). A retry sends the same key, so a receiver drops what it has already seen.
- `X-Uptime-Event`: the event name, `X-Uptime-Attempt`: 1 for the first try.
- `X-Uptime-Signature: t=<unix time>,v1=<hex>` when the channel has a `secret`: HMAC-SHA256 with
  the secret over `<t>.` followed by the exact body bytes, as Stripe signs its webhooks; checking
  `t` against the clock stops a captured request from being replayed later.
Extra `headers` from the channel are sent too, but never replace these.

A webhook is shown by its host alone: the rest of its URL may be a token. httpx is imported by
the sender, not above: config loading reads the spec here.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from uptime_tui import __version__
from uptime_tui.config.urls import http_url
from uptime_tui.config.values import Reader, described, like, text, text_mapping
from uptime_tui.notify import render
from uptime_tui.notify.channels.kind import ChannelKind, ChannelSender, Message
from uptime_tui.notify.plan import SendResult
from uptime_tui.redaction import MASK, redact_url, url_secrets

if TYPE_CHECKING:
    import httpx

SIGNATURE_HEADER = "X-Uptime-Signature"
USER_AGENT = f"uptime-tui/{__version__} (webhook)"
# A digest goes out in parts of this many payloads, counted as one message by the storm limit: one
# POST of thousands of payloads would exceed the body limit of most receivers (aiohttp's default is
# 1 MB) and be refused for good.
DIGEST_PART = 1000


@dataclass(frozen=True)
class WebhookSpec:
    """A raw JSON webhook receiver (its URL may carry a token too, so nothing here is in repr)."""

    url: str = field(repr=False)
    secret: str | None = field(default=None, repr=False)
    headers: dict = field(default_factory=dict, repr=False)


def read(r: Reader, m: dict, path: tuple) -> WebhookSpec | None:
    """`webhook: {url, secret, headers}` of a channel entry."""
    wpath = path + ("webhook",)
    w = r.mapping(m["webhook"], wpath, ("url", "secret", "headers"), required=("url",))
    if w is None:
        return None
    return WebhookSpec(
        url=r.get(w, wpath, "url", webhook_url, ""),
        secret=r.get(w, wpath, "secret", text),
        headers=r.get(w, wpath, "headers", text_mapping, {}),
    )


@described(like(http_url))
def webhook_url(value: Any) -> str:
    """An http(s) URL; a refused one is never echoed (webhook URLs often carry a token)."""
    try:
        return http_url(value)
    except ValueError as exc:
        reason = ("the port is not between 1 and 65535" if "port in" in str(exc) else
                  "its host is not a valid host name" if "of the URL is not valid" in str(exc) else
                  "expected an http:// or https:// URL with a host")
        raise ValueError(f"{reason} (the URL is not shown: it may carry a token)") from None


def describe(spec: WebhookSpec) -> str:
    """`webhook https://hooks.example.com/****`."""
    return f"webhook {redact_webhook_url(spec.url)}"


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


def secrets(spec: WebhookSpec) -> set[str]:
    """The URL's parts but its host (shown anyway), the signing secret and every header value."""
    found = url_secrets(spec.url) - _public_url_parts(spec.url)
    if spec.secret:
        found.add(spec.secret)
    return found | set(spec.headers.values())


def _public_url_parts(url: str) -> set[str]:
    try:
        parts = urlsplit(url)
        return {parts.hostname or "", parts.netloc}
    except ValueError:
        return set()


# --- signing ------------------------------------------------------------------------------------

def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 over `<timestamp>.<body>`."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<timestamp>,v1=<signature>`."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, tolerance: float = 300.0, now: float | None = None) -> bool:
    """Whether a signature header is valid for the body and recent (what a receiver does)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), fields.get("v1", ""))


def headers_for(spec: WebhookSpec, body: bytes, key: str, event_name: str, attempt: int, timestamp: int) -> dict:
    """Every header of one POST."""
    headers = dict(spec.headers)
    headers |= {"Content-Type": "application/json", "User-Agent": USER_AGENT, "Idempotency-Key": key,
                "X-Uptime-Event": event_name, "X-Uptime-Attempt": str(attempt)}
    if spec.secret:
        headers[SIGNATURE_HEADER] = signature_header(spec.secret, timestamp, body)
    return headers


# --- sending ------------------------------------------------------------------------------------

class WebhookSender(ChannelSender):
    """One httpx client for every webhook of a Notifier: never a client per message
    (docs/performance.md)."""

    def __init__(self, options=None):
        self.client: httpx.AsyncClient | None = None

    async def send(self, channel, message: Message, *, ctx, now, redact, details=None) -> SendResult:
        """POST the payload (or the digest of the message's payloads), signed."""
        if message.digest:
            payload = render.digest_payload([(d.key, d.payload) for d in message.deliveries], ctx, now,
                                            channel.min_interval)
        else:
            payload = message.deliveries[0].payload
        body = render.json_body(payload)
        attempt = 1 + max(d.attempts for d in message.deliveries)
        headers = headers_for(channel.spec, body, message.key, payload.get("event", ""), attempt, int(now.timestamp()))
        result = await post(self._client(), channel.spec, body, headers, channel.timeout)
        return SendResult(result.ok, redact(result.error), result.permanent, result.retry_after, result.status)

    def _client(self) -> httpx.AsyncClient:
        if self.client is None:
            import httpx

            self.client = httpx.AsyncClient(limits=httpx.Limits(max_connections=64, max_keepalive_connections=16))
        return self.client

    async def close(self, wait: float) -> bool:
        if self.client is not None:
            client, self.client = self.client, None
            await client.aclose()
        return True


async def post(client: httpx.AsyncClient, spec: WebhookSpec, body: bytes, headers: dict, timeout: float) -> SendResult:
    """POST once; the outcome, with an error message that never quotes the URL."""
    import httpx

    try:
        response = await client.post(spec.url, content=body, headers=headers, timeout=timeout,
                                     follow_redirects=False)
    except httpx.TimeoutException:
        return SendResult(False, f"no answer within {timeout:g}s")
    except httpx.ConnectError as exc:
        return SendResult(False, _connect_error(exc))
    except httpx.HTTPError as exc:  # the message of some httpx errors includes the URL: not shown
        return SendResult(False, f"{type(exc).__name__} while sending")
    return SendResult.from_status(response.status_code, response.reason_phrase,
                                  _retry_after(response.headers.get("Retry-After")))


def _connect_error(exc: BaseException) -> str:
    """A short reason from the exception chain (the last link says the most: refused, DNS ...)."""
    chain, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "connection refused"
    said = " ".join(str(e) for e in chain).lower()
    for needle, reason in (("refused", "connection refused"), ("name or service", "unknown host"),
                           ("nodename", "unknown host"), ("certificate", "TLS certificate rejected"),
                           ("ssl", "TLS handshake failed"), ("unreachable", "network unreachable")):
        if needle in said:
            return reason
    return "cannot connect"


def _retry_after(value: str | None) -> float | None:
    if value and value.strip().isdigit():
        return min(float(value), 3600.0)
    return None


KIND = ChannelKind("webhook", "'webhook'", read, describe, secrets, WebhookSender, digest_part=DIGEST_PART)
