"""run_check: the one entry point; finds the probe by monitor type, bounds it, never raises.

The whole check (name lookup, connect, handshake, request, body) runs under one asyncio timeout
of `monitor.timeout`, so no stage can stretch a check past it; every exception becomes a failed
result with a cause a person can read, with the target's credentials masked (an exception message
may quote the URL). A failure the engine caused itself comes back with `engine_fault` set.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone

from uptime_tui.checks.assertions import failures, judge
from uptime_tui.checks.causes import describe_error, engine_fault
from uptime_tui.checks.client import ProbeClient
from uptime_tui.checks.observation import Observation
from uptime_tui.checks.registry import TYPES
from uptime_tui.config import Monitor
from uptime_tui.redaction import redact_text
from uptime_tui.results import CheckResult


async def run_check(monitor: Monitor, client: ProbeClient, region: str) -> CheckResult:
    """Check one monitor once; failures come back as results, never as exceptions."""
    checked_at = datetime.now(timezone.utc)
    started = time.perf_counter()
    seen = Observation()
    fault = None
    try:
        async with asyncio.timeout(monitor.timeout):
            await _probe(monitor, client, seen)
    except Exception as exc:  # noqa: BLE001 - a check reports; cancellation still propagates
        fault = engine_fault(exc)
        seen.failed(fault or redact_text(describe_error(exc, monitor.timeout), monitor.target))
    elapsed = time.perf_counter() - started
    assertions = _judge_conditions(monitor, seen, elapsed) if monitor.conditions and fault is None else None
    threshold = monitor.degraded_after
    if seen.success and not seen.degraded and threshold is not None and elapsed > threshold:
        seen.passed(f"slow response: {elapsed:.3g}s (threshold {threshold:g}s)")
    return CheckResult(
        monitor_id=monitor.id,
        success=seen.success,
        cause=seen.cause,
        response_time=elapsed,
        ttfb_ms=seen.ttfb_ms,
        status_code=seen.status_code,
        region=region,
        checked_at=checked_at,
        degraded=seen.degraded,
        engine_fault=fault,
        assertions=assertions,
        certificate_expiry=_expiry(seen.facts.get("certificate_expires")),
    )


def _expiry(remaining: float | None) -> float | None:
    """When the certificate expires, from the seconds it had left when seen."""
    return None if remaining is None else round(time.time() + remaining)


def _judge_conditions(monitor: Monitor, seen: Observation, elapsed: float) -> tuple:
    """Judge every condition, even after a failure (the console shows each one's last outcome);
    a check its type passed fails when one does not hold, naming each that did not."""
    seen.facts["response_time"] = elapsed
    outcomes = judge(monitor.conditions, seen.facts)
    failed = failures(monitor.conditions, outcomes)
    if seen.success and failed:
        seen.failed(redact_text("; ".join(failed), monitor.target))
    return outcomes


async def _probe(monitor: Monitor, client: ProbeClient, seen: Observation) -> None:
    """Run the probe of the monitor's type, writing what it finds into `seen`."""
    monitor_type = TYPES.get(monitor.type)
    if monitor_type is None:
        seen.failed(f"unknown monitor type {monitor.type!r}")
        return
    await monitor_type.probe(monitor, client, seen)
