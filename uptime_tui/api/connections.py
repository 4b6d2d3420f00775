"""A cap on the listener's open connections.

aiohttp has no limit of its own: every accepted connection holds a descriptor until the client
leaves or the keep-alive timeout ends it, so a client could hold enough of them to leave the
checks none. Past the cap a new connection is accepted and dropped at once (its descriptor is
free again immediately), with one warning a minute saying how many were refused.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Callable

log = logging.getLogger(__name__)

WARN_EVERY = 60.0


class ConnectionCap:
    """A protocol factory that hands out `make()`'s protocols while fewer than `limit` are open."""

    def __init__(self, make: Callable[[], asyncio.Protocol], limit: int):
        self.make, self.limit = make, limit
        self.open = 0
        self.refused = 0
        self._warned_at = -WARN_EVERY
        self._refused_at_warning = 0

    def __call__(self) -> asyncio.Protocol:
        if self.open >= self.limit:
            self.refused += 1
            now = time.monotonic()
            if now - self._warned_at >= WARN_EVERY:
                log.warning("listener: %d connections open, its limit; dropping new ones (%d dropped "
                            "since the last warning)", self.open, self.refused - self._refused_at_warning)
                self._warned_at, self._refused_at_warning = now, self.refused
            return _Dropped()
        self.open += 1
        return _Counted(self.make(), self)


class _Dropped(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.abort()


class _Counted(asyncio.Protocol):
    """Forwards everything to the real protocol; gives its place back when the connection ends."""

    def __init__(self, inner: asyncio.Protocol, cap: ConnectionCap):
        self.inner, self.cap, self._counted = inner, cap, True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._counted:
            self._counted = False
            self.cap.open -= 1
        self.inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()
