"""What the API handlers share: the engine they serve, the listener's connection counts, and
reads that stay off the event loop."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, TypeVar

import peewee
from aiohttp import web

from uptime_tui.api.connections import ConnectionCap
from uptime_tui.engine.port import EnginePort
from uptime_tui.store.reader import Reader

T = TypeVar("T")

READ_THREADS = 4


ENGINE: web.AppKey[EnginePort] = web.AppKey("engine", EnginePort)
READER: web.AppKey[Reader] = web.AppKey("reader", Reader)
CONNECTIONS: web.AppKey[ConnectionCap] = web.AppKey("connections", ConnectionCap)


def install(app: web.Application, engine: EnginePort, database: peewee.Database) -> None:
    """Keep `engine` and a Reader of `database` on `app`; the Reader closes with the app."""
    app[ENGINE] = engine
    app[READER] = Reader(database, READ_THREADS, "api-read")

    async def close_reader(app: web.Application) -> None:
        await asyncio.to_thread(app[READER].close)

    app.on_cleanup.append(close_reader)


async def read(request: web.Request, query: Callable[..., T], *args: Any) -> T:
    """Run a database read off the event loop, so the loop (and the checks it runs) never waits."""
    return await request.app[READER].run(query, *args)
