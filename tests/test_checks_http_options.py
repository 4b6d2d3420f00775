"""http settings people configure most, each against a real local server: basic and bearer auth,
ignore_tls, a client certificate (mTLS), ip_family and a proxy."""

from __future__ import annotations

import ssl
import textwrap

import pytest
from aiohttp import web

from uptime_tui.checks import ProbeClient, run_check
from uptime_tui.config import ConfigInvalid, parse_config

pytestmark = pytest.mark.anyio


def monitor(**settings):
    entry = {"id": "api", "type": "http", "timeout": "5s", **settings}
    body = "\n".join(f"    {k}: {v}" for k, v in entry.items())
    return parse_config("monitors:\n  -\n" + body + "\n", "c.yaml", {}).monitors[0]


async def serve(app: web.Application, context: ssl.SSLContext | None = None, host: str = "127.0.0.1"):
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, host, 0, ssl_context=context)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


@pytest.fixture
async def echo():
    """A server that answers with the Authorization header it got and the peer's client certificate."""
    seen: list[web.Request] = []

    async def answer(request):
        seen.append(request)
        peer = request.transport.get_extra_info("peercert")
        return web.json_response({"authorization": request.headers.get("Authorization"), "peer": bool(peer),
                                  "url": str(request.url)})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    yield app, seen


async def test_basic_and_bearer_auth_are_sent(echo):
    app, seen = echo
    runner, port = await serve(app)
    try:
        async with ProbeClient() as client:
            basic = monitor(url=f"http://127.0.0.1:{port}/", basic_auth="{username: probe, password: 's3cret:x'}",
                            conditions="['body.authorization == \"Basic cHJvYmU6czNjcmV0Ong=\"']")
            bearer = monitor(url=f"http://127.0.0.1:{port}/", bearer_token="tok-123",
                             conditions="['body.authorization == \"Bearer tok-123\"']")
            results = [await run_check(m, client, "local") for m in (basic, bearer)]
    finally:
        await runner.cleanup()
    assert [(r.success, r.cause) for r in results] == [(True, None), (True, None)]


def test_auth_settings_are_checked_where_they_are_written():
    with pytest.raises(ConfigInvalid) as refused:
        parse_config(textwrap.dedent("""\
            monitors:
              - id: a
                type: http
                url: http://127.0.0.1:9/
                basic_auth: {username: u}
                bearer_token: t
                ip_family: 5
                client_key: key.pem
                proxy: socks://nowhere
            """), "c.yaml", {})
    found = [(p.line, p.path, p.message) for p in refused.value.problems]
    assert (5, "monitors[0].basic_auth", "give either 'basic_auth' or 'bearer_token', not both") in found
    assert (5, "monitors[0].basic_auth", "'password' is required") in found
    assert (7, "monitors[0].ip_family", "must be 4 or 6, got 5") in found
    assert (8, "monitors[0].client_key", "'client_key' goes with a 'client_cert'") in found
    assert any(line == 9 and path == "monitors[0].proxy" for line, path, _ in found)


async def test_ignore_tls_reaches_a_server_whose_certificate_is_not_trusted(echo, ca):
    app, _ = echo
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)  # signed by a CA the client does not know
    runner, port = await serve(app, context)
    try:
        async with ProbeClient() as client:
            verified = await run_check(monitor(url=f"https://127.0.0.1:{port}/"), client, "local")
            ignored = await run_check(monitor(url=f"https://127.0.0.1:{port}/", ignore_tls="true"), client, "local")
    finally:
        await runner.cleanup()
    assert not verified.success and verified.cause.startswith("TLS error")
    assert (ignored.success, ignored.cause) == (True, None)


async def test_a_client_certificate_opens_a_server_that_requires_one(echo, ca, tmp_path):
    app, seen = echo
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca.configure_trust(context)
    context.verify_mode = ssl.CERT_REQUIRED  # mTLS: no certificate, no connection
    client_cert = ca.issue_cert("probe@example.com")
    cert_file, key_file = tmp_path / "client.pem", tmp_path / "client.key"
    for blob in client_cert.cert_chain_pems:
        with cert_file.open("ab") as file:
            file.write(blob.bytes())
    client_cert.private_key_pem.write_to_path(str(key_file))
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    runner, port = await serve(app, context)
    url = f"https://127.0.0.1:{port}/"
    try:
        async with ProbeClient(cafile=cafile) as client:
            without = await run_check(monitor(url=url), client, "local")
            with_cert = await run_check(monitor(url=url, client_cert=str(cert_file), client_key=str(key_file),
                                                conditions="['body.peer == true']"), client, "local")
            missing = await run_check(monitor(url=url, client_cert=str(tmp_path / "nope.pem")), client, "local")
    finally:
        await runner.cleanup()
    assert not without.success
    assert (with_cert.success, with_cert.cause) == (True, None)
    assert not missing.success and missing.cause.startswith(f"cannot load the client certificate {tmp_path}/nope.pem")


async def test_ip_family_chooses_the_address_family(echo):
    app, _ = echo
    runner, port = await serve(app, host="127.0.0.1")
    try:
        async with ProbeClient() as client:
            four = await run_check(monitor(url=f"http://127.0.0.1:{port}/", ip_family=4), client, "local")
            six = await run_check(monitor(url=f"http://127.0.0.1:{port}/", ip_family=6), client, "local")
    finally:
        await runner.cleanup()
    assert (four.success, four.cause) == (True, None)
    assert not six.success  # an IPv4 address cannot be reached over IPv6


async def test_a_proxy_carries_the_request(echo):
    """The proxy here is a plain HTTP server that answers the absolute-form request it receives."""
    app, seen = echo
    runner, port = await serve(app)
    try:
        async with ProbeClient() as client:
            # The target port is closed: only through the proxy does the check pass.
            result = await run_check(monitor(url="http://service.invalid:9/health", proxy=f"http://127.0.0.1:{port}"),
                                     client, "local")
    finally:
        await runner.cleanup()
    assert (result.success, result.cause) == (True, None)
    assert [str(r.url) for r in seen] == ["http://service.invalid:9/health"]
