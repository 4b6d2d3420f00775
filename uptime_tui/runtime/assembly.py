"""Runtime: one engine with its probe client, notifier, listener, config watcher and demo targets.

The engine knows none of them by type: it is handed a `probe(monitor)` coroutine function and a
notifier to wake, and the listener is handed the engine (as `engine.port.EnginePort`) and a pool
of reading threads (`store.reader.Reader`, as `queries.pool.ReadPool`), never the database. The
listener is the API face, a layer above this one, so the face that starts the runtime (cli)
passes its class in rather than the runtime importing it. The order of start and stop is decided
here, because it spans them: the
notifier starts before the engine syncs the config (so the sync's audit entries reach audit
streams) and stops after the engine but before its writer drains (the notifier writes through
it); the listener starts last, once the engine can answer, and stops first.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Protocol

import peewee

from uptime_tui import config as cfg
from uptime_tui.engine.service import Engine, EngineOptions, utcnow
from uptime_tui.results import CheckResult
from uptime_tui.runtime import descriptors
from uptime_tui.runtime.config_watcher import ConfigWatcher
from uptime_tui.store.reader import Reader

log = logging.getLogger(__name__)

API_READ_THREADS = 4  # the API's reads at once; each thread keeps its database connection


class Listening(Protocol):
    """An HTTP listener as the runtime runs it (api.listener.Listener)."""

    port: int

    async def start(self) -> None:
        """Bind and serve."""

    async def stop(self) -> None:
        """Stop serving."""


# Builds the listener: (host, port, receive_ping, engine, reads, *, max_connections).
ListenerFactory = Callable[..., Listening]


@dataclass
class RuntimeOptions:
    """What runs beside the engine (tests turn most of it off)."""

    probes: bool = True  # False: no checks run on their own (tests feed engine.record_result)
    notify: bool = True  # deliver the outbox from this process
    cafile: str | None = None  # trusted beside the system's CAs by http and tls checks
    watch: str | os.PathLike | None = None  # the config file: a valid edit is applied live
    demo: bool = False  # also serve the demo targets (demo.py) on 127.0.0.1
    engine: EngineOptions = field(default_factory=EngineOptions)


class Runtime:
    """Builds the parts for `config` and `database`; `start()` and `stop()` them in order.

    With `listener` (api.listener.Listener), pings and the API are served on settings.listen.
    """

    def __init__(self, config: cfg.Config, database: peewee.Database,
                 options: RuntimeOptions | None = None, clock: Callable[[], datetime] = utcnow, *,
                 listener: ListenerFactory | None = None):
        self.database = database
        self._make_listener = listener
        self.options = options = options or RuntimeOptions()
        self.client = None  # checks.ProbeClient, opened by start()
        if options.probes:
            from uptime_tui.checks import ProbeClient

            self.client = ProbeClient(cafile=options.cafile, max_connections=options.engine.max_concurrent)
        self.engine = Engine(config, database, probe=self._probe if self.client else None,
                             options=options.engine, clock=clock)
        self.notifier = None
        if options.notify:
            from uptime_tui.notify import Notifier

            self.notifier = self.engine.notifier = Notifier(config, database, self.engine.writer, clock)
        self.listener: Listening | None = None  # built by start(), sized by the descriptor budget
        self._api_reads: Reader | None = None
        self.watcher = ConfigWatcher(options.watch, self.engine) if options.watch else None
        self.demo = None
        if options.demo:
            from uptime_tui.demo import DemoTargets

            s = config.settings
            self.demo = DemoTargets(f"http://{s.listen_host}:{s.listen_port}")
        self._region = config.settings.region
        self._watching: asyncio.Task | None = None

    async def _probe(self, monitor: cfg.Monitor) -> CheckResult:
        from uptime_tui.checks import run_check

        return await run_check(monitor, self.client, self._region)

    async def start(self) -> None:
        """Start everything; on a failure (the listen address taken), stop what started, re-raise."""
        try:
            if self.client is not None:
                await self.client.__aenter__()
            if self.notifier is not None:
                await self.notifier.start()
            await self.engine.start()
            if self._make_listener is not None:
                await self._listen()
            if self.demo is not None:
                await self.demo.start()
            if self.watcher is not None:
                self._watching = asyncio.create_task(self.watcher.run(), name="config-watcher")
        except BaseException:
            await self.stop()
            raise

    async def _listen(self) -> None:
        budget = descriptors.plan(self.options.engine.max_concurrent)
        log.info(budget.describe())
        s = self.engine.config.settings
        self._api_reads = Reader(self.database, API_READ_THREADS, "api-read")
        self.listener = self._make_listener(s.listen_host, s.listen_port, self.engine.receive_ping, self.engine,
                                            self._api_reads, max_connections=budget.listener_connections)
        await self.listener.start()

    async def stop(self) -> None:
        """Stop everything (state is flushed; undelivered notifications stay in the outbox)."""
        if self._watching is not None:
            self._watching.cancel()
            await asyncio.gather(self._watching, return_exceptions=True)
            self._watching = None
        if self.demo is not None:
            await self.demo.stop()
        if self.listener is not None:
            await self.listener.stop()
        if self._api_reads is not None:
            await asyncio.to_thread(self._api_reads.close)
            self._api_reads = None
        await self.engine.halt()
        if self.client is not None:
            await self.client.__aexit__(None, None, None)
        if self.notifier is not None:
            await self.notifier.stop()
        await self.engine.close()
