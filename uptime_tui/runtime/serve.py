"""`serve`: the runtime on the current asyncio loop, headless, until SIGTERM or Ctrl-C.

The stop signals are handled before anything starts, so a stop asked for during start-up ends
cleanly once the runtime is up (then stopped); SIGHUP reloads the config as an edit would.
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
    runtime = Runtime(config, database, RuntimeOptions(watch=config_path), listener=listener)
    await runtime.start()
    s = config.settings
    log.info("serving %d monitors and %d heartbeats; listening on http://%s:%d",
             len(config.monitors), len(config.heartbeats), s.listen_host, s.listen_port)
    loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(runtime.watcher.reload()))
    await stopping.wait()
    log.info("stopping")
    await runtime.stop()
