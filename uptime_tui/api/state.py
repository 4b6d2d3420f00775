"""What the API handlers share: the engine they serve, and reads that stay off the event loop."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, TypeVar

from aiohttp import web

T = TypeVar("T")

# The Engine (typed loosely: the engine imports the listener, not the other way round).
ENGINE: web.AppKey[Any] = web.AppKey("engine", object)


async def read(request: web.Request, query: Callable[..., T], *args: Any) -> T:
    """Run a database read on a worker thread, in a connection of its own, closed afterwards.

    Peewee keeps one connection per thread, so the loop (and the checks it runs) never waits on
    the database, and no connection is left open in the executor when the engine stops.
    """
    database = request.app[ENGINE].database

    def run() -> T:
        with database.connection_context():
            return query(*args)

    return await asyncio.to_thread(run)
