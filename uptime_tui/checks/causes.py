"""Turn whatever a probe raised into the short cause a person reads ("connection refused").

Transports wrap errors differently (httpx over aiohttp re-labels a server disconnect as a
ConnectTimeout, httpcore wraps anyio's OSError), so the chain is walked from the innermost,
most concrete error outwards and the first one we recognise names the cause.

Running out of file descriptors is the engine's failure, not the target's: `engine_fault` finds it
anywhere in the chain so the engine can leave such a result out of the monitor's record.
"""

from __future__ import annotations

import errno
import os
import socket
import ssl

import dns.exception
import dns.resolver
import httpx

from uptime_tui.checks.client import ClientCertificateError

_ERRNO_CAUSES = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset",
    errno.ECONNABORTED: "connection aborted",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
}
_NO_SUCH_NAME = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}
_OUT_OF_DESCRIPTORS = (errno.EMFILE, errno.ENFILE)
_OUT_OF_DESCRIPTORS_TEXT = "Too many open files"  # what transports that keep no errno still say


def timeout_cause(seconds: float) -> str:
    """The cause of a check that ran out of time: "timeout after 10s"."""
    return f"timeout after {seconds:g}s"


def describe_error(exc: BaseException, timeout: float) -> str:
    """A human-readable cause for an exception raised during a check bounded by `timeout`."""
    chain = _chain(exc)
    for error in reversed(chain):
        cause = _known_cause(error, timeout)
        if cause:
            return cause
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def engine_fault(exc: BaseException) -> str | None:
    """Why a failed check says nothing about its target (the engine ran out of file descriptors),
    or None. Looks at every link: wrapped errors, __cause__ and __context__ alike."""
    for error in _every_link(exc):
        if isinstance(error, OSError) and error.errno in _OUT_OF_DESCRIPTORS:
            return _out_of_descriptors(error.strerror or os.strerror(error.errno))
        if _OUT_OF_DESCRIPTORS_TEXT in str(error):
            return _out_of_descriptors(_OUT_OF_DESCRIPTORS_TEXT)
    return None


def _out_of_descriptors(reason: str) -> str:
    return f"the engine ran out of file descriptors ({reason})"


def _every_link(exc: BaseException) -> list[BaseException]:
    """Every exception reachable from `exc`, outermost first, without cycles."""
    seen: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if any(current is s for s in seen):
            continue
        seen.append(current)
        linked = [_wrapped(current), current.__cause__, current.__context__]
        if isinstance(current, BaseExceptionGroup):
            linked += current.exceptions
        pending += [e for e in linked if e is not None]
    return seen


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps, outermost first, without cycles."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not s for s in seen):
        seen.append(current)
        wrapped = _wrapped(current)
        if wrapped is not None:
            current = wrapped
        elif current.__cause__ is not None:
            current = current.__cause__
        elif not current.__suppress_context__:
            current = current.__context__
        else:
            current = None
    return seen


def _wrapped(exc: BaseException) -> BaseException | None:
    """The error `exc` carries outside __cause__, where transports keep it."""
    if isinstance(exc, BaseExceptionGroup):  # anyio: one failure per address tried
        return exc.exceptions[0]
    # aiohttp keeps the OS or certificate error in attributes; httpcore re-raises its errors
    # `from None` with the original as the first argument.
    for candidate in (getattr(exc, "certificate_error", None), getattr(exc, "os_error", None)):
        if isinstance(candidate, BaseException) and candidate is not exc:
            return candidate
    if exc.args and isinstance(exc.args[0], BaseException) and exc.args[0] is not exc:
        return exc.args[0]
    return None


def _known_cause(exc: BaseException, timeout: float) -> str | None:
    """The cause for one link of the chain, or None when it says nothing specific."""
    if isinstance(exc, ssl.SSLCertVerificationError) and getattr(exc, "verify_message", None):
        return f"TLS error: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError) and getattr(exc, "reason", None):
        return f"TLS error: {exc.reason.lower().replace('_', ' ')}"
    if isinstance(exc, socket.gaierror):
        return "DNS: no such name" if exc.errno in _NO_SUCH_NAME else f"DNS: {exc.strerror}"
    if isinstance(exc, (TimeoutError, httpx.TimeoutException, dns.exception.Timeout)):
        return timeout_cause(timeout)
    if isinstance(exc, OSError) and exc.errno in _OUT_OF_DESCRIPTORS:
        return _out_of_descriptors(exc.strerror or os.strerror(exc.errno))
    if isinstance(exc, OSError) and exc.errno in _ERRNO_CAUSES:
        return _ERRNO_CAUSES[exc.errno]
    return _protocol_cause(exc)


def _protocol_cause(exc: BaseException) -> str | None:
    """Causes from the HTTP and DNS layers."""
    if isinstance(exc, dns.resolver.NXDOMAIN):
        return "DNS: no such name"
    if isinstance(exc, dns.resolver.NoAnswer):
        return "DNS: no answer"
    if isinstance(exc, dns.resolver.NoNameservers):
        return "DNS: no server answered (SERVFAIL or refused)"
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects"
    if isinstance(exc, ClientCertificateError):
        return str(exc)
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return f"invalid URL: {exc}"
    name = type(exc).__name__
    if name == "ServerDisconnectedError" or str(exc).startswith("Server disconnected"):
        return "server disconnected"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.DecodingError)):
        return f"protocol error: {exc}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"connection failed: {exc.strerror}"
    return None
