"""What the API handlers share: the engine they serve, the listener's connection counts, the
console credential and the engine's identity, and reads that stay off the event loop."""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from aiohttp import web

from uptime_tui.api.connections import ConnectionCap
from uptime_tui.engine.port import EnginePort
from uptime_tui.queries.pool import ReadPool

T = TypeVar("T")


ENGINE: web.AppKey[EnginePort] = web.AppKey("engine", EnginePort)
READER: web.AppKey[ReadPool] = web.AppKey("reader", object)
CONNECTIONS: web.AppKey[ConnectionCap] = web.AppKey("connections", ConnectionCap)
CONSOLE_TOKEN: web.AppKey[str] = web.AppKey("console_token", str)  # absent: no console may attach
IDENTITY: web.AppKey[dict] = web.AppKey("identity", dict)  # host, pid, kind, version, started_at, epoch


def install(app: web.Application, engine: EnginePort, reads: ReadPool, *,
            console_token: str | None = None, identity: dict | None = None) -> None:
    """Keep `engine` and the pool its reads run on (the runtime's, which closes it) on `app`, with
    the console credential and the engine's identity when given."""
    app[ENGINE] = engine
    app[READER] = reads
    if console_token:
        app[CONSOLE_TOKEN] = console_token
    app[IDENTITY] = dict(identity or {})


async def read(request: web.Request, query: Callable[..., T], *args: Any) -> T:
    """Run a database read off the event loop, so the loop (and the checks it runs) never waits."""
    return await request.app[READER].run(query, *args)
