"""tls checks: a verified handshake, then the certificate's dates judged against the clock.

The handshake verifies the chain and the host name but not the dates (see client.py), so an
expired certificate is reported as "certificate expired 3 days ago" rather than a bare OpenSSL
verify error, and one within `tls_warning_days` of expiry passes as degraded.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from datetime import datetime, timezone
from urllib.parse import urlsplit

from uptime_tui.checks.observation import Observation
from uptime_tui.config import Monitor

DAY = 86400.0


async def check_tls(monitor: Monitor, context: ssl.SSLContext, seen: Observation) -> None:
    """Handshake with host:port (or the URL's) and judge the peer certificate's validity dates."""
    host, port = tls_target(monitor)
    if not host:
        seen.failed("no host configured")
        return
    _, writer = await asyncio.open_connection(host, port, ssl=context, server_hostname=host)
    try:
        certificate = writer.get_extra_info("peercert")
    finally:
        # Only the certificate was wanted: drop the connection rather than wait on a TLS
        # close_notify exchange that a slow peer could stretch past the check's timeout.
        writer.transport.abort()
    judge_certificate(certificate, time.time(), monitor.tls_warning_days, seen)


def tls_target(monitor: Monitor) -> tuple[str | None, int]:
    """(host, port): the monitor's own, else its URL's, port 443 by default."""
    if monitor.host:
        return monitor.host, monitor.port or 443
    if monitor.url:
        parts = urlsplit(monitor.url)
        return parts.hostname, parts.port or 443
    return None, 443


def judge_certificate(certificate: dict, now: float, warning_days: int, seen: Observation) -> None:
    """Fail when not yet or no longer valid; degraded within `warning_days` of notAfter."""
    if not certificate or "notAfter" not in certificate:
        seen.failed("TLS error: no peer certificate")
        return
    not_before = ssl.cert_time_to_seconds(certificate["notBefore"])
    if now < not_before:
        seen.failed(f"certificate not valid before {_utc(not_before)}")
        return
    remaining = ssl.cert_time_to_seconds(certificate["notAfter"]) - now
    if remaining <= 0:
        days = int(-remaining // DAY)
        seen.failed(f"certificate expired {_days(days)} ago" if days else "certificate expired today")
    elif remaining < warning_days * DAY:
        days = int(remaining // DAY)
        seen.passed(f"certificate expires in {_days(days)}" if days else "certificate expires today")
    else:
        seen.passed()


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
