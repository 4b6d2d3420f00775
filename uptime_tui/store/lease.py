"""The engine lease: one row (id 1) naming the one engine that may write this database.

An engine takes the lease when there is none, when it was released (a clean stop), or when its
holder has not renewed it for `lease` seconds (a holder killed with -9, or cut off from the
database). Every takeover raises the row's epoch, and the takeover is a conditional UPDATE on the
epoch the taker read, so two engines started at the same instant end with exactly one holder on
SQLite (the write lock is taken at BEGIN) and on PostgreSQL (the second UPDATE re-reads the row
the first committed and matches nothing); two INSERTs into an empty table are told apart by the
primary key. The holder renews every lease/3 seconds with an UPDATE that matches its epoch: no
match means another engine took it.

Expiry compares timestamps written by different hosts: their clocks are assumed to agree within
a few seconds (NTP), which a lease of 15 s tolerates. Correctness does not rest on the clocks: an
engine that misjudges expiry only takes over early, and then the epoch fences the old holder's
writes (`check_fence`, run at the start of every transaction of the engine's writer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee

from uptime_tui.store.models import EngineLease

LEASE_ROW = 1


@dataclass(frozen=True)
class Claim:
    """Who asks for the lease: written into the row when it is taken."""

    host: str
    pid: int
    version: str
    kind: str  # serve, console
    url: str | None = None
    token_file: str | None = None


class LeaseLost(Exception):
    """Another engine holds the lease this engine wrote under: nothing more may be written."""

    def __init__(self, epoch: int, holder: EngineLease | None):
        self.epoch, self.holder = epoch, holder
        if holder is None:
            said = "lease lost (the lease row is gone)"
        elif holder.epoch == epoch and holder.released:
            said = "lease lost (released)"
        else:
            said = f"lease lost to {holder.kind} on {holder.host} pid {holder.pid}"
        super().__init__(said)


def _transaction(database: peewee.Database):
    # SQLite: take the write lock before reading, so the read and the update are one step.
    if isinstance(database, peewee.SqliteDatabase):
        return database.atomic(lock_type="IMMEDIATE")
    return database.atomic()


def read() -> EngineLease | None:
    """The lease row as stored (None before any engine ran), through the bound database
    (models.database_proxy) like every model read."""
    return EngineLease.get_or_none(EngineLease.id == LEASE_ROW)


def is_free(row: EngineLease | None, now: datetime, lease_seconds: float) -> bool:
    """True when no engine holds `row`: absent, released, or not renewed for `lease_seconds`."""
    return row is None or row.released or row.renewed_at < now - timedelta(seconds=lease_seconds)


def acquire(database: peewee.Database, claim: Claim, now: datetime,
            lease_seconds: float) -> tuple[int | None, EngineLease | None]:
    """Take the lease when it is free: (our epoch, None); else (None, the holder's row)."""
    for _ in range(3):  # a lost INSERT race is read back once the winner's row is visible
        try:
            return _attempt(database, claim, now, lease_seconds)
        except peewee.IntegrityError:
            continue
    return None, read()


def _attempt(database, claim: Claim, now: datetime, lease_seconds: float):
    fields = dict(host=claim.host, pid=claim.pid, version=claim.version, kind=claim.kind,
                  started_at=now, renewed_at=now, url=claim.url, token_file=claim.token_file,
                  released=False)
    with _transaction(database):
        row = EngineLease.get_or_none(EngineLease.id == LEASE_ROW)
        if row is None:
            EngineLease.insert(id=LEASE_ROW, epoch=1, **fields).execute()  # IntegrityError: lost the race
            return 1, None
        if not is_free(row, now, lease_seconds):
            return None, row
        taken = (EngineLease.update(epoch=row.epoch + 1, **fields)
                 .where(EngineLease.id == LEASE_ROW, EngineLease.epoch == row.epoch).execute())
        if taken != 1:  # another engine took it between our read and our update (PostgreSQL)
            return None, EngineLease.get_or_none(EngineLease.id == LEASE_ROW)
        return row.epoch + 1, None


def renew(database: peewee.Database, epoch: int, now: datetime) -> None:
    """Mark the lease of `epoch` as alive at `now`; raise LeaseLost when it is not ours anymore."""
    with _transaction(database):
        renewed = (EngineLease.update(renewed_at=now)
                   .where(EngineLease.id == LEASE_ROW, EngineLease.epoch == epoch,
                          EngineLease.released == False)  # noqa: E712 - SQL, not Python
                   .execute())
        if renewed != 1:
            raise LeaseLost(epoch, EngineLease.get_or_none(EngineLease.id == LEASE_ROW))


def release(database: peewee.Database, epoch: int) -> bool:
    """Give the lease of `epoch` up (a clean stop), so a standby takes over at once; False when
    it was not ours anymore."""
    with _transaction(database):
        return (EngineLease.update(released=True)
                .where(EngineLease.id == LEASE_ROW, EngineLease.epoch == epoch).execute()) == 1


def check_fence(database: peewee.Database, epoch: int) -> None:
    """Raise LeaseLost unless `epoch` still holds the lease; run first in a write transaction.

    On PostgreSQL the row is read `FOR SHARE`: a takeover's UPDATE waits until this transaction
    ends, so nothing this transaction writes lands after another engine took over. SQLite's write
    transactions are serialized (the writer begins them IMMEDIATE), so a plain read does the same.
    """
    share = " FOR SHARE" if isinstance(database, peewee.PostgresqlDatabase) else ""
    p = database.param
    row = database.execute_sql(
        f"SELECT epoch, released FROM engine_lease WHERE id = {p}{share}", (LEASE_ROW,)).fetchone()
    if row is None or row[0] != epoch or row[1]:
        raise LeaseLost(epoch, read())


def announce(database: peewee.Database, epoch: int, url: str | None, token_file: str | None) -> None:
    """Record where consoles reach the holder of `epoch`: its listener's URL and the file of its
    console credential (written once both exist, so a console never reads a half-started engine)."""
    with _transaction(database):
        (EngineLease.update(url=url, token_file=token_file)
         .where(EngineLease.id == LEASE_ROW, EngineLease.epoch == epoch).execute())
