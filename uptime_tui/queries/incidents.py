"""Incidents as the API reads them (its incidents and Mackerel-style alerts) and the evidence
behind an incident, which the console's incident detail reads too.

Plain frozen dataclasses out, so a face never holds a peewee model: `IncidentRecord` has every
column a face shows, `Evidence` one failing check (a tuple, as the console's tables want it, with
names, as the API's JSON wants them). Every function runs on a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import NamedTuple

import peewee

from uptime_tui.store.models import Incident, IncidentEvidence

# Row ids are 32-bit integers in the database: a larger one names no row, and comparing with it
# would overflow the database's integer.
MAX_ROW_ID = 2**31 - 1


class Evidence(NamedTuple):
    """One failing check behind an incident."""

    timestamp: datetime
    region: str
    status_code: int | None
    ttfb_ms: float | None
    cause: str | None


@dataclass(frozen=True)
class IncidentRecord:
    """An incident as stored, with its evidence (oldest first) when it was asked for."""

    id: int
    type: str
    name: str
    resource_type: str
    resource_id: int
    resource_key: str
    resource_name: str
    cause: str | None
    status: str
    severity: str
    active: bool
    flapping: bool
    maintenance: bool
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    snoozed_until: datetime | None
    snoozed_by: str | None
    snooze_cancel_on_updates: bool
    escalation_policy: str | None
    escalation_level: int
    group_key: str | None
    group_id: int | None
    resolved_by: str | None
    resolution_reason: str | None
    started_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    created_at: datetime
    evidence: tuple[Evidence, ...] = ()


_COLUMNS = [getattr(Incident, f.name) for f in fields(IncidentRecord) if f.name != "evidence"]


@dataclass(frozen=True)
class IncidentCriteria:
    """Which incidents to list: every criterion given must match (the times are exclusive)."""

    monitor_id: int | None = None
    heartbeat_id: int | None = None
    type: str | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None


@dataclass(frozen=True)
class IncidentPage:
    """A page of incidents, newest first, and how many match in all."""

    incidents: list[IncidentRecord]
    total: int


def evidence_of(incident_ids: list[int]) -> dict[int, list[Evidence]]:
    """Each incident's evidence, oldest first (the API's list and detail, the console's detail)."""
    found: dict[int, list[Evidence]] = {i: [] for i in incident_ids}
    if incident_ids:
        query = (IncidentEvidence.select(IncidentEvidence.incident, IncidentEvidence.timestamp,
                                         IncidentEvidence.region, IncidentEvidence.status_code,
                                         IncidentEvidence.ttfb_ms, IncidentEvidence.cause)
                 .where(IncidentEvidence.incident.in_(incident_ids))
                 .order_by(IncidentEvidence.timestamp, IncidentEvidence.id).tuples())
        for incident_id, *evidence in query:
            found[incident_id].append(Evidence(*evidence))
    return found


def incident(incident_id: int, with_evidence: bool = True) -> IncidentRecord | None:
    """One incident (and its evidence); None when there is no such incident."""
    if incident_id > MAX_ROW_ID:
        return None
    row = Incident.select(*_COLUMNS).where(Incident.id == incident_id).tuples().first()
    if row is None:
        return None
    evidence = evidence_of([incident_id])[incident_id] if with_evidence else ()
    return IncidentRecord(*row, evidence=tuple(evidence))


def incident_page(criteria: IncidentCriteria, limit: int, offset: int) -> IncidentPage:
    """The matching incidents, newest started first, with their evidence; `total` counts them all."""
    conditions = _conditions(criteria)
    if conditions is None:
        return IncidentPage([], 0)
    query = Incident.select(*_COLUMNS)
    query = query.where(*conditions) if conditions else query
    total = query.count()
    if offset >= total:
        return IncidentPage([], total)
    rows = list(query.order_by(Incident.started_at.desc(), Incident.id.desc()).limit(limit).offset(offset).tuples())
    evidence = evidence_of([row[0] for row in rows])
    return IncidentPage([IncidentRecord(*row, evidence=tuple(evidence[row[0]])) for row in rows], total)


def _conditions(criteria: IncidentCriteria) -> list | None:
    """The WHERE clause's terms; None when an id past MAX_ROW_ID means nothing can match."""
    conditions = []
    for kind, resource_id in (("monitor", criteria.monitor_id), ("heartbeat", criteria.heartbeat_id)):
        if resource_id is None:
            continue
        if resource_id > MAX_ROW_ID:
            return None
        conditions += [Incident.resource_type == kind, Incident.resource_id == resource_id]
    if criteria.type is not None:
        conditions.append(Incident.type == criteria.type)
    if criteria.started_after is not None:
        conditions.append(Incident.started_at > criteria.started_after)
    if criteria.started_before is not None:
        conditions.append(Incident.started_at < criteria.started_before)
    return conditions


def latest_incidents(open_only: bool, before_id: int | None, limit: int) -> list[IncidentRecord]:
    """Up to `limit` incidents newest by id (which is the order they started in), below before_id;
    without evidence (Mackerel's alerts show none)."""
    query = Incident.select(*_COLUMNS)
    if open_only:
        query = query.where(Incident.active == True)  # noqa: E712 (peewee expression)
    if before_id is not None:
        query = query.where(Incident.id < min(before_id, MAX_ROW_ID + 1))
    return [IncidentRecord(*row) for row in query.order_by(Incident.id.desc()).limit(limit).tuples()]


def open_by_severity() -> dict[str, int]:
    """Open (active) incidents per severity, e.g. {"critical": 2, "warning": 1}, for GET /metrics."""
    query = (Incident.select(Incident.severity, peewee.fn.COUNT(Incident.id))
             .where(Incident.active == True)  # noqa: E712 (a peewee expression)
             .group_by(Incident.severity).tuples())
    return {severity: count for severity, count in query}
