"""Run a Runtime on its own event loop in a thread, so checks never share the console's loop.

`start()` raises whatever the runtime's start raised (runtime.lease.LeaseHeld when another
engine holds the database: the console attaches to it instead). An engine that loses its lease
later stops on its own and tells `on_failed`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future
from typing import Awaitable, Callable, TypeVar

from uptime_tui.engine.service import Engine
from uptime_tui.runtime.assembly import Runtime

log = logging.getLogger(__name__)

T = TypeVar("T")


class EngineThread:
    """Starts `make_runtime()` in a thread and hands every published event to `on_event`.

    `on_event` is called from the engine's thread: give it something thread-safe, such as a
    Textual `post_message`. The runtime is made on that thread, so everything in it belongs to
    the thread's event loop.
    """

    def __init__(self, make_runtime: Callable[[], Runtime]):
        self._make_runtime = make_runtime
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self.error: BaseException | None = None
        self.runtime: Runtime | None = None  # once started
        self.engine: Engine | None = None  # the running Engine, once started

    def call(self, operation: Callable[[Engine], Awaitable[T]]) -> Future[T]:
        """Run `operation(engine)` on the engine's loop, from any thread; a future of its result.

        The console calls operations this way from a thread worker, e.g.
        `thread.call(lambda e: e.acknowledge(incident_id, operator)).result(timeout=10)`.
        """
        if self._loop is None or self.engine is None:
            raise RuntimeError("the engine is not running")
        return asyncio.run_coroutine_threadsafe(operation(self.engine), self._loop)

    def start(self, on_event: Callable[[dict], None], timeout: float = 60.0,
              on_failed: Callable[[BaseException], None] | None = None) -> None:
        """Start the runtime; return once it runs (or raise what stopped it). When it stops on its
        own later (its lease was taken by another engine), `on_failed(error)` is called from the
        engine's thread."""
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(on_event, on_failed),),
                                        name="uptime-tui-engine", daemon=True)
        self._thread.start()
        self._ready.wait(timeout)
        if self.error is not None:
            raise self.error

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the runtime (state is flushed) and wait for the thread."""
        if self._loop is not None and self._stopping is not None:
            try:
                self._loop.call_soon_threadsafe(self._stopping.set)
            except RuntimeError:  # the loop already ended: the runtime failed to start, or stopped itself
                pass
        if self._thread is not None:
            self._thread.join(timeout)

    async def _main(self, on_event: Callable[[dict], None],
                    on_failed: Callable[[BaseException], None] | None) -> None:
        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        try:
            runtime = self._make_runtime()
            events = runtime.engine.subscribe()  # before start: the sync's events are forwarded too
            await runtime.start()
        except BaseException as exc:  # reported to the thread that called start()
            self.error = exc
            self._ready.set()
            return
        self.runtime, self.engine = runtime, runtime.engine
        self._ready.set()
        forwarding = asyncio.create_task(_forward(events, on_event))
        stopping = asyncio.create_task(self._stopping.wait())
        lost = asyncio.create_task(runtime.lease.lost.wait())
        await asyncio.wait({stopping, lost}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        lost.cancel()
        forwarding.cancel()
        self.engine = None
        await runtime.stop()
        if runtime.lease.lost_to is not None:
            self.error = runtime.lease.lost_to
            if on_failed is not None:
                on_failed(runtime.lease.lost_to)


async def _forward(events: asyncio.Queue, on_event: Callable[[dict], None]) -> None:
    while True:
        payload = await events.get()
        try:
            on_event(payload)
        except Exception:
            log.exception("an event subscriber failed")
