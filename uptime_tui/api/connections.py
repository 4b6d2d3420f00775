"""A cap on the listener's open connections.

aiohttp has no limit of its own: every accepted connection holds a descriptor until the client
leaves or the keep-alive timeout ends it, so a client could hold enough of them to leave the
checks none. At the cap, a new connection takes the place of the oldest one that is not in the
middle of a request (an idle keep-alive, or a client that never finished its request head): so
a flood of idle connections cannot lock pings and API calls out until its connections time out.
Only when every open connection is busy is the new one dropped at once (its descriptor is free
again immediately). One warning a minute says how many were evicted and dropped.

A connection whose handler runs is busy for as long as it runs: an event stream's connection is
never evicted as idle. The cap also tells such a long handler when its client has gone
(`until_lost`), which aiohttp does not (it cancels no handler on a lost connection).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Callable

from aiohttp import web

log = logging.getLogger(__name__)

WARN_EVERY = 60.0


class ConnectionCap:
    """A protocol factory that hands out `make()`'s protocols while fewer than `limit` are open.

    `middleware` must be on the application, so the cap knows which connections are busy.
    """

    def __init__(self, limit: int, make: Callable[[], asyncio.Protocol] | None = None):
        self.make, self.limit = make, limit
        self.refused = 0  # dropped at once: every open connection was busy
        self.evicted = 0  # closed to make room for a new one
        self._open: dict[_Counted, None] = {}  # oldest first
        self._by_transport: dict[asyncio.BaseTransport, _Counted] = {}
        self._warned_at = -WARN_EVERY
        self._said = (0, 0)

    @property
    def open(self) -> int:
        """Connections open now."""
        return len(self._open)

    def __call__(self) -> asyncio.Protocol:
        if len(self._open) >= self.limit:
            idle = next((c for c in self._open if not c.busy and c.transport is not None), None)
            if idle is None:
                self.refused += 1
                self._warn()
                return _Dropped()
            self.evicted += 1
            self._warn()
            idle.evict()
        counted = _Counted(self.make(), self)
        self._open[counted] = None
        return counted

    @web.middleware
    async def middleware(self, request: web.Request, handler):
        """Mark the request's connection busy while its handler runs."""
        counted = self._by_transport.get(request.transport)
        if counted is not None:
            counted.busy += 1
        try:
            return await handler(request)
        finally:
            if counted is not None:
                counted.busy -= 1

    def until_lost(self, transport: asyncio.BaseTransport | None) -> asyncio.Future:
        """A future done when the connection of `transport` ends (at once if it has)."""
        counted = self._by_transport.get(transport) if transport is not None else None
        if counted is None:
            lost = asyncio.get_running_loop().create_future()
            lost.set_result(None)
            return lost
        return counted.lost()

    def _gone(self, counted: _Counted) -> None:
        self._open.pop(counted, None)
        self._by_transport.pop(counted.transport, None)

    def _warn(self) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY:
            log.warning("listener: %d connections open, its limit; %d idle ones closed and %d new ones "
                        "dropped since the last warning", len(self._open), self.evicted - self._said[0],
                        self.refused - self._said[1])
            self._warned_at, self._said = now, (self.evicted, self.refused)


class _Dropped(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.abort()


class _Counted(asyncio.Protocol):
    """Forwards everything to the real protocol; gives its place back when the connection ends."""

    def __init__(self, inner: asyncio.Protocol, cap: ConnectionCap):
        self.inner, self.cap = inner, cap
        self.transport: asyncio.BaseTransport | None = None
        self.busy = 0  # requests being handled
        self._lost: asyncio.Future | None = None  # made when a handler asks
        self._ended = False

    def lost(self) -> asyncio.Future:
        """A future done once this connection has ended."""
        if self._lost is None:
            self._lost = asyncio.get_running_loop().create_future()
            if self._ended:
                self._lost.set_result(None)
        return self._lost

    def evict(self) -> None:
        """Close this connection now to make room (it is not in a request)."""
        self.cap._gone(self)
        if self.transport is not None:
            self.transport.abort()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.cap._by_transport[transport] = self
        self.inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.cap._gone(self)
        self._ended = True
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(None)
        self.inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()
