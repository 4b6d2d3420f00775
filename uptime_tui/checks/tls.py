"""tls monitors: a verified handshake, then the certificate's dates judged against the clock.

The handshake verifies the chain and the host name but not the dates (see client.py), so an
expired certificate is reported as "certificate expired 3 days ago" rather than a bare OpenSSL
verify error, and one within `tls_warning_days` of expiry passes as degraded.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from uptime_tui.checks.monitor_type import MonitorType
from uptime_tui.checks.observation import Observation
from uptime_tui.config import limits
from uptime_tui.config.urls import hostname, http_url
from uptime_tui.config.values import Reader, integer, port

if TYPE_CHECKING:
    from uptime_tui.checks.client import ProbeClient
    from uptime_tui.config.model import Monitor

DAY = 86400.0


@dataclass(frozen=True)
class TlsSpec:
    """Whose certificate is checked (a host and port, or a URL's) and how early expiry warns."""

    url: str | None = None
    host: str | None = None
    port: int | None = None  # with a host: 443 unless given
    tls_warning_days: int = 14

    @property
    def target(self) -> str:
        if self.url:
            return self.url
        return f"{self.host}:{self.port}" if self.port else str(self.host)

    @property
    def payload_type(self) -> str:
        return "ssl"  # we check the certificate, as Better Stack's SSL monitors do


def read(r: Reader, m: dict, path: tuple) -> TlsSpec:
    """A tls monitor's host (and port) or URL, and its warning time."""
    url, host = r.get(m, path, "url", http_url), r.get(m, path, "host", hostname)
    tls_port = r.get(m, path, "port", port)
    if url is None and host is None and not {"url", "host"} & set(m):
        r.problem(path, "'url' or 'host' is required for a tls monitor")
    if host and tls_port is None:
        tls_port = 443
    warning_days = r.get(m, path, "tls_warning_days", integer(*limits.TLS_WARNING_DAYS), 14)
    return TlsSpec(url, host, tls_port, warning_days)


async def probe(monitor: Monitor, client: ProbeClient, seen: Observation) -> None:
    """Handshake with host:port (or the URL's) and judge the peer certificate's validity dates."""
    spec: TlsSpec = monitor.spec
    host, tls_port = tls_target(spec)
    if not host:
        seen.failed("no host configured")
        return
    context = client.certificate_context
    _, writer = await asyncio.open_connection(host, tls_port, ssl=context, server_hostname=host)
    seen.facts["connected"] = True
    try:
        certificate = writer.get_extra_info("peercert")
    finally:
        # Only the certificate was wanted: drop the connection rather than wait on a TLS
        # close_notify exchange that a slow peer could stretch past the check's timeout.
        writer.transport.abort()
    judge_certificate(certificate, time.time(), spec.tls_warning_days, seen)


def tls_target(spec: TlsSpec) -> tuple[str | None, int]:
    """(host, port): the spec's own, else its URL's, port 443 by default."""
    if spec.host:
        return spec.host, spec.port or 443
    if spec.url:
        parts = urlsplit(spec.url)
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
    seen.facts["certificate_expires"] = remaining
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


TLS = MonitorType("tls", ("url", "host", "port", "tls_warning_days"), read, probe,
                  facts=("connected", "certificate_expires"))
