"""Where a face runs its reads: off its event loop, on threads that keep their connections.

The API names only the `ReadPool` interface; the runtime hands it a `store.reader.Reader`, so the
face never holds the database itself. The console's thread workers run each read through
`read()`, so a connection the server dropped (PostgreSQL restarted) is replaced rather than
failing every read after it.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol, TypeVar

from uptime_tui.store.models import database_proxy
from uptime_tui.store.reader import read_reconnecting

T = TypeVar("T")


class ReadPool(Protocol):
    """Runs `query(*args)` on a reading thread and returns its result."""

    async def run(self, query: Callable[..., T], *args: Any) -> T:
        """The query's result, read off the caller's event loop."""


def read(query: Callable[..., T], *args: Any) -> T:
    """`query(*args)` on the calling thread, on a connection that is replaced when it was dropped."""
    return read_reconnecting(database_proxy.obj, query, *args)
