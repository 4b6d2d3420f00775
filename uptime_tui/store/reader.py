"""Database reads off the event loop, on threads that keep their connections and replace dead ones.

Shared by the API and the notifier: each reads on a few threads of its own.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

import peewee

T = TypeVar("T")


class Reader:
    """Database reads on a few threads of the owner's own, each keeping one connection.

    Peewee keeps a connection per thread; opening one per request costs ~10 ms on PostgreSQL,
    so these threads keep theirs until closed. A connection the server dropped
    (a restart, an idle timeout) is replaced once and the read retried.
    """

    def __init__(self, database: peewee.Database, threads: int, name: str):
        self.database, self.threads = database, threads
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix=name)

    async def run(self, query: Callable[..., T], *args: Any) -> T:
        """`query(*args)` on a reader thread."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._run, query, args)

    def _run(self, query: Callable[..., T], args: tuple) -> T:
        return read_reconnecting(self.database, query, *args)

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


def read_reconnecting(database: peewee.Database, query: Callable[..., T], *args: Any) -> T:
    """`query(*args)` on this thread's connection; one the server dropped (or a file that could not
    be opened) is closed, so the read is tried once more on a new one, and the next read after a
    failure starts clean whatever happened."""
    for attempt in range(2):
        database.connect(reuse_if_open=True)
        try:
            return query(*args)
        except (peewee.InterfaceError, peewee.OperationalError):
            database.close()
            if attempt:
                raise
        except Exception:
            database.close()  # whatever state it is in, the next read starts clean
            raise
    raise AssertionError("unreachable")
