"""Which engine runs on this database, for the faces: a console attaches to it, `serve` waits.

The lease row is written by the engine (store/lease.py). A lease not renewed for `lease_seconds`
counts as no engine: its holder was killed or cut off, and the next engine to start takes over.
Renewal times are written by the holder's clock and compared with the reader's: the hosts' clocks
are assumed to agree within a few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from uptime_tui.store import lease as stored


@dataclass(frozen=True)
class LeaseHolder:
    """The engine holding the lease, as its row says."""

    epoch: int
    host: str
    pid: int
    version: str
    kind: str  # "serve" | "console"
    started_at: datetime
    renewed_at: datetime
    url: str | None  # http://host:port of its listener
    token_file: str | None  # where its console credential is

    def describe(self) -> str:
        """`a serve on db1 pid 4242`, for log lines and the console."""
        return f"a {self.kind} on {self.host} pid {self.pid}"


def holder_of(row) -> LeaseHolder:
    """A LeaseHolder from a stored lease row (store.models.EngineLease)."""
    return LeaseHolder(epoch=row.epoch, host=row.host, pid=row.pid, version=row.version, kind=row.kind,
                       started_at=row.started_at, renewed_at=row.renewed_at, url=row.url,
                       token_file=row.token_file)


def running_engine(now: datetime, lease_seconds: float) -> LeaseHolder | None:
    """The engine holding a live lease; None when no lease, released, or not renewed for
    `lease_seconds` (run it on a reading thread: it queries the database)."""
    row = stored.read()
    if stored.is_free(row, now, lease_seconds):
        return None
    return holder_of(row)
