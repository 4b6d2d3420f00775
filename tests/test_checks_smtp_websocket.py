"""smtp and websocket checks against real servers on 127.0.0.1, configured as the YAML writes them."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
import trustme

from uptime_tui.checks import ProbeClient, run_check
from uptime_tui.config import ConfigInvalid, parse_config

from support.net_servers import server_context, smtp_server, websocket_server
from support.network import free_port

pytestmark = pytest.mark.anyio


def monitor(yaml_entry: str):
    """The one monitor of a config holding `yaml_entry` (a flow mapping), with a 5s timeout."""
    config = parse_config(f"monitors:\n  - {{id: m, timeout: 5s, {yaml_entry}}}\n", "c.yaml")
    return config.monitors[0]


async def check(yaml_entry: str, cafile=None):
    async with ProbeClient(cafile=cafile) as client:
        return await run_check(monitor(yaml_entry), client, "eu")


# --- smtp ------------------------------------------------------------------------------------


async def test_smtp_banner_then_starttls_and_the_certificate(ca, cafile):
    with smtp_server(server_context(ca, "localhost")) as port:
        result = await check(f"type: smtp, host: localhost, port: {port},"
                             " conditions: ['banner contains uptime-tui-test', 'certificate_expires > 30d']",
                             cafile=cafile)
    assert result.success and result.cause is None, result.cause
    assert [ok for ok, _ in result.assertions] == [True, True]
    assert result.certificate_expiry is not None


async def test_smtp_certificate_close_to_expiry_is_degraded_and_an_expired_one_fails(ca, cafile):
    soon, past = (datetime.now(timezone.utc) + timedelta(days=d) for d in (5, -2))
    with smtp_server(server_context(ca, "localhost", not_after=soon)) as port:
        warned = await check(f"type: smtp, host: localhost, port: {port}, tls_warning_days: 7", cafile=cafile)
    with smtp_server(server_context(ca, "localhost", not_after=past)) as port:
        expired = await check(f"type: smtp, host: localhost, port: {port}", cafile=cafile)
    assert warned.success and warned.degraded and warned.cause == "certificate expires in 4 days"
    assert not expired.success and expired.cause == "certificate expired 2 days ago"


async def test_smtp_untrusted_certificate_fails(ca):
    with smtp_server(server_context(ca, "localhost")) as port:
        result = await check(f"type: smtp, host: localhost, port: {port}")
    assert not result.success and result.cause.startswith("TLS error: "), result.cause


async def test_smtp_without_starttls_fails_unless_not_required():
    with smtp_server() as port:
        required = await check(f"type: smtp, host: 127.0.0.1, port: {port}")
        greeting = await check(f"type: smtp, host: 127.0.0.1, port: {port}, starttls: false,"
                               " conditions: ['banner matches \"^220 mail.test ESMTP\"']")
    assert not required.success
    assert required.cause.startswith("the server does not offer STARTTLS")
    assert greeting.success and greeting.assertions == ((True, '"220 mail.test ESMTP uptime-tui-test"'),)


async def test_smtp_refusing_greeting_and_a_hang_up_after_it():
    async def greet(reader, writer, line: bytes):
        writer.write(line)
        await writer.drain()
        await reader.readline()  # EHLO, left unanswered
        writer.close()

    refusing = await asyncio.start_server(lambda r, w: greet(r, w, b"554 no service here\r\n"), "127.0.0.1", 0)
    hanging = await asyncio.start_server(lambda r, w: greet(r, w, b"220 mail.test ESMTP\r\n"), "127.0.0.1", 0)
    async with refusing, hanging:
        refused = await check(f"type: smtp, host: 127.0.0.1, port: {refusing.sockets[0].getsockname()[1]}")
        hung_up = await check(f"type: smtp, host: 127.0.0.1, port: {hanging.sockets[0].getsockname()[1]}")
    assert not refused.success and refused.cause == "SMTP 554 no service here"
    assert not hung_up.success and hung_up.cause.startswith("server disconnected: "), hung_up.cause


async def test_smtp_refused_port():
    result = await check(f"type: smtp, host: 127.0.0.1, port: {free_port()}")
    assert not result.success and result.cause == "connection refused"


def test_smtp_target_and_defaults():
    spec = monitor("type: smtp, host: mail").spec
    assert (monitor("type: smtp, host: mail").target, spec.port, spec.starttls) == ("smtp mail:25", 25, True)
    with pytest.raises(ConfigInvalid) as refused:
        parse_config("monitors:\n  - {id: m, type: smtp, port: 25, starttls: yes please}\n", "c.yaml")
    assert [(p.line, p.column, p.message) for p in refused.value.problems] == [
        (2, 5, "'host' is required for an smtp monitor"), (2, 45, "expected true or false, got 'yes please'")]


# --- websocket -------------------------------------------------------------------------------


async def test_websocket_upgrade_and_reply():
    async with websocket_server() as (port, headers):
        upgraded = await check(f'type: websocket, url: "ws://127.0.0.1:{port}/ws", headers: {{X-Probe: "yes"}}')
        replied = await check(f'type: websocket, url: "ws://127.0.0.1:{port}/ws", send: ping,'
                              " conditions: ['message == \"pong\"']")
        echoed = await check(f'type: websocket, url: "ws://127.0.0.1:{port}/ws", send: hello,'
                             " conditions: ['message == \"pong\"']")
    assert upgraded.success and upgraded.cause is None
    assert headers[0]["X-Probe"] == "yes"
    assert replied.success and replied.assertions == ((True, '"pong"'),)
    assert not echoed.success and echoed.cause == 'message is "hello", expected "pong"'


async def test_websocket_refused_upgrade_and_a_close_before_the_reply():
    async with websocket_server() as (port, _):
        missing = await check(f'type: websocket, url: "ws://127.0.0.1:{port}/nowhere"')
        hung_up = await check(f'type: websocket, url: "ws://127.0.0.1:{port}/hangup", send: ping')
    assert not missing.success and missing.cause == "upgrade refused: 404"
    assert not hung_up.success and hung_up.cause == "closed before a reply (code 1011)"


async def test_websocket_refused_port():
    result = await check(f'type: websocket, url: "ws://127.0.0.1:{free_port()}/ws"')
    assert not result.success and result.cause == "connection refused"


async def test_websocket_over_tls_verifies_unless_ignore_tls(ca, cafile, failed_handshakes_expected):
    stranger = server_context(trustme.CA(), "127.0.0.1")
    async with websocket_server(server_context(ca, "127.0.0.1")) as (port, _):
        trusted = await check(f'type: websocket, url: "wss://127.0.0.1:{port}/ws", send: ping', cafile=cafile)
    async with websocket_server(stranger) as (port, _):
        untrusted = await check(f'type: websocket, url: "wss://127.0.0.1:{port}/ws"', cafile=cafile)
        ignored = await check(f'type: websocket, url: "wss://127.0.0.1:{port}/ws", ignore_tls: true', cafile=cafile)
    assert trusted.success, trusted.cause
    assert not untrusted.success and untrusted.cause.startswith("TLS error: "), untrusted.cause
    assert ignored.success, ignored.cause


def test_websocket_target_and_url_problems():
    assert monitor('type: websocket, url: "wss://live.example/socket"').target == "wss://live.example/socket"
    with pytest.raises(ConfigInvalid) as refused:
        parse_config('monitors:\n  - {id: m, type: websocket, url: "https://live.example/"}\n', "c.yaml")
    [problem] = refused.value.problems
    assert (problem.line, problem.column) == (2, 35)
    assert problem.message == "expected a ws:// or wss:// URL with a host, got 'https://live.example/'"
