"""Live reload: when the YAML file changes (or on SIGHUP), validate it and apply the difference.

An invalid file leaves the running configuration in place; its problems are logged with their
lines and kept in `problems` for the console to show. The watcher outlives anything a file or a
reload can do (an unexpected exception is logged in one line, the traceback at debug level), so a
later valid edit is still applied without a SIGHUP.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

from uptime_tui.config import ConfigInvalid, Problem, load_config

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
        """Watch until cancelled; nothing a file or a reload does ends the watching."""
        while True:
            await asyncio.sleep(self.interval)
            stamp = self._stamp()
            if stamp is not None and stamp != self._seen:
                self._seen = stamp
                try:
                    await self.reload()
                except Exception as exc:  # reload() logs its own failures; this is the backstop
                    log.error("config not reloaded from %s: unexpected %s", self.path, type(exc).__name__)
                    log.debug("reloading %s failed", self.path, exc_info=True)

    async def reload(self) -> bool:
        """Load the file now and apply it if valid; whether it was applied."""
        async with self._lock:
            try:
                config = await asyncio.to_thread(load_config, self.path)
            except ConfigInvalid as exc:
                return self._refused(exc.problems)
            except Exception as exc:  # load_config promises ConfigInvalid; a bug must not end the watcher
                log.debug("loading %s failed", self.path, exc_info=True)
                reason = f"cannot load it (unexpected {type(exc).__name__})"
                return self._refused([Problem(str(self.path), 0, 0, "", reason)])
            try:
                changes = await self.engine.reload(config)
            except Exception as exc:  # its message is not logged: it may carry a URL with a token
                log.debug("applying %s failed", self.path, exc_info=True)
                reason = f"the engine failed while applying it (unexpected {type(exc).__name__})"
                return self._refused([Problem(str(self.path), 0, 0, "", reason)])
            self.problems = []
            log.info("config reloaded from %s: %d change(s)", self.path, len(changes))
            return True

    def _refused(self, problems: list) -> bool:
        """Keep the running configuration; log each problem (one line each) for the person editing."""
        self.problems = problems
        for problem in problems:
            log.error("config not reloaded: %s", problem)
        return False
