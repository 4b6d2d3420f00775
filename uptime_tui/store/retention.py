"""Retention: roll old check results up into hourly rows, delete history past its time.

`run_retention` submits many small jobs to the writer, never one big one: each rolls up or
deletes at most a few thousand rows in its own transaction, so check results and incident writes
queued meanwhile wait for one short job, not for the whole pass. Every job is restart-safe on its
own (a rollup inserts and deletes the same rows in one transaction; an audit prune deletes a
prefix of the chain and appends its anchor in one transaction), and a second pass over the same
`now` finds nothing to do.

Rollups are aggregated in SQL (INSERT ... SELECT ... GROUP BY, merged into an existing hour with
ON CONFLICT) rather than row by row in Python. Raw results are rolled up only for whole hours
before `cutoff = start of the hour of (now - check_results days)`; a job may roll up part of an
hour, because rollup rows are sums and merge exactly, so uptime is the same before and after.

On SQLite a timestamp is stored as text 'YYYY-MM-DD HH:MM:SS[.ffffff]' (naive UTC), so the hour
is `strftime('%Y-%m-%d %H:00:00', ...)`, which equals how peewee stores an hour's start and so
meets the unique (monitor_id, hour) index; on PostgreSQL it is `date_trunc('hour', ...)`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import peewee

from uptime_tui import audit
from uptime_tui.config import Retention
from uptime_tui.store import auditlog
from uptime_tui.store.models import (
    AuditEntry, CheckRollup, Event, HeartbeatPing, Incident, NotificationDelivery,
)

ROLLUP_BATCH = 5000  # raw results rolled up per job (one job is a few tens of milliseconds)
DELETE_BATCH = 5000  # rows deleted per job
INCIDENT_BATCH = 500  # incidents per job: their evidence and events go with them
AUDIT_BATCH = 5000  # audit entries per job, each job followed by its own prune anchor
FINISHED_STATES = ("sent", "failed")  # pending deliveries are never deleted


@dataclass
class RetentionReport:
    """What one retention pass did, counted per kind."""

    results_rolled_up: int = 0  # raw check results merged into hourly rollups and deleted
    rollups_deleted: int = 0
    heartbeat_pings_deleted: int = 0
    incidents_deleted: int = 0  # resolved incidents (their evidence and events went with them)
    events_deleted: int = 0  # events with no incident
    deliveries_deleted: int = 0  # sent or failed notification deliveries
    audit_entries_deleted: int = 0
    audit_anchors: int = 0  # `audit.pruned` entries appended
    jobs: int = 0  # writer jobs submitted

    def total(self) -> int:
        """Rows rolled up or deleted, all kinds together."""
        return sum(getattr(self, f.name) for f in fields(self) if f.name not in ("jobs", "audit_anchors"))


def hour_start(moment: datetime) -> datetime:
    """The start of the UTC hour `moment` falls in (aware UTC)."""
    return moment.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)


def is_postgres(database: peewee.Database) -> bool:
    """True on PostgreSQL, False on SQLite."""
    return isinstance(database, peewee.PostgresqlDatabase)


def hour_sql(database: peewee.Database, column: str) -> str:
    """SQL for the start of the hour of timestamp `column`, stored the way peewee stores one."""
    if is_postgres(database):
        return f"date_trunc('hour', {column})"
    return f"strftime('%Y-%m-%d %H:00:00', {column})"


def db_time(database: peewee.Database, moment: datetime) -> Any:
    """`moment` as a parameter for raw SQL: naive UTC, as text on SQLite (as stored there)."""
    naive = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return naive if is_postgres(database) else naive.isoformat(sep=" ")


def cutoffs(retention: Retention, now: datetime) -> dict[str, datetime]:
    """Everything strictly older than these instants goes (raw results: rolled up)."""
    return {
        "check_results": hour_start(now - timedelta(days=retention.check_results)),
        "rollups": hour_start(now - timedelta(days=retention.rollups)),
        "heartbeat_pings": now - timedelta(days=retention.check_results),
        "incidents": now - timedelta(days=retention.incidents),
        "audit": now - timedelta(days=retention.audit),
    }


async def run_retention(writer, retention: Retention, now: datetime) -> RetentionReport:
    """One pass over every kind of history, as small jobs on `writer`; safe to repeat or interrupt."""
    database = writer.database
    cut = cutoffs(retention, now)
    report = RetentionReport()

    async def drain(job: Callable[[], int], field: str) -> None:
        # Each job runs in its own transaction, queued behind whatever the engine wrote meanwhile.
        while True:
            done = await writer.run_async(job)
            report.jobs += 1
            setattr(report, field, getattr(report, field) + done)
            if not done:
                return

    await drain(lambda: roll_up_batch(database, cut["check_results"], ROLLUP_BATCH), "results_rolled_up")
    await drain(lambda: _delete_batch(CheckRollup, CheckRollup.hour < cut["rollups"], DELETE_BATCH),
                "rollups_deleted")
    await drain(lambda: _delete_batch(HeartbeatPing, HeartbeatPing.received_at < cut["heartbeat_pings"],
                                      DELETE_BATCH), "heartbeat_pings_deleted")
    # Deliveries before incidents: deleting an event sets its deliveries' event_id to NULL, and a
    # smaller outbox makes that cheaper.
    await drain(lambda: _delete_batch(
        NotificationDelivery,
        NotificationDelivery.state.in_(FINISHED_STATES) & (NotificationDelivery.created_at < cut["incidents"]),
        DELETE_BATCH), "deliveries_deleted")
    await drain(lambda: _delete_batch(
        Incident, (Incident.active == False) & (Incident.resolved_at < cut["incidents"]),  # noqa: E712
        INCIDENT_BATCH), "incidents_deleted")
    await drain(lambda: _delete_batch(Event, Event.incident.is_null() & (Event.dt < cut["incidents"]), DELETE_BATCH),
                "events_deleted")

    async def prune() -> None:
        while True:
            done = await writer.run_async(lambda: prune_audit_batch(cut["audit"], retention.audit, now, AUDIT_BATCH))
            report.jobs += 1
            if not done:
                return
            report.audit_entries_deleted += done
            report.audit_anchors += 1

    await prune()
    return report


def roll_up_batch(database: peewee.Database, cutoff: datetime, limit: int = ROLLUP_BATCH) -> int:
    """Merge the oldest raw results before `cutoff` (about `limit`) into rollups, delete them; return how many."""
    param = database.param
    # The limit-th oldest result bounds this batch; rows tied with it come too (a few at most).
    bound = database.execute_sql(
        f"SELECT checked_at FROM check_result WHERE checked_at < {param} "
        f"ORDER BY checked_at LIMIT 1 OFFSET {int(limit) - 1}",
        (db_time(database, cutoff),),
    ).fetchone()
    if bound:
        where, value = f"checked_at <= {param}", bound[0]
    else:
        where, value = f"checked_at < {param}", db_time(database, cutoff)
    aggregate = (
        f"SELECT monitor_id, {hour_sql(database, 'checked_at')} AS hour, COUNT(*) AS checks, "
        "SUM(CASE WHEN success THEN 0 ELSE 1 END) AS failures, SUM(response_time) AS response_time_sum, "
        "MAX(response_time) AS response_time_max"
    )
    merge = (
        "INSERT INTO check_rollup (monitor_id, hour, checks, failures, response_time_sum, response_time_max) "
        "{select} GROUP BY monitor_id, hour "
        "ON CONFLICT (monitor_id, hour) DO UPDATE SET checks = check_rollup.checks + excluded.checks, "
        "failures = check_rollup.failures + excluded.failures, "
        "response_time_sum = check_rollup.response_time_sum + excluded.response_time_sum, "
        "response_time_max = {greatest}(check_rollup.response_time_max, excluded.response_time_max)"
    )
    if is_postgres(database):
        # One statement: the rows deleted are exactly the rows aggregated.
        sql = (
            f"WITH moved AS (DELETE FROM check_result WHERE {where} "
            "RETURNING monitor_id, checked_at, success, response_time), "
            "merged AS (" + merge.format(select=f"{aggregate} FROM moved", greatest="GREATEST") + " RETURNING 1) "
            "SELECT COUNT(*) FROM moved"
        )
        return database.execute_sql(sql, (value,)).fetchone()[0]
    # SQLite: this transaction holds the only write lock from the INSERT on, so the DELETE that
    # follows sees the same rows.
    # INDEXED BY: left alone, the planner walks (monitor_id, checked_at) for the GROUP BY, i.e. the
    # whole table on every batch, instead of the few thousand oldest rows on the time index.
    database.execute_sql(merge.format(select=f"{aggregate} FROM check_result INDEXED BY check_result_time "
                                      f"WHERE {where}", greatest="MAX"), (value,))
    return database.execute_sql(f"DELETE FROM check_result WHERE {where}", (value,)).rowcount


def _delete_batch(model: type[peewee.Model], condition, limit: int) -> int:
    """Delete at most `limit` rows of `model` matching `condition`, oldest ids first; return how many."""
    oldest = model.select(model._meta.primary_key).where(condition).order_by(model._meta.primary_key).limit(limit)
    return model.delete().where(model._meta.primary_key.in_(oldest)).execute()


def prune_audit_batch(cutoff: datetime, days: int, now: datetime, limit: int = AUDIT_BATCH) -> int:
    """Delete up to `limit` entries of the chain's prefix created before `cutoff`, then append the anchor.

    Only a prefix goes (entries before the first one young enough to keep), so the chain stays
    whole: its first remaining entry's previous_hash is the anchor's `pruned_through_hash`.
    Returns how many entries were deleted (0: nothing to do, no anchor).
    """
    first_kept = AuditEntry.select(peewee.fn.MIN(AuditEntry.id)).where(AuditEntry.created_at >= cutoff).scalar()
    prefix = AuditEntry.select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id).limit(limit)
    if first_kept is not None:
        prefix = prefix.where(AuditEntry.id < first_kept)
    rows = list(prefix.tuples())
    if not rows:
        return 0
    last_id, last_hash = rows[-1]
    context = audit.local_context() | {"pruned_through_id": last_id, "pruned_through_hash": last_hash}
    message = (f"Pruned {len(rows)} audit entries (through #{last_id}) created before "
               f"{cutoff.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S} UTC, past the {days}-day retention")
    # The anchor first, so it is chained to the newest entry even when every entry is pruned:
    # then the chain's first remaining entry always has previous_hash == pruned_through_hash.
    auditlog.append(audit.SYSTEM, "audit.pruned", [], message, context, now)
    return AuditEntry.delete().where(AuditEntry.id <= last_id).execute()
