"""smtp monitors: the server's greeting, then (with `starttls`, the default) STARTTLS and the
certificate's dates, judged as the tls check judges them; no mail is sent.

The upgrade uses the ProbeClient's certificate context, which verifies the chain and the name but
leaves the dates to `tls.judge_certificate`, so an expired certificate reads "certificate expired
3 days ago" and one close to expiry passes as degraded.

aiosmtplib is imported where a check needs it: config loading reads the spec here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from uptime_tui.checks.monitor_type import MonitorType
from uptime_tui.checks.observation import Observation
from uptime_tui.checks.tls import judge_certificate
from uptime_tui.config import limits
from uptime_tui.config.urls import hostname
from uptime_tui.config.values import Reader, boolean, integer, port

if TYPE_CHECKING:
    from uptime_tui.checks.client import ProbeClient
    from uptime_tui.config.model import Monitor


@dataclass(frozen=True)
class SmtpSpec:
    """The mail server greeted, and whether its STARTTLS certificate is checked."""

    host: str | None  # None only in a config refused for it
    port: int = 25
    starttls: bool = True
    tls_warning_days: int = 14

    @property
    def target(self) -> str:
        return f"smtp {self.host}:{self.port}"

    @property
    def payload_type(self) -> str:
        return "smtp"


def read(r: Reader, m: dict, path: tuple) -> SmtpSpec:
    """An smtp monitor's host (required), port, STARTTLS and warning time."""
    host = r.get(m, path, "host", hostname)
    if host is None and "host" not in m:
        r.problem(path, "'host' is required for an smtp monitor")
    return SmtpSpec(
        host,
        r.get(m, path, "port", port, 25),
        r.get(m, path, "starttls", boolean, True),
        r.get(m, path, "tls_warning_days", integer(*limits.TLS_WARNING_DAYS), 14),
    )


async def probe(monitor: Monitor, client: ProbeClient, seen: Observation) -> None:
    """Read the greeting; upgrade with STARTTLS and judge the certificate; say QUIT."""
    import aiosmtplib

    spec: SmtpSpec = monitor.spec
    if not spec.host:
        seen.failed("no host configured")
        return
    # start_tls=False: aiosmtplib would upgrade on its own whenever offered; we decide here.
    smtp = aiosmtplib.SMTP(hostname=spec.host, port=spec.port, start_tls=False, use_tls=False,
                           timeout=monitor.timeout, tls_context=client.certificate_context)
    started = time.perf_counter()
    try:
        greeting = await smtp.connect()
        seen.ttfb_ms = (time.perf_counter() - started) * 1000
        seen.facts["connected"] = True
        seen.facts["banner"] = f"{greeting.code} {greeting.message}"
        if spec.starttls:
            await _starttls(smtp, spec, seen)
        else:
            seen.passed()
        await _quit(smtp)
    except aiosmtplib.SMTPResponseException as exc:  # a refusal such as "554 no service"
        seen.failed(f"SMTP {exc.code} {exc.message}")
    except aiosmtplib.SMTPServerDisconnected as exc:
        seen.failed(f"server disconnected: {exc}")
    finally:
        smtp.close()  # after a timeout or error: no QUIT, which could wait as long again


async def _starttls(smtp, spec: SmtpSpec, seen: Observation) -> None:
    await smtp.ehlo()
    if not smtp.supports_extension("starttls"):
        seen.failed("the server does not offer STARTTLS (set starttls: false to check the greeting alone)")
        return
    await smtp.starttls(server_hostname=spec.host)
    judge_certificate(smtp.get_transport_info("peercert"), time.time(), spec.tls_warning_days, seen)


async def _quit(smtp) -> None:
    """QUIT politely; a server that hangs up first is no failure of ours."""
    import aiosmtplib

    if not smtp.is_connected:
        return
    try:
        await smtp.quit()
    except (aiosmtplib.SMTPException, OSError):
        smtp.close()


SMTP = MonitorType("smtp", ("host", "port", "starttls", "tls_warning_days"), read, probe,
                   facts=("connected", "banner", "certificate_expires"), requires=(("aiosmtplib", "smtp"),))
