"""tcp checks: a connection opened and closed; its connect time is the time to first byte."""

from __future__ import annotations

import asyncio
import time

from uptime_tui.checks.observation import Observation
from uptime_tui.config import Monitor


async def check_tcp(monitor: Monitor, seen: Observation) -> None:
    """Open a TCP connection to host:port and close it again."""
    if not monitor.host or not monitor.port:
        seen.failed("no host and port configured")
        return
    started = time.perf_counter()
    _, writer = await asyncio.open_connection(monitor.host, monitor.port)
    seen.ttfb_ms = (time.perf_counter() - started) * 1000
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass  # the peer reset on close: the port was open, which is what was asked
    seen.passed()
