"""The durable outbox: notification rows written with their cause, and the sender's reads.

`enqueue` runs inside the transaction that stores the events (the engine's writer job), so a
notification exists exactly when its event does, before any network call; `enqueue_audit` does
the same for audit entries. Each row is one notification to one channel: `pending` until it is
delivered (`sent`) or given up (`failed`), with its attempts, last error and next attempt.

What people read of it (`notify list`) is in queries/deliveries.py.

Row ids of monitors and heartbeats never change their YAML id (sync matches rows by it), so the
id -> key map is cached per database: a burst of incidents costs one query per event batch for the
incidents' facts and one insert, not a lookup per row.
"""

from __future__ import annotations

import random
import weakref
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee

from uptime_tui import events
from uptime_tui.notify import render
from uptime_tui.notify.plan import RetryPolicy
from uptime_tui.notify.routing import (
    RESOURCE_STATE_EVENTS, IncidentFacts, Routes, channel_targets, folds_into_group, quiet_reason, resource_of,
)
from uptime_tui.queries.deliveries import header_key
from uptime_tui.store.models import (
    Event, Heartbeat, Incident, IncidentEvidence, Monitor, NotificationDelivery, database_proxy,
)

PENDING, SENT, FAILED = "pending", "sent", "failed"
CHUNK = 500  # ids per IN (...) and rows per INSERT: well under SQLite's variable limit

_keys: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # database -> id -> key map, see _resource_keys
_routes: list = [None, None]  # [config, Routes]: the last config's routes, rebuilt when it changes


def routes_for(config) -> Routes:
    """The routing index of a config (cached for the config last asked about)."""
    if _routes[0] is not config:
        _routes[:] = [config, Routes(config)]
    return _routes[1]


def context_of(config) -> events.Context:
    """The organization and team of a config's payloads."""
    return events.Context(config.settings.organization_id, config.settings.team_id)


# --- enqueue --------------------------------------------------------------------------------------

def enqueue(config, events_and_payloads, now: datetime) -> int:
    """Write the notifications that events cause (call inside the events' transaction); the count.

    `events_and_payloads` is a list of (Event row, payload dict)."""
    if not config.channels or not events_and_payloads:
        return 0
    routes = routes_for(config)
    keys = _resource_keys({r for _, p in events_and_payloads if (r := resource_of(p))})
    candidates = []
    for event_row, payload in events_and_payloads:
        resource_key = keys.get(resource_of(payload))
        if routes.might_hear(payload, resource_key):
            candidates.append((event_row, payload, resource_key))
    if not candidates:
        return 0
    facts, leaders = _incident_facts({p["incident_id"] for _, p, _ in candidates if p.get("incident_id") is not None})
    by_resource = _active_incidents({resource_of(p) for _, p, _ in candidates if p["event"] in RESOURCE_STATE_EVENTS})
    paged = _paged_channels(facts.keys()) if routes.has_policies else {}
    rows = []
    for event_row, payload, resource_key in candidates:
        incident = facts.get(payload.get("incident_id"))
        leader = leaders.get(incident.id) if incident is not None else None
        if quiet_reason(payload["event"], incident, leader, by_resource.get(resource_of(payload), []), now):
            continue
        fold = folds_into_group(payload, incident)
        for channel_id in routes.channels_for(payload, resource_key, paged.get(payload.get("incident_id"), set())):
            delay = routes.channels[channel_id].min_interval if fold else 0.0
            rows.append((channel_id, event_row.id, f"evt_{event_row.id}", payload, delay))
    _insert(rows, now)
    return len(rows)


def enqueue_audit(config, entry, now: datetime | None = None) -> int:
    """Stream an audit entry to the channels subscribed to it (inside its transaction); the count."""
    routes = routes_for(config)
    channel_ids = routes.audit_channels(f"audit.{entry.action}")
    if not channel_ids:
        return 0
    payload = render.audit_payload(entry, context_of(config))
    _insert([(cid, None, f"aud_{entry.id}", payload, 0.0) for cid in channel_ids], now or entry.created_at)
    return len(channel_ids)


_INSERT_COLUMNS = ("channel_id", "event_id", "idempotency_key", "payload", "state", "attempts",
                   "next_attempt_at", "created_at")


def _insert(rows: list[tuple], now: datetime) -> None:
    """Insert (channel id, event id, key, payload, delay) rows with executemany: peewee's own
    per-row work would cost more than everything else enqueue does (docs/performance.md)."""
    if not rows:
        return
    nd = NotificationDelivery
    database = database_proxy.obj
    marks = ", ".join([database.param] * len(_INSERT_COLUMNS))
    sql = f"INSERT INTO {nd._meta.table_name} ({', '.join(_INSERT_COLUMNS)}) VALUES ({marks})"
    created = nd.created_at.db_value(now)
    bodies: dict[int, str] = {}  # one JSON text per payload, shared by its channels
    values = []
    for channel_id, event_id, key, payload, delay in rows:
        body = bodies.get(id(payload))
        if body is None:
            body = bodies[id(payload)] = nd.payload.db_value(payload)
        due = created if not delay else nd.next_attempt_at.db_value(now + timedelta(seconds=delay))
        values.append((channel_id, event_id, f"{key}@{channel_id}", body, PENDING, 0, due, created))
    database.cursor().executemany(sql, values)


def _chunks(values) -> list[list]:
    values = list(values)
    return [values[i:i + CHUNK] for i in range(0, len(values), CHUNK)]


def _resource_keys(refs: set[tuple[str, int]]) -> dict:
    """(kind, row id) -> (kind, YAML id). Rows get ever larger ids and never change their key, so
    the map is filled incrementally: an id above the largest known one loads the rows added since
    (a whole new config's worth in one query); an unknown id below it is a deleted row."""
    cache = _keys.setdefault(database_proxy.obj, {"keys": {}, "max": {"monitor": 0, "heartbeat": 0}})
    known, largest = cache["keys"], cache["max"]
    for kind, model in (("monitor", Monitor), ("heartbeat", Heartbeat)):
        if any(k == kind and i not in known and i > largest[kind] for k, i in refs):
            query = model.select(model.id, model.key).where(model.id > largest[kind]).tuples()
            for row_id, key in query:
                known[(kind, row_id)] = (kind, key)
                largest[kind] = max(largest[kind], row_id)
    return {r: known[r] for r in refs if r in known}


_FACTS_SQL = (
    "SELECT i.id, i.resource_type, i.resource_id, i.active, i.flapping, i.maintenance, i.snoozed_until, "
    "i.group_id, g.snoozed_until FROM incident i LEFT JOIN incident g ON g.id = i.group_id AND g.id <> i.id "
    "WHERE {where}"
)


def _facts(row) -> IncidentFacts:
    to_time = Incident.snoozed_until.python_value
    return IncidentFacts(row[0], row[1], row[2], bool(row[3]), bool(row[4]), bool(row[5]), to_time(row[6]), row[7])


def _incident_facts(ids) -> tuple[dict[int, IncidentFacts], dict[int, IncidentFacts]]:
    """Incidents by id, and the group leader of each member (for its snooze); raw SQL because this
    runs for every event batch of a burst."""
    database = database_proxy.obj
    found, leaders = {}, {}
    for chunk in _chunks(ids):
        where = f"i.id IN ({', '.join([database.param] * len(chunk))})"
        for row in database.execute_sql(_FACTS_SQL.format(where=where), chunk).fetchall():
            facts = found[row[0]] = _facts(row)
            if facts.member:
                snoozed = Incident.snoozed_until.python_value(row[8])
                leaders[facts.id] = IncidentFacts(facts.group_id, facts.resource_type, 0, snoozed_until=snoozed)
    return found, leaders


def _active_incidents(resources) -> dict[tuple[str, int], list[IncidentFacts]]:
    database = database_proxy.obj
    found: dict = defaultdict(list)
    for kind in ("monitor", "heartbeat"):
        for chunk in _chunks(i for k, i in resources if k == kind):
            where = (f"i.active = {database.param} AND i.resource_type = {database.param} "
                     f"AND i.resource_id IN ({', '.join([database.param] * len(chunk))})")
            for row in database.execute_sql(_FACTS_SQL.format(where=where), [True, kind, *chunk]).fetchall():
                found[(kind, row[2])].append(_facts(row))
    return found


def _paged_channels(incident_ids) -> dict[int, set[str]]:
    """Channels that policies paged for these incidents so far (from their escalation events)."""
    paged: dict = defaultdict(set)
    for chunk in _chunks(incident_ids):
        query = Event.select(Event.incident, Event.payload).where(
            Event.name == "incident.escalated", Event.incident.in_(chunk))
        for row in query:
            paged[row.incident_id].update(channel_targets(row.payload))
    return paged


# --- the delivery loop's reads and writes -----------------------------------------------------------

@dataclass(frozen=True)
class Delivery:
    """A pending notification as the sender needs it."""

    id: int
    channel_id: str
    key: str  # the idempotency key receivers see
    payload: dict
    attempts: int
    created_at: datetime
    next_attempt_at: datetime


def due_channels(channel_ids, now: datetime) -> dict[str, datetime]:
    """For each of these channels with pending deliveries: when the earliest one is due."""
    channel_ids = list(channel_ids)
    if not channel_ids:
        return {}
    nd = NotificationDelivery
    query = (nd.select(nd.channel_id, peewee.fn.MIN(nd.next_attempt_at).alias("due"))
             .where(nd.state == PENDING, nd.channel_id.in_(channel_ids)).group_by(nd.channel_id))
    return {row.channel_id: nd.next_attempt_at.python_value(row.due) for row in query}


def pending(channel_id: str, limit: int) -> list[Delivery]:
    """A channel's pending deliveries, oldest first."""
    return _pending(channel_id, limit, claim=False)


def claim(channel_id: str, limit: int) -> list[Delivery]:
    """A channel's pending deliveries, claimed for sending: run in the engine's fenced writer
    transaction, so only the engine holding the lease claims (on SQLite the lease is the claim),
    and on PostgreSQL `FOR UPDATE SKIP LOCKED`, so rows another transaction holds are left to it.
    A takeover may send again what was in flight (same Idempotency-Key), nothing else."""
    return _pending(channel_id, limit, claim=True)


def _pending(channel_id: str, limit: int, claim: bool) -> list[Delivery]:
    nd = NotificationDelivery
    query = (nd.select(nd.id, nd.channel_id, nd.idempotency_key, nd.payload, nd.attempts, nd.created_at,
                       nd.next_attempt_at)
             .where(nd.channel_id == channel_id, nd.state == PENDING).order_by(nd.id).limit(limit))
    if claim and isinstance(database_proxy.obj, peewee.PostgresqlDatabase):
        query = query.for_update(skip_locked=True)
    return [Delivery(r.id, r.channel_id, header_key(r.idempotency_key), r.payload, r.attempts, r.created_at,
                     r.next_attempt_at) for r in query]


def incident_details(incident_ids, evidence: int = 3) -> dict[int, render.IncidentDetail]:
    """Incidents as a person's message describes them; the last `evidence` failed checks of each
    (0: none, for digests)."""
    found: dict[int, render.IncidentDetail] = {}
    proofs: dict[int, list] = defaultdict(list)
    for chunk in _chunks(incident_ids):
        if evidence:
            query = (IncidentEvidence.select().where(IncidentEvidence.incident.in_(chunk))
                     .order_by(IncidentEvidence.timestamp.desc()))
            for e in query:
                if len(proofs[e.incident_id]) < evidence:
                    proofs[e.incident_id].append(render.Evidence(e.region, e.timestamp, e.status_code, e.ttfb_ms, e.cause))
        rows = list(Incident.select().where(Incident.id.in_(chunk)))
        monitor_ids = {row.resource_id for row in rows if row.resource_type == "monitor"}
        targets = dict(Monitor.select(Monitor.id, Monitor.target).where(Monitor.id.in_(monitor_ids)).tuples())
        for row in rows:
            found[row.id] = render.IncidentDetail(
                row.id, row.type, row.cause, row.started_at, row.status, row.acknowledged_by, row.group_id,
                row.group_key, tuple(reversed(proofs.get(row.id, ()))),
                targets.get(row.resource_id) if row.resource_type == "monitor" else None)
    return found


def recent_sends(channel_id: str, since: datetime) -> list[datetime]:
    """When the messages of a channel since `since` went out (a digest counts once), oldest first."""
    nd = NotificationDelivery
    query = (nd.select(peewee.fn.MIN(nd.sent_at).alias("at"))
             .where(nd.channel_id == channel_id, nd.state == SENT, nd.sent_at >= since)
             .group_by(peewee.fn.COALESCE(nd.digest_key, nd.idempotency_key)))
    return sorted(nd.sent_at.python_value(row.at) for row in query)


def mark_sent(ids, now: datetime, digest_key: str | None = None) -> None:
    """Delivered (in a digest, when `digest_key` is given)."""
    nd = NotificationDelivery
    for chunk in _chunks(ids):
        nd.update(state=SENT, sent_at=now, attempts=nd.attempts + 1, last_error=None, digest_key=digest_key).where(nd.id.in_(chunk), nd.state == PENDING).execute()


def mark_failed(deliveries: list[Delivery], now: datetime, error: str, permanent: bool, retry: RetryPolicy,
                retry_after: float | None = None, rng: random.Random | None = None) -> list[int]:
    """One more failed attempt each: retried later, or failed for good; return the ids given up."""
    nd = NotificationDelivery
    by_attempts: dict[int, list[Delivery]] = defaultdict(list)
    for d in deliveries:
        by_attempts[d.attempts + 1].append(d)
    given_up = []
    for attempts, group in by_attempts.items():
        done = [d.id for d in group if retry.gives_up(d.created_at, now, attempts, permanent)]
        again = [d.id for d in group if d.id not in set(done)]
        delay = max(retry.delay(attempts, rng), retry_after or 0.0)
        for chunk in _chunks(again):
            nd.update(attempts=attempts, last_error=error, next_attempt_at=now + timedelta(seconds=delay)).where(
                nd.id.in_(chunk), nd.state == PENDING).execute()
        reason = "refused" if permanent else f"still failing after {retry.retry_for / 3600:g}h"
        for chunk in _chunks(done):
            nd.update(state=FAILED, attempts=attempts, last_error=f"gave up ({reason}, {attempts} attempts): {error}",
                      next_attempt_at=now).where(nd.id.in_(chunk), nd.state == PENDING).execute()
        given_up += done
    return given_up


def postpone(ids, until: datetime) -> None:
    """Not attempted (the channel just failed): try these again with the failed one."""
    nd = NotificationDelivery
    for chunk in _chunks(ids):
        nd.update(next_attempt_at=until).where(nd.id.in_(chunk), nd.state == PENDING).execute()


def pull_forward(channel_id: str, now: datetime) -> int:
    """The channel works again: its deliveries waiting out a backoff are due now."""
    nd = NotificationDelivery
    return nd.update(next_attempt_at=now).where(
        nd.channel_id == channel_id, nd.state == PENDING, nd.attempts > 0, nd.next_attempt_at > now).execute()


def record_test(channel_id: str, key: str, payload: dict, now: datetime, ok: bool, error: str | None) -> int:
    """A `notify test` message, kept in the outbox as sent or failed (never retried)."""
    row = NotificationDelivery.create(
        channel_id=channel_id, event=None, idempotency_key=f"{key}@{channel_id}", payload=payload,
        state=SENT if ok else FAILED, attempts=1, last_error=error, next_attempt_at=now, created_at=now,
        sent_at=now if ok else None)
    return row.id
