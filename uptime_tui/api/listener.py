"""The listener: one aiohttp server for the heartbeat pings and the REST API, started by the engine.

It binds settings.listen (127.0.0.1:8787 unless configured otherwise). Errors of every endpoint
outside the ping handlers' own answers are JSON (api/errors.py). No access log is written: ping
URLs carry heartbeat tokens.
"""

from __future__ import annotations

from aiohttp import web

from uptime_tui.api import pings
from uptime_tui.api.errors import json_errors

MAX_REQUEST_BYTES = 1024 * 1024


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
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
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
