"""Raw webhooks: one signed JSON POST per notification, sent with httpx.

Headers (see the README's Notifications section for a verification snippet):
- `Idempotency-Key`: the event's id (`evt_4711`; `aud_12` for an audit entry, `dig_...` for a
  digest). A retry sends the same key, so a receiver drops what it has already seen.
- `X-Uptime-Event`: the event name, `X-Uptime-Attempt`: 1 for the first try.
- `X-Uptime-Signature: t=<unix time>,v1=<hex>` when the channel has a `secret`: HMAC-SHA256 with
  the secret over `<t>.` followed by the exact body bytes, as Stripe signs its webhooks; checking
  `t` against the clock stops a captured request from being replayed later.
Extra `headers` from the channel are sent too, but never replace these.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import httpx

from uptime_tui import __version__
from uptime_tui.notify.plan import SendResult

SIGNATURE_HEADER = "X-Uptime-Signature"
USER_AGENT = f"uptime-tui/{__version__} (webhook)"


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


def headers_for(webhook, body: bytes, key: str, event_name: str, attempt: int, timestamp: int) -> dict:
    """Every header of one POST."""
    headers = dict(webhook.headers)
    headers |= {"Content-Type": "application/json", "User-Agent": USER_AGENT, "Idempotency-Key": key,
                "X-Uptime-Event": event_name, "X-Uptime-Attempt": str(attempt)}
    if webhook.secret:
        headers[SIGNATURE_HEADER] = signature_header(webhook.secret, timestamp, body)
    return headers


async def post(client: httpx.AsyncClient, webhook, body: bytes, headers: dict, timeout: float) -> SendResult:
    """POST once; the outcome, with an error message that never quotes the URL."""
    try:
        response = await client.post(webhook.url, content=body, headers=headers, timeout=timeout,
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
    text = " ".join(str(e) for e in chain).lower()
    for needle, reason in (("refused", "connection refused"), ("name or service", "unknown host"),
                           ("nodename", "unknown host"), ("certificate", "TLS certificate rejected"),
                           ("ssl", "TLS handshake failed"), ("unreachable", "network unreachable")):
        if needle in text:
            return reason
    return "cannot connect"


def _retry_after(value: str | None) -> float | None:
    if value and value.strip().isdigit():
        return min(float(value), 3600.0)
    return None
