"""Live reload: when the YAML file changes (or on SIGHUP), validate it and apply the difference.

An invalid file leaves the running configuration in place; its problems are logged with their
lines and kept in `problems` for the console to show.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from uptime_tui.config import ConfigInvalid, load_config

log = logging.getLogger(__name__)


class ConfigWatcher:
    """Polls the config file's modification time (no inotify needed over SSH or NFS)."""

    def __init__(self, path: str | os.PathLike, engine, interval: float = 1.0):
        self.path, self.engine, self.interval = Path(path), engine, interval
        self.problems: list = []
        self._seen = self._stamp()
        self._lock = asyncio.Lock()

    def _stamp(self):
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    async def run(self) -> None:
        """Watch until cancelled."""
        while True:
            await asyncio.sleep(self.interval)
            stamp = self._stamp()
            if stamp is not None and stamp != self._seen:
                self._seen = stamp
                await self.reload()

    async def reload(self) -> bool:
        """Load the file now and apply it if valid; whether it was applied."""
        async with self._lock:
            try:
                config = await asyncio.to_thread(load_config, self.path)
            except ConfigInvalid as exc:
                self.problems = exc.problems
                for problem in exc.problems:
                    log.error("config not reloaded: %s", problem)
                return False
            self.problems = []
            changes = await self.engine.reload(config)
            log.info("config reloaded from %s: %d change(s)", self.path, len(changes))
            return True
