"""Unit tests of the probes' pure parts: body search, certificate dates, causes, parsing."""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import socket
import ssl
import time

import aiohttp
import dns.resolver
import httpx
import pytest

from uptime_tui.checks import CheckResult, ProbeClient, registry, run_check
from uptime_tui.checks.causes import describe_error, engine_fault, timeout_cause
from uptime_tui.checks.dns import _nameserver_address
from uptime_tui.checks.http import body_contains, status_accepted
from uptime_tui.checks.observation import Observation
from uptime_tui.checks.tls import DAY, judge_certificate
from support.config import monitor


class Chunks(httpx.AsyncByteStream):
    """A response body arriving in exactly these pieces."""

    def __init__(self, *chunks: bytes):
        self.chunks = chunks

    async def __aiter__(self):
        for chunk in self.chunks:
            yield chunk


def _response(*chunks: bytes) -> httpx.Response:
    return httpx.Response(200, stream=Chunks(*chunks))


@pytest.mark.anyio
@pytest.mark.parametrize(
    "chunks, needle, limit, found",
    [
        ((b"abcNE", b"EDLEx"), b"NEEDLE", 100, True),  # split across two chunks
        ((b"N", b"E", b"E", b"D", b"L", b"E"), b"NEEDLE", 100, True),  # one byte at a time
        ((b"xxN", b"EEDL", b"E"), b"NEEDLE", 100, True),
        ((b"NEED", b"xLE"), b"NEEDLE", 100, False),
        ((b"." * 10, b"NEEDLE"), b"NEEDLE", 12, False),  # beyond the bound
        ((b"." * 10, b"NEEDLE"), b"NEEDLE", 16, True),  # ends exactly at the bound
        ((b"ab", b"c"), b"c", 100, True),  # one-byte needle keeps no tail
        ((b"ab",), b"", 100, True),
    ],
)
async def test_body_contains(chunks, needle, limit, found):
    assert await body_contains(_response(*chunks), needle, limit) is found


def test_status_accepted_ranges():
    assert status_accepted(204, ((200, 299),))
    assert status_accepted(503, ((200, 299), (500, 503)))
    assert not status_accepted(404, ((200, 399),))


def _certificate(not_before: float, not_after: float) -> dict:
    """The dates of a certificate as `getpeercert()` gives them."""
    fmt = "%b %d %H:%M:%S %Y GMT"
    return {"notBefore": time.strftime(fmt, time.gmtime(not_before)), "notAfter": time.strftime(fmt, time.gmtime(not_after))}


@pytest.mark.parametrize(
    "after_days, success, degraded, cause",
    [
        (400, True, False, None),
        (14.5, True, False, None),
        (13.5, True, True, "certificate expires in 13 days"),
        (1.5, True, True, "certificate expires in 1 day"),
        (0.5, True, True, "certificate expires today"),
        (-0.5, False, False, "certificate expired today"),
        (-1.5, False, False, "certificate expired 1 day ago"),
        (-30.2, False, False, "certificate expired 30 days ago"),
    ],
)
def test_judge_certificate(after_days, success, degraded, cause):
    now = 1_800_000_000.0
    seen = Observation()
    judge_certificate(_certificate(now - 90 * DAY, now + after_days * DAY), now, 14, seen)
    assert (seen.success, seen.degraded, seen.cause) == (success, degraded, cause)


def test_judge_certificate_not_yet_valid():
    now = 1_800_000_000.0
    seen = Observation()
    judge_certificate(_certificate(now + DAY, now + 90 * DAY), now, 14, seen)
    assert not seen.success and seen.cause.startswith("certificate not valid before 2027-")


def _raised(outer_type, inner: BaseException) -> BaseException:
    """`outer_type` raised from `inner`, as transports wrap their errors."""
    try:
        try:
            raise inner
        except BaseException as exc:
            raise outer_type("wrapped") from exc
    except BaseException as outer:
        return outer


def _ssl_error(reason: str) -> ssl.SSLError:
    error = ssl.SSLError(1, f"[SSL: {reason}] ...")
    error.reason = reason  # as OpenSSL's errors carry it
    return error


@pytest.mark.parametrize(
    "exc, cause",
    [
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "connection refused"),
        (TimeoutError(), "timeout after 2.5s"),
        (_raised(httpx.ReadTimeout, TimeoutError()), "timeout after 2.5s"),
        # httpx-aiohttp labels a disconnect as ConnectTimeout: the inner error tells the truth
        (_raised(httpx.ConnectTimeout, aiohttp.ServerDisconnectedError()), "server disconnected"),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), "server disconnected"),
        (_raised(httpx.ConnectError, socket.gaierror(socket.EAI_NONAME, "Name or service not known")), "DNS: no such name"),
        (_raised(httpx.ConnectError, ExceptionGroup("all", [ConnectionRefusedError(errno.ECONNREFUSED, "no")])), "connection refused"),
        (httpx.ConnectError(OSError(errno.ECONNRESET, "reset")), "connection reset"),
        (_ssl_error("WRONG_VERSION_NUMBER"), "TLS error: wrong version number"),
        (dns.resolver.NoAnswer(), "DNS: no answer"),
        (httpx.TooManyRedirects("loop"), "too many redirects"),
        (ValueError("odd"), "ValueError: odd"),
        (RuntimeError(), "RuntimeError"),
    ],
)
def test_describe_error(exc, cause):
    assert describe_error(exc, 2.5) == cause


def test_timeout_cause_formats_seconds_with_g():
    assert timeout_cause(10.0) == "timeout after 10s"
    assert timeout_cause(0.5) == "timeout after 0.5s"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "text, address",
    [
        ("10.0.0.53", ("10.0.0.53", 53)),
        ("10.0.0.53:5353", ("10.0.0.53", 5353)),
        ("::1", ("::1", 53)),
        ("[::1]:5353", ("::1", 5353)),
        ("localhost:5300", ("127.0.0.1", 5300)),
    ],
)
async def test_nameserver_address(text, address):
    assert await _nameserver_address(text) == address


@pytest.mark.anyio
async def test_unknown_type_fails_without_raising():
    async with ProbeClient() as client:
        result = await run_check(monitor("gopher"), client, "eu")
    assert not result.success and result.cause == "unknown monitor type 'gopher'"


def test_closed_probe_client_says_so():
    with pytest.raises(RuntimeError, match="not open"):
        ProbeClient().http


# --- failures that are the engine's, not the target's ----------------------------------------------

OUT_OF_FDS = "the engine ran out of file descriptors (Too many open files)"


def _during(outer: BaseException, inner: BaseException) -> BaseException:
    """`outer` raised while handling `inner`: linked by __context__ only."""
    try:
        try:
            raise inner
        except BaseException:
            raise outer
    except BaseException as raised:
        return raised


@pytest.mark.parametrize(
    "exc, fault",
    [
        (OSError(errno.EMFILE, "Too many open files"), OUT_OF_FDS),
        (_raised(httpx.ConnectError, OSError(errno.ENFILE, "Too many open files in system")),
         "the engine ran out of file descriptors (Too many open files in system)"),
        (_during(RuntimeError("cleanup failed"), OSError(errno.EMFILE, "Too many open files")), OUT_OF_FDS),
        (httpx.ConnectError("[Errno 24] Too many open files"), OUT_OF_FDS),  # a transport's text only
        (_raised(httpx.ConnectError, ExceptionGroup("all", [OSError(errno.EMFILE, "x")])),
         "the engine ran out of file descriptors (x)"),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), None),
        (TimeoutError(), None),
    ],
)
def test_engine_fault_is_found_anywhere_in_the_chain(exc, fault):
    assert engine_fault(exc) == fault


def test_check_result_engine_fault_defaults_to_none_and_stays_frozen():
    result = CheckResult("m", True, None, 0.1, 5.0, 200, "eu", None)
    assert result.engine_fault is None
    assert not hasattr(result, "__dict__")  # slots
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.engine_fault = "x"


@pytest.mark.anyio
@pytest.mark.parametrize("error, cause, fault", [
    (OSError(errno.EMFILE, "Too many open files"), OUT_OF_FDS, OUT_OF_FDS),  # the engine's own
    (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "connection refused", None),
])
async def test_running_out_of_file_descriptors_is_an_engine_fault(monkeypatch, error, cause, fault):
    async def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(asyncio, "open_connection", failing)
    async with ProbeClient() as client:
        result = await run_check(monitor("tcp", host="127.0.0.1", port=9), client, "eu")
    assert (result.success, result.cause, result.engine_fault) == (False, cause, fault)


# --- causes never show a URL's credentials ------------------------------------------------------

@pytest.mark.anyio
async def test_a_cause_quoting_the_url_shows_none_of_its_secrets(monkeypatch):
    url = "https://probe:hunter2-secret@api.example.test/health?api_key=key-in-query-123&region=eu"

    async def quoting_the_url(monitor, client, seen):
        raise RuntimeError(f"cannot fetch {monitor.spec.url}; server said: bad password hunter2-secret")

    monkeypatch.setitem(registry.TYPES, "http", dataclasses.replace(registry.TYPES["http"], probe=quoting_the_url))
    async with ProbeClient() as client:
        result = await run_check(monitor("http", url=url), client, "eu")
    assert result.cause == ("RuntimeError: cannot fetch https://****@api.example.test/health?api_key=****&region=eu;"
                            " server said: bad password ****")
