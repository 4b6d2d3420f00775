"""dns monitors: resolve a name, optionally insist on the addresses it resolves to.

With `nameserver` set, that server is asked directly with dnspython's async resolver (no thread
pool, which can time out falsely under load). Without it the system resolver is used, as every
other program on the machine would, so /etc/hosts and the local search rules apply.

With expected addresses, the check passes when every address the name resolves to (in the
address families that were expected) is one of them: a rotating subset of a pool passes, an
address nobody expected (a hijack, a stale record) fails.

dnspython is imported where a check needs it, not above: config loading reads the spec here.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

from uptime_tui.checks.monitor_type import MonitorType
from uptime_tui.checks.observation import Observation
from uptime_tui.config.urls import hostname
from uptime_tui.config.values import Reader, text, text_list

if TYPE_CHECKING:
    import dns.resolver

    from uptime_tui.checks.client import ProbeClient
    from uptime_tui.config.model import Monitor

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class DnsSpec:
    """The name to resolve, what it must resolve to, and which server to ask."""

    host: str | None  # None only in a config refused for it (or with `host: null`)
    expected_addresses: tuple = ()
    nameserver: str | None = None  # host or host:port; None: the system resolver

    @property
    def target(self) -> str:
        return str(self.host)

    @property
    def payload_type(self) -> str:
        return "dns"


def read(r: Reader, m: dict, path: tuple) -> DnsSpec:
    """A dns monitor's name (required), expected addresses and nameserver."""
    host = r.get(m, path, "host", hostname)
    if host is None and "host" not in m:
        r.problem(path, "'host' (the name to resolve) is required for a dns monitor")
    expected = r.get(m, path, "expected_addresses", text_list, ())
    return DnsSpec(host, expected, r.get(m, path, "nameserver", text))


async def probe(monitor: Monitor, client: ProbeClient, seen: Observation) -> None:
    """Resolve the monitor's host and compare with its expected addresses, if any."""
    spec: DnsSpec = monitor.spec
    if not spec.host:
        seen.failed("no host configured")
        return
    expected = {ipaddress.ip_address(a) for a in spec.expected_addresses}
    versions = {a.version for a in expected} or {4, 6}
    try:
        if spec.nameserver:
            address, server_port = await _nameserver_address(spec.nameserver)
            resolver = client.resolver(address, server_port)
            resolved = await _ask_server(resolver, spec.host, versions, monitor.timeout, want_all=bool(expected))
        else:
            resolved = await _ask_system(spec.host, versions)
    except Exception as exc:
        if rcode := _rcode_of(exc):
            seen.facts["dns.rcode"] = rcode
        raise
    seen.facts["dns.rcode"], seen.facts["body"] = "NOERROR", _listed(resolved)
    if expected and not resolved <= expected:
        seen.failed(f"resolved to {_listed(resolved)}, expected {_listed(expected)}")
    else:
        seen.passed()


async def _ask_system(name: str, versions: set[int]) -> set[Address]:
    """The addresses the system resolver (getaddrinfo) gives, of the wanted IP versions."""
    family = {frozenset({4}): socket.AF_INET, frozenset({6}): socket.AF_INET6}.get(
        frozenset(versions), socket.AF_UNSPEC
    )
    infos = await asyncio.get_running_loop().getaddrinfo(name, None, family=family, type=socket.SOCK_STREAM)
    return {ipaddress.ip_address(info[4][0]) for info in infos}


async def _ask_server(
    resolver: dns.resolver.Resolver, name: str, versions: set[int], timeout: float, want_all: bool
) -> set[Address]:
    """A and/or AAAA answers from one nameserver; without expectations the first answer will do."""
    import dns.resolver

    resolved: set[Address] = set()
    no_answer: dns.resolver.NoAnswer | None = None
    for rdtype in [t for v, t in ((4, "A"), (6, "AAAA")) if v in versions]:
        try:
            answer = await resolver.resolve(name, rdtype, lifetime=timeout, search=False)
        except dns.resolver.NoAnswer as exc:
            no_answer = exc
            continue
        resolved |= {ipaddress.ip_address(record.address) for record in answer}
        if resolved and not want_all:
            break
    if not resolved and no_answer is not None:
        raise no_answer
    return resolved


async def _nameserver_address(nameserver: str) -> tuple[str, int]:
    """(IP, port) from "host", "host:port", "[v6]:port" or a bare IPv6 address."""
    host, server_port = nameserver, 53
    if nameserver.startswith("["):
        host, _, rest = nameserver[1:].partition("]")
        server_port = int(rest[1:]) if rest.startswith(":") else 53
    elif nameserver.count(":") == 1:
        host, _, port_text = nameserver.partition(":")
        server_port = int(port_text)
    try:
        return str(ipaddress.ip_address(host)), server_port
    except ValueError:  # a host name: dnspython wants an address, so look it up once
        infos = await asyncio.get_running_loop().getaddrinfo(host, server_port, type=socket.SOCK_DGRAM)
        return infos[0][4][0], server_port


def _rcode_of(exc: Exception) -> str | None:
    """The response code a failed lookup stands for (for conditions on dns.rcode), when known."""
    import dns.resolver

    if isinstance(exc, dns.resolver.NXDOMAIN) or (
            isinstance(exc, socket.gaierror) and exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", 0))):
        return "NXDOMAIN"
    if isinstance(exc, dns.resolver.NoAnswer):
        return "NOERROR"  # the name exists, without records of the type asked
    if isinstance(exc, dns.resolver.NoNameservers):
        return "SERVFAIL"
    return None


def _listed(addresses: set[Address]) -> str:
    """Addresses sorted (IPv4 first) and comma-separated, for a cause."""
    return ", ".join(str(a) for a in sorted(addresses, key=lambda a: (a.version, a)))


DNS = MonitorType("dns", ("host", "expected_addresses", "nameserver"), read, probe, facts=("dns.rcode", "body"))
