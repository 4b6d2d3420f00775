"""tcp monitors: a connection opened and closed; its connect time is the time to first byte."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from uptime_tui.checks.monitor_type import MonitorType
from uptime_tui.checks.observation import Observation
from uptime_tui.config.urls import hostname
from uptime_tui.config.values import Reader, port

if TYPE_CHECKING:
    from uptime_tui.checks.client import ProbeClient
    from uptime_tui.config.model import Monitor


@dataclass(frozen=True)
class TcpSpec:
    """The host and port a connection is opened to."""

    host: str | None  # None only in a config refused for it (or with `host: null`)
    port: int | None

    @property
    def target(self) -> str:
        return f"{self.host}:{self.port}" if self.port else str(self.host)

    @property
    def payload_type(self) -> str:
        return "tcp"


def read(r: Reader, m: dict, path: tuple) -> TcpSpec:
    """A tcp monitor's host and port, both required."""
    host, tcp_port = r.get(m, path, "host", hostname), r.get(m, path, "port", port)
    if (host is None or tcp_port is None) and not ("host" in m and "port" in m):
        r.problem(path, "'host' and 'port' are required for a tcp monitor")
    return TcpSpec(host, tcp_port)


async def probe(monitor: Monitor, client: ProbeClient, seen: Observation) -> None:
    """Open a TCP connection to host:port and close it again."""
    spec: TcpSpec = monitor.spec
    if not spec.host or not spec.port:
        seen.failed("no host and port configured")
        return
    started = time.perf_counter()
    _, writer = await asyncio.open_connection(spec.host, spec.port)
    seen.ttfb_ms = (time.perf_counter() - started) * 1000
    seen.facts["connected"] = True
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass  # the peer reset on close: the port was open, which is what was asked
    seen.passed()


TCP = MonitorType("tcp", ("host", "port"), read, probe, facts=("connected",))
