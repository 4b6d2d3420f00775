"""Where a face runs its reads: off its event loop, on threads that keep their connections.

A face (the API) names only this interface; the runtime hands it a `store.reader.Reader`, so the
face never holds the database itself.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol, TypeVar

T = TypeVar("T")


class ReadPool(Protocol):
    """Runs `query(*args)` on a reading thread and returns its result."""

    async def run(self, query: Callable[..., T], *args: Any) -> T:
        """The query's result, read off the caller's event loop."""
