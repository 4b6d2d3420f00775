"""What the API handlers share: the engine they serve, and reads that stay off the event loop."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

import peewee
from aiohttp import web

T = TypeVar("T")

READ_THREADS = 4


class Reader:
    """Database reads on a few threads of the API's own, each keeping one connection.

    Peewee keeps a connection per thread; opening one per request costs ~10 ms on PostgreSQL,
    so these threads keep theirs until the listener stops. A connection the server dropped
    (a restart, an idle timeout) is replaced once and the read retried.
    """

    def __init__(self, database: peewee.Database, threads: int = READ_THREADS):
        self.database, self.threads = database, threads
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="api-read")

    async def run(self, query: Callable[..., T], *args: Any) -> T:
        """`query(*args)` on a reader thread."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._run, query, args)

    def _run(self, query: Callable[..., T], args: tuple) -> T:
        for attempt in range(2):
            self.database.connect(reuse_if_open=True)
            try:
                return query(*args)
            except (peewee.InterfaceError, peewee.OperationalError):
                self.database.close()
                if attempt:
                    raise
            except Exception:
                self.database.close()  # whatever state it is in, the next read starts clean
                raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close every thread's connection and stop the threads (blocks: call off the loop)."""
        barrier = threading.Barrier(self.threads)

        def close_own() -> None:
            try:
                barrier.wait(timeout=5)  # one task per thread: each waits until all are placed
            except threading.BrokenBarrierError:
                pass
            if not self.database.is_closed():
                self.database.close()

        for _ in range(self.threads):
            self._pool.submit(close_own)
        self._pool.shutdown(wait=True)


# The Engine (typed loosely: the engine imports the listener, not the other way round).
ENGINE: web.AppKey[Any] = web.AppKey("engine", object)
READER: web.AppKey[Reader] = web.AppKey("reader", Reader)


def install(app: web.Application, engine) -> None:
    """Keep `engine` and a Reader of its database on `app`; the Reader closes with the app."""
    app[ENGINE] = engine
    app[READER] = Reader(engine.database)

    async def close_reader(app: web.Application) -> None:
        await asyncio.to_thread(app[READER].close)

    app.on_cleanup.append(close_reader)


async def read(request: web.Request, query: Callable[..., T], *args: Any) -> T:
    """Run a database read off the event loop, so the loop (and the checks it runs) never waits."""
    return await request.app[READER].run(query, *args)
