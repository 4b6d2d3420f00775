"""The audit log in the database: append entries to the chain, verify the chain.

`append` is called inside the transaction of the change it records, so an entry exists exactly
when its change does. `verify` reads by id in batches, so 100k entries never sit in memory; the
reads people make (filters, pages, the export) are in queries/audit.py, on the same raw rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import peewee

from uptime_tui import audit
from uptime_tui.store.models import AuditEntry

# Called with each new row inside append's transaction (the notification outbox streams entries).
AFTER_APPEND: list[Callable[[AuditEntry], None]] = []

PRUNED_ACTION = "audit.pruned"

# The key of the PostgreSQL advisory lock that orders appends across processes ("audit" in ASCII).
ADVISORY_LOCK_KEY = 0x6175646974

BATCH_SIZE = 1000


def _database() -> peewee.Database:
    proxied = AuditEntry._meta.database
    return getattr(proxied, "obj", None) or proxied


def append(actor: audit.Actor, action: str, targets: list[audit.Target], message: str,
           context: dict, created_at: datetime) -> AuditEntry:
    """Insert one entry chained to the last one."""
    database = _database()
    # A savepoint when the caller's transaction is open (the usual case), a transaction otherwise,
    # so that the advisory lock below is always held until the entry is committed.
    with database.atomic():
        if isinstance(database, peewee.PostgresqlDatabase):
            # Two processes reading the same last hash would fork the chain; the lock makes the
            # second wait for the first to commit. SQLite allows one writer at a time anyway.
            database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_LOCK_KEY,))
        created_at = created_at.astimezone(timezone.utc)
        last = AuditEntry.select(AuditEntry.hash).order_by(AuditEntry.id.desc()).first()
        previous = last.hash if last else audit.GENESIS_HASH
        fields = audit.entry_fields(created_at, actor, action, targets, context, message)
        entry = AuditEntry.create(
            version=audit.SCHEMA_VERSION, created_at=created_at, actor_type=actor.type,
            actor_id=actor.id, actor_name=actor.name, actor_metadata=actor.metadata, action=action,
            targets=fields["targets"], context=context, message=message, previous_hash=previous,
            hash=audit.entry_hash(previous, fields),
        )
        for subscriber in AFTER_APPEND:
            subscriber(entry)
    return entry


_FIELDS = AuditEntry._meta.sorted_fields  # id first
COLUMN_AT = {f.name: i for i, f in enumerate(_FIELDS)}  # a column's place in a raw row


def raw_rows(conditions: list, order, limit: int) -> list[tuple]:
    """One batch of rows as the driver returns them, without peewee's per-row conversion."""
    selected = AuditEntry.select(*_FIELDS).order_by(order).limit(limit)
    return _database().execute(selected.where(*conditions) if conditions else selected).fetchall()


def converted(raw: tuple) -> dict:
    """A raw row as peewee would have returned it from `.dicts()`."""
    return {f.name: f.python_value(value) for f, value in zip(_FIELDS, raw)}


@dataclass(frozen=True)
class Verification:
    """What verify() found: the chain intact with its entry count, or the first broken entry."""

    count: int                    # entries read and found intact before the walk stopped
    entry_id: int | None = None   # the first broken entry
    problem: str | None = None    # "edited", "inserted" or "deleted"
    reason: str = ""

    @property
    def intact(self) -> bool:
        """True when no problem was found."""
        return self.problem is None

    def __str__(self) -> str:
        if self.intact:
            return f"audit log intact: {self.count} entr{'y' if self.count == 1 else 'ies'}"
        return f"audit log broken at entry {self.entry_id}: {self.problem}: {self.reason}"


def verify(batch_size: int = BATCH_SIZE) -> Verification:
    """Walk the chain in id order and report the first entry edited, inserted or deleted.

    Accepted starts: GENESIS_HASH, or the `pruned_through_hash` of an `audit.pruned` entry (retention
    deleted the oldest entries and recorded where it stopped). What it cannot detect, because the
    chain has no secret and nothing outside the database holds its latest hash: the newest entries
    removed (or the whole log emptied); entries appended with correct hashes by someone who can
    write the database, including a forged `audit.pruned` entry covering a deletion at the start;
    a suffix of the chain rewritten with recomputed hashes. Streaming entries elsewhere as they are
    written (AFTER_APPEND) is what closes those gaps.
    """
    database = _database()
    anchors = _prune_anchors()
    # One snapshot for the whole walk, so a prune committed meanwhile is not mistaken for a deletion.
    snapshot = ({"isolation_level": "REPEATABLE READ"}
                if isinstance(database, peewee.PostgresqlDatabase) else {})
    with database.atomic(**snapshot):
        previous: dict | None = None
        count = 0
        while True:
            after = [AuditEntry.id > previous["id"]] if previous is not None else []
            rows = raw_rows(after, AuditEntry.id, batch_size)
            for row in map(converted, rows):
                broken = _check(row, previous, anchors, count)
                if broken:
                    return broken
                count += 1
                previous = row
            if len(rows) < batch_size:
                return Verification(count)


def _prune_anchors() -> dict[str, int]:
    """pruned_through_hash -> pruned_through_id of every audit.pruned entry."""
    anchors = {}
    for (context,) in AuditEntry.select(AuditEntry.context).where(
            AuditEntry.action == PRUNED_ACTION).tuples():
        if isinstance(context, dict) and context.get("pruned_through_hash"):
            anchors[context["pruned_through_hash"]] = int(context.get("pruned_through_id") or 0)
    return anchors


def _check(row: dict, previous: dict | None, anchors: dict[str, int], count: int) -> Verification | None:
    fields = audit.recorded_fields(
        row["version"], row["created_at"],
        {"type": row["actor_type"], "id": row["actor_id"], "name": row["actor_name"],
         "metadata": row["actor_metadata"]},
        row["action"], row["targets"], row["context"], row["message"])
    if audit.entry_hash(row["previous_hash"], fields) != row["hash"]:
        return Verification(count, row["id"], "edited",
                            "its hash no longer matches its fields (changed, or written outside the program)")
    link = row["previous_hash"]
    starts_chain = link == audit.GENESIS_HASH or (link in anchors and anchors[link] < row["id"])
    if previous is None:
        if starts_chain:
            return None
        return Verification(count, row["id"], "deleted",
                            "entries before it were deleted: its previous_hash is neither the genesis "
                            "hash nor the pruned_through_hash of an audit.pruned entry")
    if link == previous["hash"]:
        return None
    if starts_chain:  # the real chain begins here, so every entry before it was slipped in
        first = AuditEntry.select(peewee.fn.MIN(AuditEntry.id)).scalar()
        return Verification(count, first, "inserted",
                            f"the chain begins at entry {row['id']}; the entries before it do not belong to it")
    earlier = (AuditEntry.select(AuditEntry.id).where(AuditEntry.hash == link, AuditEntry.id < row["id"])
               .order_by(AuditEntry.id.desc()).scalar())
    if earlier is not None:  # the chain skips from `earlier` to this entry over the inserted ones
        first = AuditEntry.select(peewee.fn.MIN(AuditEntry.id)).where(AuditEntry.id > earlier).scalar()
        return Verification(count, first, "inserted",
                            f"the chain runs from entry {earlier} straight to entry {row['id']}; "
                            "the entries between them do not belong to it")
    return Verification(count, row["id"], "deleted",
                        f"entries before it were deleted: its previous_hash matches neither entry "
                        f"{previous['id']} before it nor any other entry")
