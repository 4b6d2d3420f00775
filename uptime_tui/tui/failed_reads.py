"""What the console does when a background read fails: a toast, a log line, a retry.

Every worker the console starts runs with `exit_on_error=False`, so an exception in it (the
database locked, gone, or unreachable) does not end the app: the worker's state becomes ERROR,
and the app's one `Worker.StateChanged` handler hands it to `FailedReads.failed`. That says what
failed in a toast, logs the traceback, and, when the worker's owner can read again
(`ReadsAgain`), asks it to after a delay that doubles with each failure in a row, from 1 s to
30 s; a success of the same kind of worker resets it. The engine runs in its own thread and
is not affected.
"""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from textual.worker import Worker

log = logging.getLogger("uptime_tui.tui")


class ReadFailed(Exception):
    """A read of one thing failed; `what` says what, as the toast words it ('load monitors').
    The database's error is its cause."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


@runtime_checkable
class ReadsAgain(Protocol):
    """A worker's owner that can start the read that failed again."""

    def read_again(self, worker: Worker) -> None: ...


class Backoff:
    """Delays between retries: `first` doubling up to `longest`, back to `first` after `reset`."""

    def __init__(self, first: float = 1.0, longest: float = 30.0) -> None:
        self.first, self.longest = first, longest
        self._next = first

    def next(self) -> float:
        delay, self._next = self._next, min(self._next * 2, self.longest)
        return delay

    def reset(self) -> None:
        self._next = self.first


class FailedReads:
    """The failure policy for every worker (see the module docstring); one per app."""

    def __init__(self, first: float = 1.0, longest: float = 30.0) -> None:
        self.first, self.longest = first, longest
        self._backoffs: dict[tuple[int, str], Backoff] = {}  # (id of the owner, worker group)

    def failed(self, worker: Worker) -> None:
        """Toast, log and (when the owner can) read again later."""
        error = worker.error
        if isinstance(error, ReadFailed):
            what, reason = error.what, error.__cause__ or error
        else:
            what, reason = worker.description or worker.name, error
        log.error("Could not %s", what, exc_info=error)
        node = worker.node
        node.app.notify(f"Could not {what}: {reason or type(reason).__name__}", title="Read failed",
                        severity="error", timeout=8)
        if isinstance(node, ReadsAgain):
            key = (id(node), worker.group)
            delay = self._backoffs.setdefault(key, Backoff(self.first, self.longest)).next()
            node.set_timer(delay, lambda: node.read_again(worker))

    def succeeded(self, worker: Worker) -> None:
        """The next failure of this kind of worker waits the shortest delay again."""
        backoff = self._backoffs.get((id(worker.node), worker.group))
        if backoff is not None:
            backoff.reset()
