"""When each check runs: every `interval`, never overlapping itself, spread, with a global cap.

Each monitor has one task that sleeps until its next slot, takes a place under the global cap,
runs its check (bounded by the check's own timeout) and arms the next slot. One task per monitor
means a check can never overlap itself; a slot missed while the previous check ran late is
skipped, not run in a burst. Slots sit at a fixed phase within the interval, derived from the
monitor's id, so 10,000 monitors with one interval spread evenly over it, and the phase survives
restarts.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
from collections import deque
from typing import Awaitable, Callable, Iterable

from uptime_tui.config import Monitor

log = logging.getLogger(__name__)

RunCheck = Callable[[Monitor], Awaitable[None]]


def phase(monitor_id: str, interval: float) -> float:
    """The monitor's fixed offset within its interval, in [0, interval)."""
    digest = hashlib.blake2b(monitor_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 * interval


def next_slot(now: float, monitor_id: str, interval: float) -> float:
    """The first slot of this monitor at or after `now` (loop time)."""
    return now + (phase(monitor_id, interval) - now) % interval


class Scheduler:
    """Runs `run_check(monitor)` for every monitor it is given, on its interval."""

    def __init__(self, run_check: RunCheck, max_concurrent: int = 256, keep_lags: int = 100_000):
        self._run_check = run_check
        self._slots = asyncio.Semaphore(max_concurrent)
        self._tasks: dict[str, tuple[Monitor, asyncio.Task]] = {}
        self.lags: deque[float] = deque(maxlen=keep_lags)  # seconds between slot and actual start
        self.started = 0  # checks started, for the benchmark and GET /metrics
        self.lag_total = 0.0  # the sum of every started check's lag, for GET /metrics

    @property
    def monitor_ids(self) -> set[str]:
        """The ids being scheduled."""
        return set(self._tasks)

    def set_monitors(self, monitors: Iterable[Monitor]) -> None:
        """Schedule exactly these: start new ones, stop removed ones, restart changed ones."""
        wanted = {m.id: m for m in monitors}
        for monitor_id in list(self._tasks):
            current, task = self._tasks[monitor_id]
            if wanted.get(monitor_id) != current:
                task.cancel()
                del self._tasks[monitor_id]
        for monitor_id, monitor in wanted.items():
            if monitor_id not in self._tasks:
                task = asyncio.create_task(self._run(monitor), name=f"check:{monitor_id}")
                self._tasks[monitor_id] = (monitor, task)

    async def stop(self) -> None:
        """Cancel every monitor's task and wait for them."""
        tasks = [task for _, task in self._tasks.values()]
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, monitor: Monitor) -> None:
        loop = asyncio.get_running_loop()
        slot = next_slot(loop.time(), monitor.id, monitor.interval)
        while True:
            await asyncio.sleep(max(0.0, slot - loop.time()))
            async with self._slots:
                started = loop.time()
                self.lags.append(started - slot)
                self.lag_total += started - slot
                self.started += 1
                try:
                    await self._run_check(monitor)
                except Exception:  # one bad check must not end the monitor's schedule
                    log.exception("check of %s failed unexpectedly", monitor.id)
            slot += monitor.interval
            behind = loop.time() - slot
            if behind > 0:
                slot += math.ceil(behind / monitor.interval) * monitor.interval
