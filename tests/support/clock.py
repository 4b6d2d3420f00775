"""The fake clock of the tests: it moves only when told, so rules are tested without sleeping."""

from datetime import datetime, timedelta, timezone


class FixedClock:
    """A clock that only moves when told (snapshots and screenshots need a stable 'now')."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        """Move the clock forward."""
        self.now += timedelta(**delta)


def seed_start() -> datetime:
    """The fixed moment a recorded demo starts at."""
    return datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
