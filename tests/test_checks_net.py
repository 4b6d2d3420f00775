"""tcp, dns and tls checks (and https) against real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from datetime import datetime, timedelta, timezone

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from aiohttp import web

from uptime_tui.checks import ProbeClient, run_check
from uptime_tui.config import Monitor

from support.config import monitor as build_monitor

pytestmark = pytest.mark.anyio


def monitor(type: str, **options) -> Monitor:
    """A monitor with a generous timeout, so a loaded machine does not fail the test."""
    options.setdefault("timeout", 5.0)
    return build_monitor(type, id="m1", name="target", **options)


@pytest.fixture
def closed_port() -> int:
    """A port that was just bound and released, so nothing listens there."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- tcp -------------------------------------------------------------------------------------


@pytest.fixture
async def listening_port():
    """A TCP server that accepts and closes."""

    async def hang_up(reader, writer):
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def test_tcp_open_port_passes(listening_port):
    async with ProbeClient() as client:
        result = await run_check(monitor("tcp", host="127.0.0.1", port=listening_port), client, "eu")
    assert result.success and result.cause is None
    assert result.ttfb_ms is not None and result.ttfb_ms >= 0
    assert result.status_code is None


async def test_tcp_closed_port_is_refused(closed_port):
    async with ProbeClient() as client:
        result = await run_check(monitor("tcp", host="127.0.0.1", port=closed_port), client, "eu")
    assert not result.success and result.cause == "connection refused"


# --- dns -------------------------------------------------------------------------------------


class TinyNameserver(asyncio.DatagramProtocol):
    """Answers A queries for the names it knows, NXDOMAIN for any other; or stays silent."""

    def __init__(self, records: dict[str, list[str]], silent: bool = False):
        self.records = records
        self.silent = silent

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        if self.silent:
            return
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        question = query.question[0]
        addresses = self.records.get(question.name.to_text())
        if addresses is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.A:
            response.answer.append(dns.rrset.from_text(question.name, 60, "IN", "A", *addresses))
        self.transport.sendto(response.to_wire(), addr)


async def _start_nameserver(silent: bool = False):
    loop = asyncio.get_running_loop()
    records = {"up.test.": ["10.0.0.1"], "pool.test.": ["10.0.0.1", "10.0.0.2"]}
    transport, _ = await loop.create_datagram_endpoint(
        lambda: TinyNameserver(records, silent), local_addr=("127.0.0.1", 0)
    )
    return transport


@pytest.fixture
async def nameserver():
    """host:port of a tiny DNS server on 127.0.0.1."""
    transport = await _start_nameserver()
    yield "127.0.0.1:%d" % transport.get_extra_info("sockname")[1]
    transport.close()


@pytest.fixture
async def silent_nameserver():
    """host:port of a UDP socket that never answers."""
    transport = await _start_nameserver(silent=True)
    yield "127.0.0.1:%d" % transport.get_extra_info("sockname")[1]
    transport.close()


async def test_dns_system_resolver_uses_hosts():
    async with ProbeClient() as client:
        plain = await run_check(monitor("dns", host="localhost"), client, "eu")
        expected = await run_check(monitor("dns", host="localhost", expected_addresses=("127.0.0.1",)), client, "eu")
        wrong = await run_check(monitor("dns", host="localhost", expected_addresses=("10.0.0.9",)), client, "eu")
    assert plain.success and expected.success
    assert plain.ttfb_ms is None and plain.status_code is None
    assert not wrong.success and wrong.cause == "resolved to 127.0.0.1, expected 10.0.0.9"


async def test_dns_nameserver_answers(nameserver):
    async with ProbeClient() as client:
        plain = await run_check(monitor("dns", host="up.test", nameserver=nameserver), client, "eu")
        right = monitor("dns", host="up.test", nameserver=nameserver, expected_addresses=("10.0.0.1",))
        wrong = monitor("dns", host="up.test", nameserver=nameserver, expected_addresses=("127.0.0.1",))
        right_result = await run_check(right, client, "eu")
        wrong_result = await run_check(wrong, client, "eu")
    assert plain.success and plain.cause is None
    assert right_result.success
    assert not wrong_result.success
    assert wrong_result.cause == "resolved to 10.0.0.1, expected 127.0.0.1"


async def test_dns_unexpected_pool_member_fails(nameserver):
    async with ProbeClient() as client:
        both = monitor("dns", host="pool.test", nameserver=nameserver, expected_addresses=("10.0.0.2", "10.0.0.1"))
        one = monitor("dns", host="pool.test", nameserver=nameserver, expected_addresses=("10.0.0.1",))
        assert (await run_check(both, client, "eu")).success
        result = await run_check(one, client, "eu")
    assert result.cause == "resolved to 10.0.0.1, 10.0.0.2, expected 10.0.0.1"


async def test_dns_no_such_name(nameserver):
    async with ProbeClient() as client:
        result = await run_check(monitor("dns", host="missing.test", nameserver=nameserver), client, "eu")
    assert not result.success and result.cause == "DNS: no such name"


async def test_dns_nameserver_given_by_host_name(nameserver):
    by_name = nameserver.replace("127.0.0.1", "localhost")
    async with ProbeClient() as client:
        result = await run_check(monitor("dns", host="up.test", nameserver=by_name), client, "eu")
    assert result.success, result.cause


async def test_dns_silent_nameserver_times_out(silent_nameserver):
    started = time.monotonic()
    async with ProbeClient() as client:
        silent = monitor("dns", host="up.test", nameserver=silent_nameserver, timeout=1.0)
        result = await run_check(silent, client, "eu")
    assert not result.success and result.cause == "timeout after 1s"
    assert time.monotonic() - started < 1.0 + 2.0


# --- tls and https ---------------------------------------------------------------------------


def _server_context(ca, *names, not_after=None) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*(names or ("127.0.0.1", "localhost")), not_after=not_after).configure_cert(context)
    return context


@pytest.fixture
async def tls_server(ca, failed_handshakes_expected):
    """A factory: start a TLS server with a leaf certificate expiring at `not_after`; its port."""
    servers = []

    async def drain(reader, writer):
        try:
            await reader.read()
        except (OSError, ssl.SSLError):
            pass
        writer.close()

    async def start(*names, not_after=None) -> int:
        context = _server_context(ca, *names, not_after=not_after)
        server = await asyncio.start_server(drain, "127.0.0.1", 0, ssl=context)
        servers.append(server)
        return server.sockets[0].getsockname()[1]

    yield start
    for server in servers:
        server.close()


def _in(days: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(days=days)


async def test_tls_valid_certificate_passes(tls_server, cafile):
    port = await tls_server(not_after=_in(400))
    async with ProbeClient(cafile=cafile) as client:
        result = await run_check(monitor("tls", host="127.0.0.1", port=port), client, "eu")
    assert result.success and not result.degraded and result.cause is None
    # The metrics' certificate expiry: notAfter, which has whole seconds.
    assert abs(result.certificate_expiry - _in(400).timestamp()) <= 2


async def test_tls_expiring_certificate_is_degraded(tls_server, cafile):
    port = await tls_server(not_after=_in(5 + 1 / 24))
    async with ProbeClient(cafile=cafile) as client:
        result = await run_check(monitor("tls", host="127.0.0.1", port=port, tls_warning_days=14), client, "eu")
    assert result.success and result.degraded
    assert result.cause == "certificate expires in 5 days"


async def test_tls_expired_certificate_fails(tls_server, cafile):
    port = await tls_server(not_after=_in(-(3 + 1 / 24)))
    async with ProbeClient(cafile=cafile) as client:
        result = await run_check(monitor("tls", url=f"https://127.0.0.1:{port}/"), client, "eu")
    assert not result.success and result.cause == "certificate expired 3 days ago"


async def test_tls_untrusted_or_mismatched_certificate_fails(tls_server, cafile):
    port = await tls_server(not_after=_in(400))
    other = await tls_server("example.test", not_after=_in(400))
    async with ProbeClient() as untrusting:
        unknown_ca = await run_check(monitor("tls", host="127.0.0.1", port=port), untrusting, "eu")
    async with ProbeClient(cafile=cafile) as client:
        mismatch = await run_check(monitor("tls", host="127.0.0.1", port=other), client, "eu")
    assert not unknown_ca.success and unknown_ca.cause.startswith("TLS error: ")
    assert "issuer" in unknown_ca.cause
    assert not mismatch.success and mismatch.cause.startswith("TLS error: ")
    assert "mismatch" in mismatch.cause


async def test_tls_refused(closed_port):
    async with ProbeClient() as client:
        result = await run_check(monitor("tls", host="127.0.0.1", port=closed_port), client, "eu")
    assert result.cause == "connection refused"


@pytest.fixture
async def https_server(ca, failed_handshakes_expected):
    """A factory: an https server answering /ok with a certificate expiring at `not_after`."""
    runners = []

    async def ok(request):
        return web.Response(text="secure ok")

    async def start(not_after=None) -> str:
        app = web.Application()
        app.router.add_get("/ok", ok)
        runner = web.AppRunner(app, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=_server_context(ca, not_after=not_after))
        await site.start()
        runners.append(runner)
        return f"https://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/ok"

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.mark.parametrize("transport", ["aiohttp", "httpcore"])
async def test_https_checks_trust_the_given_ca(https_server, cafile, transport):
    url = await https_server(not_after=_in(400))
    expired_url = await https_server(not_after=_in(-2))
    async with ProbeClient(cafile=cafile, transport=transport) as client:
        trusted = await run_check(monitor("keyword", url=url, keyword="secure"), client, "eu")
        expired = await run_check(monitor("http", url=expired_url), client, "eu")
    async with ProbeClient(transport=transport) as untrusting:
        unknown_ca = await run_check(monitor("http", url=url), untrusting, "eu")
    assert trusted.success, trusted.cause
    assert expired.cause == "TLS error: certificate has expired"
    assert unknown_ca.cause.startswith("TLS error: ") and "issuer" in unknown_ca.cause
