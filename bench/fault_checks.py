"""The invariants bench/faults.py checks after a fault, read from the database and the receiver.

Each check is a `Row`: a label, a count, and whether the count breaks an invariant (`bad`) or is
only shown (`bad` None). Reopening is allowed by the rules (a failure within 5 minutes of an
automatic resolution reopens the incident), so an incident may be resolved once more per
reopening; beyond that a second `incident.resolved` is a fault.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone

from bench.fault_servers import Receiver
from bench.fault_support import Store, as_utc

FAR_FUTURE = datetime.max.replace(tzinfo=timezone.utc)
NOTIFIED = ("incident.started", "incident.resolved")


@dataclass
class Row:
    label: str
    value: object
    bad: bool | None = None  # None: shown only

    @property
    def verdict(self) -> str:
        return "" if self.bad is None else ("FAIL" if self.bad else "ok")


def incident_events(store: Store) -> dict[str, dict[int, list[int]]]:
    """event name -> incident id -> event ids (of incident.* events)."""
    found: dict = defaultdict(lambda: defaultdict(list))
    for event_id, name, incident_id in store.query(
            "SELECT id, name, incident_id FROM event WHERE name LIKE 'incident.%' ORDER BY id"):
        found[name][incident_id].append(event_id)
    return found


def overlapping_monitors(store: Store) -> list[str]:
    """Monitors that had two incidents of one type open at the same time."""
    spans = defaultdict(list)
    for key, kind, started, resolved in store.query(
            "SELECT resource_key, type, started_at, resolved_at FROM incident WHERE resource_type = 'monitor'"):
        spans[(key, kind)].append((as_utc(started), as_utc(resolved) or FAR_FUTURE))
    overlapping = set()
    for (key, _), intervals in spans.items():
        intervals.sort()
        end = None
        for start, stop in intervals:
            if end is not None and start < end:
                overlapping.add(key)
            end = stop if end is None else max(end, stop)
    return sorted(overlapping)


def storm_rows(store: Store, receiver: Receiver, targets_up: bool = True) -> tuple[list[Row], dict]:
    """Every count of the kill storm, each with its verdict; and examples of what failed."""
    q = store.scalar
    events = incident_events(store)
    started, resolved, reopened = events["incident.started"], events["incident.resolved"], events["incident.reopened"]
    opened = q("SELECT COUNT(*) FROM incident")
    closed = q("SELECT COUNT(*) FROM incident WHERE resolved_at IS NOT NULL")
    still_open = q("SELECT COUNT(*) FROM incident WHERE resolved_at IS NULL OR active = ?", (True,))
    twice_started = [i for i, ids in started.items() if len(set(ids)) > 1]
    resolved_again = [i for i, ids in resolved.items() if len(set(ids)) > 1]
    beyond_reopen = [i for i, ids in resolved.items() if len(set(ids)) > 1 + len(reopened.get(i, ()))]
    no_start = q("SELECT COUNT(*) FROM incident i WHERE NOT EXISTS (SELECT 1 FROM event e WHERE "
                 "e.incident_id = i.id AND e.name = 'incident.started')")
    no_resolve = q("SELECT COUNT(*) FROM incident i WHERE i.resolved_at IS NOT NULL AND NOT EXISTS "
                   "(SELECT 1 FROM event e WHERE e.incident_id = i.id AND e.name = 'incident.resolved')")
    overlaps = overlapping_monitors(store)

    stored = {e for name in NOTIFIED for ids in events[name].values() for e in ids}
    delivered = [d for d in receiver.deliveries if d.event_id is not None]
    seen = {d.event_id for d in delivered}
    missing = stored - seen
    unknown = seen - {e for per in events.values() for ids in per.values() for e in ids}
    without_row = q("SELECT COUNT(*) FROM event e WHERE e.name IN ('incident.started', 'incident.resolved') "
                    "AND NOT EXISTS (SELECT 1 FROM notification_delivery d WHERE d.event_id = e.id)")
    unsent = q("SELECT COUNT(*) FROM notification_delivery WHERE state <> 'sent'")

    by_key = defaultdict(list)
    for d in receiver.deliveries:
        by_key[d.key].append(d)
    repeated = {k: ds for k, ds in by_key.items() if len(ds) > 1}
    differing = [k for k, ds in repeated.items() if len({d.body for d in ds}) > 1]
    differences = [f"{k}: {_differing_fields(repeated[k])}" for k in differing[:3]]
    keys_by_start = defaultdict(set)  # the same incident announced under two keys: a second started event
    for d in receiver.deliveries:
        if d.event == "incident.started":
            keys_by_start[d.incident_id].add(d.key)
    announced_twice = sum(1 for keys in keys_by_start.values() if len(keys) > 1)

    return [
        Row("incidents opened (rows)", opened),
        Row("incidents resolved (rows)", closed),
        Row("incident.started / .resolved / .reopened events",
            f"{sum(map(len, started.values()))} / {sum(map(len, resolved.values()))} / "
            f"{sum(map(len, reopened.values()))}"),
        Row("incidents started twice (2+ started events)", len(twice_started), bool(twice_started)),
        Row("incidents resolved 2+ times (raw)", len(resolved_again)),
        Row("incidents resolved more often than reopened+1", len(beyond_reopen), bool(beyond_reopen)),
        Row("incidents with no incident.started event", no_start, no_start > 0),
        Row("resolved incidents with no incident.resolved event", no_resolve, no_resolve > 0),
        Row("incidents still open at the end" + (" (targets up)" if targets_up else ""), still_open,
            still_open > 0 if targets_up else None),
        Row("monitors with 2 open incidents of one type at once", len(overlaps), bool(overlaps)),
        Row("started/resolved events with no outbox row", without_row, without_row > 0),
        Row("outbox rows not sent at the end", unsent, unsent > 0),
        Row("started/resolved events stored, not received", len(missing), bool(missing)),
        Row("deliveries received (all)", len(receiver.deliveries)),
        Row("POSTs not from this run (ignored)", receiver.foreign),
        Row("deliveries of events not in the database", len(unknown), bool(unknown)),
        Row("Idempotency-Keys delivered 2+ times (at-least-once)", len(repeated)),
        Row("... of which the bodies differ", len(differing), bool(differing)),
        Row("incidents announced under 2+ keys", announced_twice, announced_twice > 0),
    ], {"overlapping": overlaps[:10], "missing": sorted(missing)[:10], "twice_started": twice_started[:10],
        "resolved_again": beyond_reopen[:10], "bodies differ": differences}


def _differing_fields(deliveries) -> str:
    """Which JSON fields differ between two deliveries of one key (and the values)."""
    try:
        first, second = (json.loads(d.body) for d in deliveries[:2])
    except ValueError:
        return "not JSON"
    keys = sorted(k for k in first.keys() | second.keys() if first.get(k) != second.get(k))
    return ", ".join(f"{k}: {first.get(k)!r} -> {second.get(k)!r}"[:120] for k in keys) or "same JSON"


def print_table(title: str, columns: list[str], rows_per_column: list[list[Row]]) -> bool:
    """One table: a label column, then a value and verdict per column (database), rows matched by
    label. True when any cell breaks an invariant."""
    labels = list(dict.fromkeys(r.label for rows in rows_per_column for r in rows))
    width = max(map(len, labels), default=10) + 2
    print(f"\n{title}")
    print(f"{'':{width}}" + "".join(f"{c:>22}" for c in columns))
    failed = False
    for label in labels:
        cells = ""
        for rows in rows_per_column:
            cell = next((r for r in rows if r.label == label), Row(label, "-"))
            failed |= bool(cell.bad)
            cells += f"{cell.value!s:>16} {cell.verdict:>5}"
        print(f"{label:{width}}{cells}")
    return failed
