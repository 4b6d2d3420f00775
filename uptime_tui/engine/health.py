"""How the engine itself is doing, as opposed to what it watches: the console header, the log and
`GET /health` show the same picture (the listener adds its own connection counts to the latter).

The engine's own troubles (a database it cannot write, no descriptors left for a check) are never
counted against a monitor: a check that could not run because the engine ran out of descriptors
is skipped, logged once a minute, and shown here instead of opening an incident for a monitor
that may be perfectly well.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from uptime_tui.store.outage import DatabaseHealth

log = logging.getLogger(__name__)

SAY_EVERY = 60.0


@dataclass(frozen=True)
class EngineHealth:
    """A snapshot for the console header and `GET /health`."""

    database: DatabaseHealth
    checks_skipped: int  # checks that could not run for the engine's own lack of descriptors
    short_of_descriptors_since: datetime | None
    channels_failing: tuple[str, ...] = ()  # notification channels whose last delivery failed

    @property
    def ok(self) -> bool:
        """Nothing the engine itself is short of."""
        return self.database.reachable and self.short_of_descriptors_since is None

    def problems(self) -> list[str]:
        """What is wrong, in words (empty when all is well)."""
        found = []
        if not self.database.reachable:
            found.append(f"database unreachable: {self.database.last_error}")
        if self.short_of_descriptors_since is not None:
            found.append("the engine ran out of file descriptors: checks are skipped")
        return found

    def to_dict(self) -> dict:
        """The health endpoint's body, but for the listener's part (api/health.py adds it)."""
        db = self.database
        return {
            "status": "ok" if self.ok else "degraded", "problems": self.problems(),
            "database": {"reachable": db.reachable, "unreachable_since": _iso(db.unreachable_since),
                         "last_error": db.last_error, "results_waiting": db.results_waiting,
                         "results_dropped": db.results_dropped, "changes_waiting": db.changes_waiting,
                         "buffer_size": db.buffer_size},
            "checks_skipped": self.checks_skipped,
            "short_of_descriptors_since": _iso(self.short_of_descriptors_since),
            "channels_failing": list(self.channels_failing),
        }


class DescriptorShortage:
    """Counts checks skipped for want of descriptors; says so once a minute, and when it ends."""

    def __init__(self):
        self.skipped = 0
        self.since: datetime | None = None
        self._said_at = -SAY_EVERY
        self._unsaid = 0

    def skipped_check(self, monitor_id: str, reason: str, now: datetime) -> None:
        """A check of `monitor_id` could not run: the engine's fault, not the monitor's."""
        self.skipped += 1
        self._unsaid += 1
        if self.since is None:
            self.since = now
        if time.monotonic() - self._said_at >= SAY_EVERY:
            log.error("engine: %s; %d check(s) skipped (the last of %s), no monitor's state changed",
                      reason, self._unsaid, monitor_id)
            self._said_at, self._unsaid = time.monotonic(), 0

    def check_ran(self) -> None:
        """A check ran normally: a shortage, if any, is over."""
        if self.since is not None:
            log.warning("engine: file descriptors available again; %d check(s) were skipped meanwhile",
                        self.skipped)
            self.since = None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None
