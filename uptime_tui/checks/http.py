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

`basic_auth` and `bearer_token` set that header the same way. A monitor that connects its own way
(`ignore_tls`, a client certificate, one IP family, a proxy) gets a client of its own from the
ProbeClient, shared by every monitor with the same `Connection`; the rest share one client.

With conditions, the check records its facts (status, headers, and the body's first MiB when a
condition reads it) for `checks.assertions` to judge.

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
from uptime_tui.config.values import Reader, boolean, described, one_of, shown, status_ranges, text, text_mapping

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
    basic_auth: tuple[str, str] | None = field(default=None, repr=False)  # (username, password)
    bearer_token: str | None = field(default=None, repr=False)
    connection: Connection | None = None  # TLS, family or proxy of its own; None: the shared client

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


@dataclass(frozen=True)
class Connection:
    """How a monitor's requests connect when not as every other's: one client per distinct set."""

    ignore_tls: bool = False
    client_cert: str | None = None  # PEM file (mTLS); with the key in it unless client_key is given
    client_key: str | None = None
    ip_family: int | None = None  # 4 or 6; None: whichever the name resolves to
    proxy: str | None = None


CONNECTION_KEYS = ("ignore_tls", "client_cert", "client_key", "ip_family", "proxy")
HTTP_KEYS = ("url", "method", "headers", "body", "accepted_status", "follow_redirects", "basic_auth",
             "bearer_token") + CONNECTION_KEYS
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
        "method": r.get(m, path, "method", one_of(*HTTP_METHODS, uppercase=True), "GET"),
        "headers": r.get(m, path, "headers", text_mapping, {}),
        "body": r.get(m, path, "body", text),
        "accepted_status": r.get(m, path, "accepted_status", status_ranges, ((200, 399),)),
        "follow_redirects": r.get(m, path, "follow_redirects", boolean, True),
        "basic_auth": _basic_auth(r, m, path),
        "bearer_token": r.get(m, path, "bearer_token", text),
        "connection": _connection(r, m, path),
    }


def _basic_auth(r: Reader, m: dict, path: tuple) -> tuple[str, str] | None:
    if m.get("basic_auth") is None:
        return None
    if "bearer_token" in m:
        r.problem(path + ("basic_auth",), "give either 'basic_auth' or 'bearer_token', not both")
    auth_path = path + ("basic_auth",)
    auth = r.mapping(m["basic_auth"], auth_path, ("username", "password"), required=("username", "password"))
    if auth is None:
        return None
    return r.get(auth, auth_path, "username", text, ""), r.get(auth, auth_path, "password", text, "")


@described({"enum": [4, 6]})
def ip_family(value) -> int:
    """4 or 6: connect over IPv4 or IPv6 only."""
    if value not in (4, 6) or isinstance(value, bool):
        raise ValueError(f"must be 4 or 6, got {shown(value)}")
    return value


def _connection(r: Reader, m: dict, path: tuple) -> Connection | None:
    if "client_key" in m and "client_cert" not in m:
        r.problem(path + ("client_key",), "'client_key' goes with a 'client_cert'")
    connection = Connection(
        ignore_tls=r.get(m, path, "ignore_tls", boolean, False),
        client_cert=r.get(m, path, "client_cert", text),
        client_key=r.get(m, path, "client_key", text),
        ip_family=r.get(m, path, "ip_family", ip_family),
        proxy=r.get(m, path, "proxy", http_url),
    )
    return connection if connection != Connection() else None


def status_accepted(status: int, accepted: tuple) -> bool:
    """Whether `status` falls in one of the inclusive (low, high) ranges."""
    return any(low <= status <= high for low, high in accepted)


async def probe(monitor: Monitor, client: ProbeClient, seen: Observation) -> None:
    """Send the monitor's request; judge status (and keyword, for keyword monitors)."""
    spec: HttpSpec = monitor.spec
    if not spec.url:
        seen.failed("no URL configured")
        return
    http = client.http_for(spec.connection) if spec.connection else client.http
    started = time.perf_counter()
    url, authorization = request_target(spec.url)
    if spec.basic_auth is not None:
        authorization = basic_authorization(*spec.basic_auth)
    elif spec.bearer_token is not None:
        authorization = f"Bearer {spec.bearer_token}"
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
        seen.facts["connected"], seen.facts["status"] = True, response.status_code
        if monitor.conditions:
            seen.facts["header"] = {k.lower(): v for k, v in response.headers.items()}
            if any(c.fact == "body" for c in monitor.conditions):
                seen.facts["body"] = await _read_text(response)
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
    return parsed.copy_with(userinfo=b""), basic_authorization(parsed.username, parsed.password)


def basic_authorization(username: str, password: str) -> str:
    """The `Authorization` value of basic auth."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


async def _read_text(response: httpx.Response, limit: int = MAX_KEYWORD_BYTES) -> str:
    """The first `limit` bytes of the (decoded) body as text, for conditions on it."""
    content = bytearray()
    async for chunk in response.aiter_bytes():
        content += chunk[: limit - len(content)]
        if len(content) >= limit:
            break
    try:
        return content.decode(response.charset_encoding or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return content.decode("utf-8", errors="replace")


async def _judge_keyword(spec: KeywordSpec, response: httpx.Response, seen: Observation) -> None:
    """Pass when the keyword is present (or absent, with keyword_absent)."""
    keyword = spec.keyword or ""
    if "body" in seen.facts:  # already read for a condition: the stream is spent
        found = keyword in seen.facts["body"]
    else:
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


HTTP_FACTS = ("connected", "status", "header", "body")
HTTP = MonitorType("http", HTTP_KEYS, read_http, probe, facts=HTTP_FACTS)
KEYWORD = MonitorType("keyword", KEYWORD_KEYS, read_keyword, probe, facts=HTTP_FACTS)
