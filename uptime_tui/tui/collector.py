"""When Python's cyclic garbage collector may stop the console.

A full collection walks every tracked object and holds the interpreter lock while it does: with
10,000 monitors it stopped the UI for 30-60 ms every few seconds, and for up to 400 ms while the
dashboard loaded, so a key press that met one missed its 100 ms. The console therefore takes
full collections into its own hands:

- after a full load, what the load left alive (rows, widgets, the engine's state) is collected
  once and frozen: later collections skip it (the rows hold no cycles; reference counting frees
  them whatever the collector does);
- automatic full collections are off while the console runs (the young generations still
  collect themselves, in a few ms); one runs on the console's tick when no key came for a
  moment, at most every `every` seconds, and at least every `at_least` seconds whatever happens.
"""

from __future__ import annotations

import gc
import time
from typing import Callable

NEVER = 1_000_000  # gen-1 collections between automatic full collections: in effect never


class Collector:
    """The console's garbage collection policy (see the module docstring)."""

    def __init__(self, every: float = 30.0, at_least: float = 300.0, quiet: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.every, self.at_least, self.quiet, self._clock = every, at_least, quiet, clock
        self._thresholds: tuple[int, int, int] | None = None
        self._last_key = self._last_full = clock()

    def start(self) -> None:
        """Take full collections over (until stop)."""
        if self._thresholds is None:
            self._thresholds = gc.get_threshold()
            young, middle, _full = self._thresholds
            gc.set_threshold(young, middle, NEVER)

    def stop(self) -> None:
        """Give full collections, and what was frozen, back to Python."""
        gc.unfreeze()
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None

    def key_pressed(self) -> None:
        self._last_key = self._clock()

    def loaded(self) -> None:
        """A full load is in: collect once, and keep what lives on out of later collections."""
        gc.collect()
        gc.freeze()
        self._last_full = self._clock()

    def tick(self) -> bool:
        """Collect if it is time and no key came for a moment; True when it collected."""
        now = self._clock()
        since = now - self._last_full
        if since >= self.at_least or (since >= self.every and now - self._last_key >= self.quiet):
            gc.collect()
            self._last_full = now
            return True
        return False
