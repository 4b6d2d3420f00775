"""`serve`: the runtime on the current asyncio loop, headless, until SIGTERM or Ctrl-C.

The stop signals are handled before anything starts, so a stop asked for during start-up ends
cleanly once the runtime is up (then stopped); SIGHUP reloads the config as an edit would.

`serve` is a standby while another engine holds the database's lease: it says so once, waits,
and takes over when the lease is released or expires. A stop while waiting exits cleanly. When
its own lease is lost (another engine took over after this one was cut off), it stops the
engine and goes back to standby.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import peewee

from uptime_tui.config import Config
from uptime_tui.runtime.assembly import ListenerFactory, Runtime, RuntimeOptions

log = logging.getLogger("uptime_tui")


async def serve(config: Config, database: peewee.Database, config_path: str | os.PathLike,
                early_stop: list[int], listener: ListenerFactory) -> None:
    """Serve `config` through `listener` (api.listener.Listener) until a stop signal; `early_stop`
    holds any that came before the loop ran.

    Raises OSError when the listen address cannot be bound (nothing is left running)."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):  # first: a stop during start-up is clean too
        loop.add_signal_handler(stop_signal, stopping.set)
    if early_stop:  # came between the caller's check and the loop's handlers
        stopping.set()
    while True:
        runtime = Runtime(config, database, RuntimeOptions(watch=config_path, kind="serve", standby=True),
                          listener=listener)
        if not await _start(runtime, stopping):
            log.info("stopped while standby")
            return
        s = config.settings
        log.info("serving %d monitors and %d heartbeats; listening on http://%s:%d",
                 len(config.monitors), len(config.heartbeats), s.listen_host, s.listen_port)
        loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(runtime.watcher.reload()))
        lost = not await _first(stopping.wait(), runtime.lease.lost)
        loop.remove_signal_handler(signal.SIGHUP)
        log.info("stopping")
        await runtime.stop()
        config = runtime.engine.config  # the last reload's, for the next term
        if not lost:
            return
        log.info("back to standby")


async def _first(work, unless: asyncio.Event) -> bool:
    """Run `work` until done (True; its exception is raised) or `unless` is set first (False,
    `work` cancelled)."""
    return await _race(asyncio.ensure_future(work), unless.wait())


async def _start(runtime: Runtime, stopping: asyncio.Event) -> bool:
    """Start `runtime` (True), unless a stop comes while it is a standby (False). A stop during
    start-up proper lets it finish starting, so it is then stopped in order."""
    async def stopped_while_standby():
        await stopping.wait()
        await runtime.lease.standing_by.wait()
    return await _race(asyncio.ensure_future(runtime.start()), stopped_while_standby())


async def _race(task: asyncio.Future, unless) -> bool:
    other = asyncio.ensure_future(unless)
    try:
        await asyncio.wait({task, other}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        other.cancel()
    if task.done():
        task.result()
        return True
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return False
