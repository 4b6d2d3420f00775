"""http and keyword checks: one request, status against accepted ranges, optionally a keyword.

A plain http check never downloads the body: the stream is closed once the headers are in. A
keyword check reads at most MAX_KEYWORD_BYTES, so a multi-gigabyte response costs 1 MiB. Redirects
are followed here rather than by httpx, which would read every redirect's body in full.

Credentials in the URL (`https://user:pass@host/`) are taken out of it and sent as a basic
`Authorization` header: the aiohttp transport refuses a URL with credentials beside the header
httpx derives from them. Set on the request, the header follows a redirect to the same origin and
is dropped by httpx on one to another.
"""

from __future__ import annotations

import base64
import time
from functools import lru_cache

import httpx

from uptime_tui.checks.observation import Observation
from uptime_tui.config import Monitor

MAX_KEYWORD_BYTES = 1024 * 1024
MAX_REDIRECTS = 20


def status_accepted(status: int, accepted: tuple) -> bool:
    """Whether `status` falls in one of the inclusive (low, high) ranges."""
    return any(low <= status <= high for low, high in accepted)


async def check_http(monitor: Monitor, http: httpx.AsyncClient, seen: Observation) -> None:
    """Send the monitor's request; judge status (and keyword, for keyword monitors)."""
    if not monitor.url:
        seen.failed("no URL configured")
        return
    started = time.perf_counter()
    url, authorization = request_target(monitor.url)
    request = http.build_request(
        monitor.method,
        url,
        headers=monitor.headers,
        content=monitor.body.encode() if monitor.body is not None else None,
        timeout=monitor.timeout,
    )
    # A real check opens a fresh connection each time; say so, so no pool keeps it idle.
    request.headers.setdefault("Connection", "close")
    if authorization is not None:
        request.headers.setdefault("Authorization", authorization)  # a configured header wins
    response = await _send_following(http, request, monitor.follow_redirects)
    try:
        seen.ttfb_ms = (time.perf_counter() - started) * 1000
        seen.status_code = response.status_code
        if not status_accepted(response.status_code, monitor.accepted_status):
            seen.failed(f"HTTP {response.status_code}")
        elif monitor.type == "keyword":
            await _judge_keyword(monitor, response, seen)
        else:
            seen.passed()
    finally:
        await response.aclose()


async def _send_following(http: httpx.AsyncClient, request: httpx.Request, follow: bool) -> httpx.Response:
    """Send, following redirects ourselves: httpx would read each redirect's whole body."""
    response = await http.send(request, stream=True, follow_redirects=False)
    hops = 0
    while follow and response.next_request is not None:
        await response.aclose()
        hops += 1
        if hops > MAX_REDIRECTS:
            raise httpx.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects", request=request)
        response = await http.send(response.next_request, stream=True, follow_redirects=False)
    return response


@lru_cache(maxsize=4096)
def request_target(url: str) -> tuple[httpx.URL, str | None]:
    """The monitor's URL without its credentials, and the basic `Authorization` value they make
    (None without any); parsed once, not on every check (httpx.URL is immutable)."""
    parsed = httpx.URL(url)
    if not parsed.userinfo:
        return parsed, None
    userpass = f"{parsed.username}:{parsed.password}".encode()
    return parsed.copy_with(userinfo=b""), "Basic " + base64.b64encode(userpass).decode("ascii")


async def _judge_keyword(monitor: Monitor, response: httpx.Response, seen: Observation) -> None:
    """Pass when the keyword is present (or absent, with keyword_absent)."""
    keyword = monitor.keyword or ""
    found = await body_contains(response, _encode(keyword, response.charset_encoding))
    if found == monitor.keyword_absent:
        seen.failed(f"keyword {keyword!r} {'found' if found else 'not found'}")
    else:
        seen.passed()


async def body_contains(response: httpx.Response, needle: bytes, limit: int = MAX_KEYWORD_BYTES) -> bool:
    """Whether `needle` occurs in the first `limit` bytes of the (decoded) body, read as a stream."""
    if not needle:
        return True
    overlap = len(needle) - 1  # a match may straddle two chunks: keep this many bytes back
    tail, read = b"", 0
    async for chunk in response.aiter_bytes():
        chunk = chunk[: limit - read]
        read += len(chunk)
        window = tail + chunk
        if needle in window:
            return True
        tail = window[-overlap:] if overlap else b""
        if read >= limit:
            break
    return False


def _encode(keyword: str, charset: str | None) -> bytes:
    """The keyword in the page's declared charset, UTF-8 when none or it cannot be encoded."""
    try:
        return keyword.encode(charset or "utf-8")
    except (LookupError, UnicodeEncodeError):
        return keyword.encode("utf-8")
