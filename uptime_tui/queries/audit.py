"""The audit log as people read it: filtered pages by id cursor, and every entry for an export.

The console's audit screen, `uptime-tui audit list | export` and `GET /api/v1/audit` all read here,
with an `audit.Filter` built by the one grammar in uptime_tui/audit.py. SQL answers what it can
(time range, actor type, the literal start of an action glob, the id cursor) and every entry is
re-checked with `Filter.matches`, so the SQL part only has to return a superset (SQLite's LIKE
ignores case, for instance). Everything reads by id in batches, so 100k entries never sit in memory.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from itertools import islice

from uptime_tui import audit
from uptime_tui.store import auditlog
from uptime_tui.store.auditlog import BATCH_SIZE
from uptime_tui.store.auditlog import COLUMN_AT as AT
# Walking the chain is a read too; it stays beside `append`, whose hashing it checks.
from uptime_tui.store.auditlog import Verification, verify
from uptime_tui.store.models import AuditEntry, Heartbeat, Monitor

__all__ = ["Page", "Verification", "entry_dict", "iter_entries", "page", "target_aliases", "verify"]


def entry_dict(row: dict) -> dict:
    """A stored row (from `.dicts()`) as the entry the API, the CLI and the export show."""
    return {
        "id": row["id"], "version": row["version"], "created_at": audit.iso_z(row["created_at"]),
        "actor": {"type": row["actor_type"], "id": row["actor_id"], "name": row["actor_name"],
                  "metadata": row["actor_metadata"]},
        "action": row["action"], "targets": row["targets"], "context": row["context"],
        "message": row["message"], "previous_hash": row["previous_hash"], "hash": row["hash"],
    }


def _sql_conditions(criteria: audit.Filter) -> list:
    conditions = []
    if criteria.since:
        conditions.append(AuditEntry.created_at >= criteria.since)
    if criteria.until:
        conditions.append(AuditEntry.created_at < criteria.until)
    if criteria.actor_type:
        conditions.append(AuditEntry.actor_type == criteria.actor_type)
    if criteria.action and criteria.action_prefix == criteria.action:  # no wildcard at all
        conditions.append(AuditEntry.action == criteria.action)
    elif criteria.action_prefix:
        conditions.append(AuditEntry.action.startswith(criteria.action_prefix))
    return conditions


def _mostly_sql(criteria: audit.Filter) -> bool:
    # True when SQL decides all but letter case (LIKE ignores it), so `limit` rows make a page.
    return not (criteria.target or criteria.actor or criteria.text) and (
        not criteria.action or criteria.action in (criteria.action_prefix, f"{criteria.action_prefix}*"))


def iter_entries(criteria: audit.Filter | None = None, oldest_first: bool = False,
                 before_id: int | None = None, after_id: int | None = None,
                 batch_size: int = BATCH_SIZE) -> Iterator[dict]:
    """Matching entries (as entry_dict) with before_id > id > after_id, read in batches by id."""
    criteria = criteria or audit.Filter()
    variants = [dataclasses.replace(criteria, target=t) for t in target_aliases(criteria.target)]
    quick = [dataclasses.replace(v, since=None, until=None) for v in variants]
    base = _sql_conditions(criteria)
    # Converting a row (three JSON documents and a timestamp) costs most of a scan, so the
    # criteria SQL left over are first tried on the raw columns; only rows that pass are converted.
    order = AuditEntry.id.asc() if oldest_first else AuditEntry.id.desc()
    while True:
        conditions = list(base)
        if before_id is not None:
            conditions.append(AuditEntry.id < before_id)
        if after_id is not None:
            conditions.append(AuditEntry.id > after_id)
        rows = auditlog.raw_rows(conditions, order, batch_size)
        for raw in rows:
            view = _raw_view(raw, criteria.target is not None)
            if any(q.matches(view) for q in quick):
                entry = entry_dict(auditlog.converted(raw))
                if any(v.matches(entry) for v in variants):
                    yield entry
        if len(rows) < batch_size:
            return
        if oldest_first:
            after_id = rows[-1][0]
        else:
            before_id = rows[-1][0]


def target_aliases(target: str | None) -> list[str | None]:
    """`monitor:closed-port` and `monitor:3` name one monitor (older entries named monitors and
    heartbeats by row id): a filter on either form finds the entries of both."""
    if not target or ":" not in target:
        return [target]
    kind, _, ref = target.partition(":")
    model = {"monitor": Monitor, "heartbeat": Heartbeat}.get(kind)
    if model is None:
        return [target]
    # Row ids are 32-bit: longer digits name no row, and a database would refuse the comparison.
    by_id = ref.isdecimal() and len(ref) <= 10
    named = (model.key == ref) | (model.id == int(ref)) if by_id else model.key == ref
    row = model.select(model.id, model.key).where(named).first()
    return [target] if row is None else list(dict.fromkeys([target, f"{kind}:{row.key}", f"{kind}:{row.id}"]))


def _raw_view(raw: tuple, with_targets: bool) -> dict:
    """The columns Filter.matches reads, straight from the cursor (times are left to SQL)."""
    return {
        "actor": {"type": raw[AT["actor_type"]], "id": raw[AT["actor_id"]], "name": raw[AT["actor_name"]]},
        "action": raw[AT["action"]], "message": raw[AT["message"]],
        "targets": json.loads(raw[AT["targets"]]) if with_targets else [],
    }


class Page(list):
    """Entries newest first, and the cursors of the neighbouring pages (None when there is none).

    `next_before_id` is set when paging towards older entries (before_id, or no cursor) and more
    exist; `next_after_id` when paging towards newer ones (after_id alone) and more exist.
    """

    next_before_id: int | None = None
    next_after_id: int | None = None


def page(criteria: audit.Filter | None = None, limit: int | None = None,
         before_id: int | None = None, after_id: int | None = None) -> Page:
    """Matching entries newest first: all, or the `limit` just below before_id / just above after_id."""
    criteria = criteria or audit.Filter()
    if limit is None:
        return Page(iter_entries(criteria, before_id=before_id, after_id=after_id))
    if limit < 1:
        raise ValueError("limit must be at least 1")
    # One row more than a page tells whether another page follows; when Python filters too, read
    # bigger batches so that a rare match does not cost a round trip per page-sized slice.
    batch = min(limit + 1 if _mostly_sql(criteria) else max(limit + 1, 500), 5000)
    upwards = after_id is not None and before_id is None
    found = list(islice(iter_entries(criteria, oldest_first=upwards, before_id=before_id,
                                     after_id=after_id, batch_size=batch), limit + 1))
    result = Page(reversed(found[:limit]) if upwards else found[:limit])
    if len(found) > limit:
        cursor = found[limit - 1]["id"]
        if upwards:
            result.next_after_id = cursor
        else:
            result.next_before_id = cursor
    return result
