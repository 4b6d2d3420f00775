"""ping monitors: `count` ICMP echoes; down when more than `max_loss` percent go unanswered.

icmplib sends the echoes. As root it opens a raw socket; otherwise a datagram ("unprivileged")
socket, which Linux allows only to groups in net.ipv4.ping_group_range. Each way is tried when
the other is refused (root without CAP_NET_RAW in a container, a user with the capability), and
when both are refused the cause says what to change.

The echoes go 0.2 s apart and each waits for its reply a share of the monitor's timeout, so a
check of ten unanswered echoes still ends inside it (run_check's timeout bounds it anyway). The
facts are `loss` (percent) and `rtt` (the mean round trip, seconds; known when a reply came); the
mean is also the time to first byte.

icmplib is imported where a check needs it, not above: config loading reads the spec here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from uptime_tui.checks.monitor_type import MonitorType
from uptime_tui.config import limits
from uptime_tui.config.urls import hostname
from uptime_tui.config.values import Reader, integer

if TYPE_CHECKING:
    from uptime_tui.checks.client import ProbeClient
    from uptime_tui.checks.observation import Observation
    from uptime_tui.config.model import Monitor

INTERVAL = 0.2  # seconds between echoes
MAX_WAIT = 2.0  # seconds an echo waits for its reply at most (icmplib's default)
PERMISSION_CAUSE = ("ICMP needs permission: allow unprivileged ping with"
                    ' sysctl net.ipv4.ping_group_range="0 2147483647" or run as root')


@dataclass(frozen=True)
class PingSpec:
    """The host echoed, how many echoes a check sends and how many may be lost."""

    host: str | None  # None only in a config refused for it (or with `host: null`)
    count: int = 3
    max_loss: int = 50  # percent

    @property
    def target(self) -> str:
        return f"ping {self.host}"

    @property
    def payload_type(self) -> str:
        return "ping"


def read(r: Reader, m: dict, path: tuple) -> PingSpec:
    """A ping monitor's host (required), count and max_loss."""
    host = r.get(m, path, "host", hostname)
    if host is None and "host" not in m:
        r.problem(path, "'host' is required for a ping monitor")
    return PingSpec(host, r.get(m, path, "count", integer(*limits.PING_COUNT), 3),
                    r.get(m, path, "max_loss", integer(*limits.PING_MAX_LOSS), 50))


async def probe(monitor: Monitor, client: ProbeClient, seen: Observation) -> None:
    """Echo the host `count` times; judge the share lost."""
    spec: PingSpec = monitor.spec
    if not spec.host:
        seen.failed("no host configured")
        return
    wait = min(MAX_WAIT, max(0.05, (monitor.timeout * 0.9 - INTERVAL * (spec.count - 1)) / spec.count))
    host = await _echo(spec.host, spec.count, wait)
    if isinstance(host, str):
        seen.failed(host)
        return
    received = len(host.rtts)
    lost = spec.count - received
    loss = 100.0 * lost / spec.count
    seen.facts["loss"] = loss
    if received:
        seen.facts["rtt"] = host.avg_rtt / 1000
        seen.ttfb_ms = host.avg_rtt
    if loss > spec.max_loss:
        seen.failed(f"{lost} of {spec.count} packets lost ({loss:.0f}%)")
    else:
        seen.passed()


async def _echo(address: str, count: int, wait: float):
    """icmplib's Host for `count` echoes, or the cause when none could be sent."""
    from icmplib import NameLookupError, SocketPermissionError, async_ping

    first = os.geteuid() == 0 if hasattr(os, "geteuid") else False
    for privileged in (first, not first):
        try:
            return await async_ping(address, count=count, interval=INTERVAL, timeout=wait,
                                    privileged=privileged)
        except (SocketPermissionError, PermissionError):
            continue
        except NameLookupError:
            return "DNS: no such name"
    return PERMISSION_CAUSE


PING = MonitorType("ping", ("host", "count", "max_loss"), read, probe, facts=("loss", "rtt"))
