"""The listener: one aiohttp server for the heartbeat pings and the REST API, started by the runtime.

It binds settings.listen (127.0.0.1:8787 unless configured otherwise). Errors of every endpoint
outside the ping handlers' own answers are JSON (api/errors.py). No access log is written: ping
URLs carry heartbeat tokens. A connection must send its request headers within IDLE_TIMEOUT of
opening, or of its last response (aiohttp's keep-alive timeout counts from both), and at most
`max_connections` are open at once (api/connections.py), so idle or slow clients cannot hold
the descriptors the checks need.

With a `console_token`, a console on this host attaches through the same listener: the token
authenticates it (api/auth.py), `identity` says which engine it reached, and the event stream
(api/stream.py) keeps its panes live. Stopping the listener ends open streams first, and waits
at most SHUTDOWN_TIMEOUT for any handler still running.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from uptime_tui.api import app_keys, pings
from uptime_tui.api.connections import ConnectionCap
from uptime_tui.api.errors import json_errors
from uptime_tui.engine.port import EnginePort
from uptime_tui.queries.pool import ReadPool

MAX_REQUEST_BYTES = 1024 * 1024
IDLE_TIMEOUT = 15.0  # seconds: from connecting, or the last response, to a whole request head
MAX_CONNECTIONS = 1000
SHUTDOWN_TIMEOUT = 5.0  # seconds a stop waits for handlers (streams end at once, on their own)


class _NoDetails(logging.Filter):
    """aiohttp logs a request it cannot parse with the parser's message, which quotes the bad
    header line (an Authorization header, say): keep the event, drop the quote and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.msg} ({type(record.exc_info[1]).__name__})"
        record.exc_info = record.exc_text = None
        return True


# The server's own log (malformed requests, broken connections): never a header's content.
server_log = logging.getLogger("uptime_tui.api.server")
server_log.addFilter(_NoDetails())


class Listener:
    """Serves the HTTP endpoints on host:port until stopped."""

    def __init__(self, host: str, port: int, receive_ping: pings.PingHandler,
                 engine: EnginePort | None = None, reads: ReadPool | None = None, *,
                 max_connections: int = MAX_CONNECTIONS, idle_timeout: float = IDLE_TIMEOUT,
                 console_token: str | None = None, identity: dict | None = None):
        """Serve pings to `receive_ping`; with `engine` and the pool its reads run on (`reads`),
        the REST API, the event stream and `/health` too. `console_token` is the console
        credential (none: only API keys authenticate); `identity` the engine's host, pid, kind,
        version, started_at and epoch, as `GET /api/v1/engine` answers it."""
        self.host, self.port = host, port
        self.console_token, self.identity = console_token, identity  # served by the routes below
        self.max_connections, self.idle_timeout = max_connections, idle_timeout
        self.connections = ConnectionCap(max_connections)
        self.app = web.Application(client_max_size=MAX_REQUEST_BYTES,
                                   middlewares=[self.connections.middleware, json_errors])
        self.app[app_keys.CONNECTIONS] = self.connections
        pings.add_routes(self.app, receive_ping)
        if engine is not None:
            from uptime_tui.api import rest

            rest.add_routes(self.app, engine, reads, console_token=console_token, identity=identity)
        self._runner: web.AppRunner | None = None
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        """Bind and serve; with port 0 an ephemeral port is chosen and stored in `port`."""
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False, logger=server_log,
                                     keepalive_timeout=self.idle_timeout,
                                     shutdown_timeout=SHUTDOWN_TIMEOUT)
        await self._runner.setup()
        self.connections.make = self._runner.server
        # Served without aiohttp's TCPSite, which cannot take a protocol factory of our own.
        self._server = await asyncio.get_running_loop().create_server(
            self.connections, self.host, self.port, reuse_address=True, backlog=128)
        if self.port == 0:
            self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
