"""The console's link to the engine it drives: what the App asks of it, in one place.

The engine runs either in this process, in a thread of its own (runtime.engine_thread), or
elsewhere, reached through its listener (attached.py). Either way an operation is a coroutine run
on the link's loop and awaited from the UI's loop, never blocked on. The embedded engine's health
and failing channels are read from it directly; a link that knows them itself (an attached engine,
from the listener's `/health`) answers `problems()`, `failing_channels()` and `describe(now)`.
Only this module knows that; the App sees operations with an outcome, and short words for the header.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Awaitable, Callable

from uptime_tui.operator import OperationRefused

OPERATION_TIMEOUT = 15.0


@dataclass(frozen=True)
class OperationOutcome:
    """What became of an operation, worded for a toast."""

    ok: bool
    message: str


class EngineLink:
    """The engine thread the console started (None: the console shows the database only)."""

    def __init__(self, thread) -> None:
        self.thread = thread

    @property
    def running(self) -> bool:
        """True when operations can be sent to the engine."""
        return self.thread is not None and getattr(self.thread, "engine", None) is not None

    def _speaks_for_itself(self):
        """The link object that reports on its engine itself (attached.py), or None when embedded."""
        current = getattr(self.thread, "current", self.thread)  # cli/attach.py's choice of the two
        return current if hasattr(current, "describe") else None

    def describe(self, now) -> str:
        """Which engine the console drives, for the header ("" without one: the database only)."""
        if self.thread is None:
            return ""
        if hasattr(self.thread, "current") and self.thread.current is None:
            return "engine: starting"  # cli/attach.py has not chosen yet: attach or embed
        attached = self._speaks_for_itself()
        return attached.describe(now) if attached is not None else "engine: embedded"

    def problems(self) -> tuple[str, ...]:
        """What the engine itself is short of (its database, descriptors), in short words."""
        attached = self._speaks_for_itself()
        if attached is not None:
            return attached.problems()
        engine = getattr(self.thread, "engine", None)
        if engine is None:
            return ()
        health = engine.health()
        problems = []
        if not health.database.reachable:
            since = health.database.unreachable_since
            problems.append(f"database unreachable{' since ' + since.strftime('%H:%M:%SZ') if since else ''}")
        if health.short_of_descriptors_since is not None:
            problems.append("out of file descriptors: checks skipped")
        return tuple(problems)

    def failing_channels(self) -> tuple[str, ...]:
        """Notification channels whose last delivery failed (read from the engine's notifier)."""
        attached = self._speaks_for_itself()
        if attached is not None:
            return attached.failing_channels()
        notifier = getattr(getattr(self.thread, "engine", None), "notifier", None)
        if notifier is None:
            return ()
        return tuple(sorted(name for name, health in notifier.channel_health().items() if health.failing_since))

    async def operate(self, call: Callable[[object], Awaitable]) -> OperationOutcome:
        """Run `call(engine)` on the engine's loop and wait for its outcome, at most
        OPERATION_TIMEOUT; a refusal, a timeout or a database error is an outcome too."""
        # Awaited, not waited for in a thread: a slow writer must not hold the thread pool that
        # the screens' database reads run in. Shielded: a timeout stops waiting, not the operation.
        try:
            future = asyncio.wrap_future(self.thread.call(call))
            async with asyncio.timeout(OPERATION_TIMEOUT):  # not wait_for: see Notifier._run
                outcome = await asyncio.shield(future)
        except OperationRefused as refused:
            return OperationOutcome(False, refused.message)
        except Exception as exc:  # never crash the console: say what happened
            return OperationOutcome(False, f"failed: {exc or type(exc).__name__}")
        return OperationOutcome(True, outcome.message)
