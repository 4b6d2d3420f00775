"""The outcome of one check, as every probe reports it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check of one monitor.

    `cause` is human readable ("HTTP 503", "connection refused", "timeout after 10s",
    "keyword 'ok' not found", "certificate expires in 5 days"); it is set on failure and on a
    success that still warrants a warning (`degraded`). Causes never show a URL's credentials.

    `engine_fault` says why a failure is the engine's and not the target's ("the engine ran out
    of file descriptors (Too many open files)"); such a result must not count against the monitor.
    """

    monitor_id: str
    success: bool
    cause: str | None
    response_time: float  # seconds, the whole check
    ttfb_ms: float | None  # time to first byte, where there is one
    status_code: int | None
    region: str
    checked_at: datetime  # when the check started, timezone-aware UTC
    degraded: bool = False  # passed, but slow or a certificate near expiry
    engine_fault: str | None = None  # set only on a failure the engine caused itself
    # With conditions: (passed, what was found) for each, in the order of the config.
    assertions: tuple[tuple[bool, str], ...] | None = None
    certificate_expiry: float | None = None  # the peer certificate's notAfter (Unix time), where one was seen
