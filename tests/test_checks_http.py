"""http and keyword checks against a real aiohttp server on 127.0.0.1, over both transports."""

from __future__ import annotations

import asyncio
import base64
import socket
import time
from datetime import datetime, timezone

import pytest
from aiohttp import web

from uptime_tui.checks import MAX_KEYWORD_BYTES, ProbeClient, run_check
from uptime_tui.config import Monitor

from support.config import monitor as build_monitor

pytestmark = pytest.mark.anyio

CHUNK = 64 * 1024
ENDLESS_LIMIT = 2 * 1024**3  # "endless": far more than a bounded reader may ever take
STOP = web.AppKey("stop", asyncio.Event)
SENT = web.AppKey("sent", dict)
# The credentials /private wants; in a URL they are percent-encoded (PRIVATE_USERINFO).
PRIVATE_USER, PRIVATE_PASSWORD = "probe", "p@ss:w0rd"
PRIVATE_USERINFO = "probe:p%40ss%3Aw0rd"


def monitor(url: str, **options) -> Monitor:
    """An http monitor with a generous timeout, so a loaded machine does not fail the test."""
    options.setdefault("timeout", 5.0)
    return build_monitor(options.pop("type", "http"), id="m1", name="target", url=url, **options)


async def _ok(request: web.Request) -> web.Response:
    return web.Response(text="all ok here")


async def _status(request: web.Request) -> web.Response:
    return web.Response(status=int(request.match_info["code"]), text="status page")


async def _redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound("/ok")


async def _loop(request: web.Request) -> web.Response:
    raise web.HTTPFound("/loop")


async def _redirect_with_endless_body(request: web.Request) -> web.StreamResponse:
    return await _endless(request, web.StreamResponse(status=302, headers={"Location": "/ok"}))


async def _private(request: web.Request) -> web.Response:
    """200 with the right basic credentials, 401 otherwise."""
    expected = base64.b64encode(f"{PRIVATE_USER}:{PRIVATE_PASSWORD}".encode()).decode()
    if request.headers.get("Authorization") != f"Basic {expected}":
        return web.Response(status=401, headers={"WWW-Authenticate": 'Basic realm="test"'})
    return web.Response(text="private ok")


async def _to_private(request: web.Request) -> web.Response:
    raise web.HTTPFound("/private")


async def _to_other_host(request: web.Request) -> web.Response:
    """A redirect to the same server under another name: another origin to httpx."""
    raise web.HTTPFound(f"http://localhost:{request.url.port}/private")


async def _echo(request: web.Request) -> web.Response:
    body = await request.text()
    return web.Response(text=f"{request.method} {request.headers.get('X-Probe', '-')} {body}")


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(0.6)
    return web.Response(text="late but fine")


async def _hang(request: web.Request) -> web.Response:
    # Bounded by the fixture's stop event, so tearing the server down never waits on it.
    await asyncio.wait_for(request.app[STOP].wait(), 30)
    return web.Response(text="too late")


async def _endless(request: web.Request, response: web.StreamResponse | None = None) -> web.StreamResponse:
    """Filler without the keyword, at most ENDLESS_LIMIT bytes: only a bounded read returns."""
    response = response or web.StreamResponse()
    await response.prepare(request)
    filler = b"." * CHUNK
    sent = 0
    try:
        while sent < ENDLESS_LIMIT and not request.app[STOP].is_set():
            await response.write(filler)
            sent += len(filler)
            request.app[SENT][request.path] = sent
    except (ConnectionError, RuntimeError):
        pass  # the client hung up once it had read enough: the point of the test
    return response


async def _needle_at(request: web.Request) -> web.StreamResponse:
    """'NEEDLE' at a byte offset, split over two writes with a pause, then more filler."""
    offset = int(request.match_info["offset"])
    response = web.StreamResponse()
    await response.prepare(request)
    try:
        remaining = offset
        while remaining > 0:
            step = min(CHUNK, remaining)
            await response.write(b"." * step)
            remaining -= step
        await response.write(b"NEE")
        await asyncio.sleep(0.05)  # let the halves travel as separate chunks
        await response.write(b"DLE")
        for _ in range(64):
            await response.write(b"." * CHUNK)
    except (ConnectionError, RuntimeError):
        pass
    return response


@pytest.fixture
async def server():
    """Base URL of a test server; its app state holds the stop event and bytes sent per path."""
    app = web.Application()
    app[STOP] = asyncio.Event()
    app[SENT] = {}
    app.router.add_get("/ok", _ok)
    app.router.add_get("/status/{code}", _status)
    app.router.add_get("/redirect", _redirect)
    app.router.add_get("/loop", _loop)
    app.router.add_get("/redirect-endless", _redirect_with_endless_body)
    app.router.add_route("*", "/echo", _echo)
    app.router.add_get("/slow", _slow)
    app.router.add_get("/hang", _hang)
    app.router.add_get("/endless", _endless)
    app.router.add_get("/needle/{offset}", _needle_at)
    app.router.add_get("/private", _private)
    app.router.add_get("/to-private", _to_private)
    app.router.add_get("/to-other-host", _to_other_host)
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield app, f"http://127.0.0.1:{port}"
    app[STOP].set()
    await runner.cleanup()


@pytest.fixture(params=["aiohttp", "httpcore"])
async def client(request):
    """A ProbeClient over each transport: the causes must not depend on which one is used."""
    async with ProbeClient(transport=request.param) as probe_client:
        yield probe_client


@pytest.fixture
def closed_port() -> int:
    """A port that was just bound and released, so nothing listens there."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_200_passes_with_timings(server, client):
    _, base = server
    before = datetime.now(timezone.utc)
    result = await run_check(monitor(f"{base}/ok"), client, "eu")
    assert result.success and result.cause is None and not result.degraded
    assert result.status_code == 200
    assert result.monitor_id == "m1" and result.region == "eu"
    assert before <= result.checked_at <= datetime.now(timezone.utc)
    assert result.checked_at.tzinfo is not None
    assert 0 < result.ttfb_ms <= result.response_time * 1000


async def test_503_fails_with_status_cause(server, client):
    _, base = server
    result = await run_check(monitor(f"{base}/status/503"), client, "eu")
    assert not result.success
    assert result.cause == "HTTP 503"
    assert result.status_code == 503


async def test_accepted_ranges_decide(server, client):
    _, base = server
    accepting = monitor(f"{base}/status/503", accepted_status=((200, 204), (500, 503)))
    assert (await run_check(accepting, client, "eu")).success
    narrow = monitor(f"{base}/status/204", accepted_status=((200, 200),))
    assert (await run_check(narrow, client, "eu")).cause == "HTTP 204"


async def test_redirect_followed_or_not(server, client):
    _, base = server
    followed = await run_check(monitor(f"{base}/redirect"), client, "eu")
    assert followed.success and followed.status_code == 200
    strict = monitor(f"{base}/redirect", follow_redirects=False, accepted_status=((200, 299),))
    not_followed = await run_check(strict, client, "eu")
    assert not not_followed.success
    assert (not_followed.status_code, not_followed.cause) == (302, "HTTP 302")


async def test_redirect_loop_is_cut_short(server, client):
    _, base = server
    result = await run_check(monitor(f"{base}/loop"), client, "eu")
    assert not result.success and result.cause == "too many redirects"


async def test_redirect_body_is_not_downloaded(server, client):
    app, base = server
    result = await run_check(monitor(f"{base}/redirect-endless"), client, "eu")
    assert result.success and result.status_code == 200
    await asyncio.sleep(0.2)
    assert app[SENT]["/redirect-endless"] < 64 * 1024**2


async def test_method_headers_and_body_are_sent(server, client):
    _, base = server
    posting = monitor(
        f"{base}/echo", type="keyword", method="POST", headers={"X-Probe": "yes"},
        body="payload-42", keyword="POST yes payload-42",
    )
    result = await run_check(posting, client, "eu")
    assert result.success, result.cause


async def test_connection_refused(closed_port, client):
    result = await run_check(monitor(f"http://127.0.0.1:{closed_port}/"), client, "eu")
    assert not result.success
    assert result.cause == "connection refused"
    assert result.status_code is None


async def test_hanging_server_times_out_within_the_bound(server, client):
    _, base = server
    started = time.monotonic()
    result = await run_check(monitor(f"{base}/hang", timeout=1.0), client, "eu")
    elapsed = time.monotonic() - started
    assert not result.success
    assert result.cause == "timeout after 1s"
    assert elapsed < 1.0 + 2.0  # the whole check is bounded, not just one stage of it


async def test_slow_answer_is_degraded(server, client):
    _, base = server
    result = await run_check(monitor(f"{base}/slow", degraded_after=0.3), client, "eu")
    assert result.success and result.degraded
    assert result.cause.startswith("slow response: ")
    assert result.cause.endswith("s (threshold 0.3s)")
    fast_enough = await run_check(monitor(f"{base}/ok", degraded_after=4.0), client, "eu")
    assert fast_enough.success and not fast_enough.degraded and fast_enough.cause is None


async def test_plain_check_does_not_download_the_body(server, client):
    app, base = server
    result = await run_check(monitor(f"{base}/endless"), client, "eu")
    assert result.success and result.cause is None
    await asyncio.sleep(0.2)  # let the server notice the hang-up
    assert app[SENT].get("/endless", 0) < 64 * 1024**2


async def test_keyword_search_stops_after_the_bounded_read(server, client):
    app, base = server
    result = await run_check(monitor(f"{base}/endless", type="keyword", keyword="ok"), client, "eu")
    assert not result.success
    assert result.cause == "keyword 'ok' not found"  # not a timeout: the read was bounded
    assert result.status_code == 200
    await asyncio.sleep(0.2)
    assert app[SENT]["/endless"] < 64 * 1024**2


async def test_keyword_split_across_chunks_is_found(server, client):
    _, base = server
    offset = MAX_KEYWORD_BYTES // 2 + 5  # well past the first chunk, inside the bound
    found = await run_check(monitor(f"{base}/needle/{offset}", type="keyword", keyword="NEEDLE"), client, "eu")
    assert found.success, found.cause


async def test_keyword_beyond_the_bound_is_not_found(server, client):
    _, base = server
    far = monitor(f"{base}/needle/{MAX_KEYWORD_BYTES + 10}", type="keyword", keyword="NEEDLE")
    result = await run_check(far, client, "eu")
    assert result.cause == "keyword 'NEEDLE' not found"


async def test_keyword_absent(server, client):
    _, base = server
    clean = monitor(f"{base}/ok", type="keyword", keyword="error", keyword_absent=True)
    assert (await run_check(clean, client, "eu")).success
    dirty = monitor(f"{base}/ok", type="keyword", keyword="ok", keyword_absent=True)
    result = await run_check(dirty, client, "eu")
    assert not result.success and result.cause == "keyword 'ok' found"


async def test_keyword_present_and_missing(server, client):
    _, base = server
    assert (await run_check(monitor(f"{base}/ok", type="keyword", keyword="ok"), client, "eu")).success
    missing = await run_check(monitor(f"{base}/ok", type="keyword", keyword="down"), client, "eu")
    assert missing.cause == "keyword 'down' not found"


async def test_bad_urls_fail_without_raising(client):
    result = await run_check(monitor("ftp://127.0.0.1/file"), client, "eu")
    assert not result.success and result.cause.startswith("invalid URL")
    missing = await run_check(monitor(None), client, "eu")
    assert missing.cause == "no URL configured"


async def test_many_concurrent_checks_share_one_client(server, client):
    _, base = server
    results = await asyncio.gather(*(run_check(monitor(f"{base}/ok"), client, "eu") for _ in range(100)))
    assert all(r.success for r in results)


# --- credentials in the URL ----------------------------------------------------------------------

def with_userinfo(base: str, userinfo: str) -> str:
    return base.replace("http://", f"http://{userinfo}@", 1)


async def test_credentials_in_the_url_are_sent_as_basic_auth(server, client):
    _, base = server
    result = await run_check(monitor(f"{with_userinfo(base, PRIVATE_USERINFO)}/private"), client, "eu")
    assert result.success and result.status_code == 200, result.cause
    keyword = monitor(f"{with_userinfo(base, PRIVATE_USERINFO)}/private", type="keyword", keyword="private ok")
    assert (await run_check(keyword, client, "eu")).success


async def test_wrong_or_missing_credentials_are_the_targets_401(server, client):
    _, base = server
    wrong = await run_check(monitor(f"{with_userinfo(base, 'probe:wrong-password')}/private"), client, "eu")
    assert (wrong.success, wrong.cause) == (False, "HTTP 401")
    missing = await run_check(monitor(f"{base}/private"), client, "eu")
    assert (missing.success, missing.cause) == (False, "HTTP 401")


async def test_a_configured_authorization_header_wins_over_url_credentials(server, client):
    _, base = server
    header = "Basic " + base64.b64encode(f"{PRIVATE_USER}:{PRIVATE_PASSWORD}".encode()).decode()
    both = monitor(f"{with_userinfo(base, 'someone:else')}/private", headers={"Authorization": header})
    result = await run_check(both, client, "eu")
    assert result.success, result.cause


async def test_url_credentials_follow_a_redirect_to_the_same_origin_only(server, client):
    _, base = server
    same = await run_check(monitor(f"{with_userinfo(base, PRIVATE_USERINFO)}/to-private"), client, "eu")
    assert same.success and same.status_code == 200, same.cause
    other = await run_check(monitor(f"{with_userinfo(base, PRIVATE_USERINFO)}/to-other-host"), client, "eu")
    assert (other.success, other.cause) == (False, "HTTP 401")  # never handed to another host

