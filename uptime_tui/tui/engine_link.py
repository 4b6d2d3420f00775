"""The console's link to the engine it drives: what the App asks of it, in one place.

Today the engine runs in this process, in a thread of its own (runtime.engine_thread), so an
operation is a coroutine run on the engine's loop and awaited from the UI's loop, never blocked
on; the engine's own health and its notifier's failing channels are read from it directly. Only
this module knows that; the App sees operations with an outcome, and short words for the header.
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

    def problems(self) -> tuple[str, ...]:
        """What the engine itself is short of (its database, descriptors), in short words."""
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
