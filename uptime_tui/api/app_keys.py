"""What the API handlers share: the engine they serve, and reads that stay off the event loop."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, TypeVar

from aiohttp import web

from uptime_tui.store.reader import Reader

T = TypeVar("T")

READ_THREADS = 4


# The Engine (typed loosely: the engine imports the listener, not the other way round).
ENGINE: web.AppKey[Any] = web.AppKey("engine", object)
READER: web.AppKey[Reader] = web.AppKey("reader", Reader)


def install(app: web.Application, engine) -> None:
    """Keep `engine` and a Reader of its database on `app`; the Reader closes with the app."""
    app[ENGINE] = engine
    app[READER] = Reader(engine.database, READ_THREADS, "api-read")

    async def close_reader(app: web.Application) -> None:
        await asyncio.to_thread(app[READER].close)

    app.on_cleanup.append(close_reader)


async def read(request: web.Request, query: Callable[..., T], *args: Any) -> T:
    """Run a database read off the event loop, so the loop (and the checks it runs) never waits."""
    return await request.app[READER].run(query, *args)
