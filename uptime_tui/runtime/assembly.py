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

Before any of it, the runtime takes the database's engine lease (runtime/lease.py): a second
engine on one database would page twice and write over the first one's decisions. Every write
the engine makes is fenced by the lease's epoch; once the lease is lost, `lease.lost` is set and
whoever runs the runtime stops it. The lease is given up last, once everything is written.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Protocol

import peewee

from uptime_tui import config as cfg
from uptime_tui.engine.service import Engine, EngineOptions, utcnow
from uptime_tui.results import CheckResult
from uptime_tui.runtime import descriptors
from uptime_tui.runtime.config_watcher import ConfigWatcher
from uptime_tui.runtime.lease import Lease, remove_token, token_path, write_token
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


# Builds the listener: (host, port, receive_ping, engine, reads, *, max_connections, console_token,
# identity).
ListenerFactory = Callable[..., Listening]


@dataclass
class RuntimeOptions:
    """What runs beside the engine (tests turn most of it off)."""

    probes: bool = True  # False: no checks run on their own (tests feed engine.record_result)
    notify: bool = True  # deliver the outbox from this process
    cafile: str | None = None  # trusted beside the system's CAs by http and tls checks
    watch: str | os.PathLike | None = None  # the config file: a valid edit is applied live
    demo: bool = False  # also serve the demo targets (demo.py) on 127.0.0.1
    kind: str = "console"  # who holds the lease: "console" (embedded) or "serve"
    standby: bool = False  # when another engine holds the lease: wait for it (serve), not LeaseHeld
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
        self.lease = Lease(database, options.kind, config.settings.lease)
        self.engine = Engine(config, database, probe=self._probe if self.client else None,
                             options=options.engine, clock=clock, fence=self.lease.fence)
        self.engine.writer.on_lease_lost = self.lease.lose_from_thread
        self.lease.when_lost(self.engine.writer.lose_lease)  # a renewal found it: write nothing more
        self._keeping: asyncio.Task | None = None
        self._token: tuple[Path, str] | None = None  # the console credential file and its token
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
        """Take the lease, then start everything; on a failure (the listen address taken), stop
        what started, re-raise.

        Raises runtime.lease.LeaseHeld, before anything starts, when another engine holds a live
        lease; with `options.standby` waits for it instead (cancel to stop waiting)."""
        try:
            await self.lease.take(standby=self.options.standby)
        except BaseException:
            await self.lease.close()
            raise
        try:
            self._keeping = asyncio.create_task(self.lease.keep(), name="lease-renewal")
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
        path = token_path(s, self.database)
        token = await asyncio.to_thread(write_token, path, bool(s.console_token_file))
        self._token = (path, token)
        self.listener = self._make_listener(s.listen_host, s.listen_port, self.engine.receive_ping, self.engine,
                                            self._api_reads, max_connections=budget.listener_connections,
                                            console_token=token, identity=self.lease.identity())
        await self.listener.start()
        await self.lease.announce(f"http://{s.listen_host}:{self.listener.port}", str(path))

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
        await self._give_up_lease()

    async def _give_up_lease(self) -> None:
        """Last: the credential goes, then the lease, so a standby takes over at once."""
        if self.lease.epoch is None:
            return  # never taken, or already given up
        if self._keeping is not None:
            self._keeping.cancel()
            await asyncio.gather(self._keeping, return_exceptions=True)
            self._keeping = None
        if self._token is not None:
            await asyncio.to_thread(remove_token, *self._token)
            self._token = None
        await self.lease.release()
        await self.lease.close()
        self.lease.epoch = None
