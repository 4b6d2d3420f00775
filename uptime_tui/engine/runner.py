"""Run an Engine on its own event loop in a thread, so checks never share the console's loop."""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future
from typing import Awaitable, Callable

log = logging.getLogger(__name__)


class EngineThread:
    """Starts `make_engine()` in a thread and hands every published event to `on_event`.

    `on_event` is called from the engine's thread: give it something thread-safe, such as a
    Textual `post_message`. `companions` are objects with async start()/stop() run beside the
    engine (the demo targets).
    """

    def __init__(self, make_engine: Callable[[], object], companions: tuple = (),
                 config_path: str | None = None):
        self._make_engine = make_engine
        self._companions = companions
        self._config_path = config_path  # watched for changes: a valid edit is applied live
        self.watcher = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self.error: BaseException | None = None
        self.engine = None  # the running Engine, once started

    def call(self, operation: Callable[[object], Awaitable]) -> Future:
        """Run `operation(engine)` on the engine's loop, from any thread; a future of its result.

        The console calls operations this way from a thread worker, e.g.
        `thread.call(lambda e: e.acknowledge(incident_id, operator)).result(timeout=10)`.
        """
        if self._loop is None or self.engine is None:
            raise RuntimeError("the engine is not running")
        return asyncio.run_coroutine_threadsafe(operation(self.engine), self._loop)

    def start(self, on_event: Callable[[dict], None], timeout: float = 60.0) -> None:
        """Start the engine; return once it runs (or raise what stopped it)."""
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(on_event),),
                                        name="uptime-tui-engine", daemon=True)
        self._thread.start()
        self._ready.wait(timeout)
        if self.error is not None:
            raise self.error

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the engine (state is flushed) and wait for the thread."""
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(timeout)

    async def _main(self, on_event: Callable[[dict], None]) -> None:
        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        try:
            engine = self._make_engine()
            events = engine.subscribe()
            await engine.start()
            self.engine = engine
            for companion in self._companions:
                await companion.start()
        except BaseException as exc:  # reported to the thread that called start()
            self.error = exc
            self._ready.set()
            return
        self._ready.set()
        tasks = [asyncio.create_task(_forward(events, on_event))]
        if self._config_path:
            from uptime_tui.engine.reload import ConfigWatcher

            self.watcher = ConfigWatcher(self._config_path, engine)
            tasks.append(asyncio.create_task(self.watcher.run()))
        await self._stopping.wait()
        for task in tasks:
            task.cancel()
        for companion in self._companions:
            await companion.stop()
        self.engine = None
        await engine.stop()


async def _forward(events: asyncio.Queue, on_event: Callable[[dict], None]) -> None:
    while True:
        payload = await events.get()
        try:
            on_event(payload)
        except Exception:
            log.exception("an event subscriber failed")
