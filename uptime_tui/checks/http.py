"""http and keyword monitors: one request, its status against accepted ranges, optionally a keyword.

A keyword monitor is an http monitor that also reads the body, so both live here: the keyword
spec extends the http one and the probe is shared (a separate module would repeat the request).

A plain http check never downloads the body: the stream is closed once the headers are in. A
keyword check reads at most MAX_KEYWORD_BYTES, so a multi-gigabyte response costs 1 MiB. Redirects
are followed here rather than by httpx, which would read every redirect's body in full.

Credentials in the URL (`https://user:pass@host/`) are taken out of it and sent as a basic
`Authorization` header: the aiohttp transport refuses a URL with credentials beside the header
httpx derives from them. Set on the request, the header follows a redirect to the same origin and
is dropped by httpx on one to another.

httpx is imported where a check needs it, not above: config loading reads the specs here.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from uptime_tui.checks.monitor_type import MonitorType
from uptime_tui.checks.observation import Observation
from uptime_tui.config.urls import http_url
from uptime_tui.config.values import Reader, boolean, one_of, status_ranges, text, text_mapping

if TYPE_CHECKING:
    import httpx

    from uptime_tui.checks.client import ProbeClient
    from uptime_tui.config.model import Monitor

MAX_KEYWORD_BYTES = 1024 * 1024
MAX_REDIRECTS = 20
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


@dataclass(frozen=True)
class HttpSpec:
    """The request an http monitor sends and the statuses it accepts."""

    url: str | None  # None only in a config refused for it
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    body: str | None = None
    accepted_status: tuple = ((200, 399),)  # inclusive (low, high) ranges
    follow_redirects: bool = True

    @property
    def target(self) -> str:
        return self.url

    @property
    def payload_type(self) -> str:
        return "status"  # Better Stack's name: up when the status code is accepted


@dataclass(frozen=True)
class KeywordSpec(HttpSpec):
    """An http request whose body must contain the keyword (or, with keyword_absent, must not)."""

    keyword: str | None = None
    keyword_absent: bool = False

    @property
    def payload_type(self) -> str:
        return "keyword_absence" if self.keyword_absent else "keyword"


HTTP_KEYS = ("url", "method", "headers", "body", "accepted_status", "follow_redirects")
KEYWORD_KEYS = HTTP_KEYS + ("keyword", "keyword_absent")


def read_http(r: Reader, m: dict, path: tuple) -> HttpSpec:
    """An http monitor's request settings."""
    return HttpSpec(**_request_settings(r, m, path, "http"))


def read_keyword(r: Reader, m: dict, path: tuple) -> KeywordSpec:
    """A keyword monitor's request settings and keyword."""
    settings = _request_settings(r, m, path, "keyword")
    if "keyword" not in m:
        r.problem(path, "'keyword' is required for a keyword monitor")
    return KeywordSpec(**settings, keyword=r.get(m, path, "keyword", text),
                       keyword_absent=r.get(m, path, "keyword_absent", boolean, False))


def _request_settings(r: Reader, m: dict, path: tuple, kind: str) -> dict:
    url = r.get(m, path, "url", http_url)
    if url is None and "url" not in m:  # a refused URL was reported where it is
        r.problem(path, f"'url' is required for a {kind} monitor")
    return {
        "url": url,
        "method": r.get(m, path, "method", lambda v: one_of(*HTTP_METHODS)(text(v).upper()), "GET"),
        "headers": r.get(m, path, "headers", text_mapping, {}),
        "body": r.get(m, path, "body", text),
        "accepted_status": r.get(m, path, "accepted_status", status_ranges, ((200, 399),)),
        "follow_redirects": r.get(m, path, "follow_redirects", boolean, True),
    }


def status_accepted(status: int, accepted: tuple) -> bool:
    """Whether `status` falls in one of the inclusive (low, high) ranges."""
    return any(low <= status <= high for low, high in accepted)


async def probe(monitor: Monitor, client: ProbeClient, seen: Observation) -> None:
    """Send the monitor's request; judge status (and keyword, for keyword monitors)."""
    spec: HttpSpec = monitor.spec
    if not spec.url:
        seen.failed("no URL configured")
        return
    http = client.http
    started = time.perf_counter()
    url, authorization = request_target(spec.url)
    request = http.build_request(
        spec.method,
        url,
        headers=spec.headers,
        content=spec.body.encode() if spec.body is not None else None,
        timeout=monitor.timeout,
    )
    # A real check opens a fresh connection each time; say so, so no pool keeps it idle.
    request.headers.setdefault("Connection", "close")
    if authorization is not None:
        request.headers.setdefault("Authorization", authorization)  # a configured header wins
    response = await _send_following(http, request, spec.follow_redirects)
    try:
        seen.ttfb_ms = (time.perf_counter() - started) * 1000
        seen.status_code = response.status_code
        if not status_accepted(response.status_code, spec.accepted_status):
            seen.failed(f"HTTP {response.status_code}")
        elif isinstance(spec, KeywordSpec):
            await _judge_keyword(spec, response, seen)
        else:
            seen.passed()
    finally:
        await response.aclose()


async def _send_following(http: httpx.AsyncClient, request: httpx.Request, follow: bool) -> httpx.Response:
    """Send, following redirects ourselves: httpx would read each redirect's whole body."""
    import httpx

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
    import httpx

    parsed = httpx.URL(url)
    if not parsed.userinfo:
        return parsed, None
    userpass = f"{parsed.username}:{parsed.password}".encode()
    return parsed.copy_with(userinfo=b""), "Basic " + base64.b64encode(userpass).decode("ascii")


async def _judge_keyword(spec: KeywordSpec, response: httpx.Response, seen: Observation) -> None:
    """Pass when the keyword is present (or absent, with keyword_absent)."""
    keyword = spec.keyword or ""
    found = await body_contains(response, _encode(keyword, response.charset_encoding))
    if found == spec.keyword_absent:
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


HTTP = MonitorType("http", HTTP_KEYS, read_http, probe)
KEYWORD = MonitorType("keyword", KEYWORD_KEYS, read_keyword, probe)
