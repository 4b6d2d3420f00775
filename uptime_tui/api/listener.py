"""The listener: one aiohttp server for the heartbeat pings and the REST API, started by the engine.

It binds settings.listen (127.0.0.1:8787 unless configured otherwise). Errors of every endpoint
outside the ping handlers' own answers are JSON (api/errors.py). No access log is written: ping
URLs carry heartbeat tokens.
"""

from __future__ import annotations

import logging

from aiohttp import web

from uptime_tui.api import pings
from uptime_tui.api.errors import json_errors

MAX_REQUEST_BYTES = 1024 * 1024


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

    def __init__(self, host: str, port: int, receive_ping: pings.PingHandler, engine=None):
        """Serve pings to `receive_ping`; with `engine`, the REST API for that engine too."""
        self.host, self.port = host, port
        self.app = web.Application(client_max_size=MAX_REQUEST_BYTES, middlewares=[json_errors])
        pings.add_routes(self.app, receive_ping)
        if engine is not None:
            from uptime_tui.api import rest  # the API imports the engine's facade lazily

            rest.add_routes(self.app, engine)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Bind and serve; with port 0 an ephemeral port is chosen and stored in `port`."""
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False, logger=server_log)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            self.port = site._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
