"""The console's database reads: plain dataclasses, no textual import.

Every function here runs in a thread worker, never on the UI's event loop. The dashboard is read
in a handful of queries whatever the number of monitors: one for the definitions and statuses
(read as tuples: 10,000 peewee models cost more than the query), which the panes paint from
first; then one for the recent results of every monitor (a window function) and two for the 24 h
check counts, which fill the sparklines and uptime; one for incidents (the Events pane's rows
are read by events.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from uptime_tui.rules import heartbeat_machine as hb_machine
from uptime_tui.rules.maintenance import in_maintenance
from uptime_tui.queries.incidents import Evidence, evidence_of
from uptime_tui.store.models import CheckResult, Event, Heartbeat, Incident, Monitor, database_proxy
from uptime_tui.store.retention import db_time
from uptime_tui.store.uptime import check_counts

SPARK_POINTS = 20
RECENT_WINDOW = timedelta(hours=2)  # results older than this are not drawn in a sparkline
DAY = timedelta(hours=24)


@dataclass
class MonitorRow:
    """A monitor as the Monitors pane shows it; updated in place from engine events."""

    id: int
    key: str
    name: str
    type: str
    target: str
    status: str  # up | down | degraded | verifying | paused | maintenance | new
    response_ms: float | None = None
    recent: list[float] = field(default_factory=list)  # response times in ms, oldest first
    checks_24h: int = 0
    failures_24h: int = 0
    checked_at: datetime | None = None
    group: str | None = None

    @property
    def uptime_24h(self) -> float | None:
        """Successful checks over the last 24 h in percent (None without checks)."""
        return 100.0 * (self.checks_24h - self.failures_24h) / self.checks_24h if self.checks_24h else None

    def record_check(self, at: datetime, response_time: float, success: bool) -> None:
        """Fold one check (from a monitor.checked event) into the row."""
        self.response_ms = response_time * 1000
        self.recent = (self.recent + [self.response_ms])[-SPARK_POINTS:]
        self.checked_at = at
        self.checks_24h += 1
        self.failures_24h += 0 if success else 1


@dataclass
class HeartbeatRow:
    """A heartbeat as the Heartbeats pane shows it."""

    id: int
    key: str
    name: str
    status: str  # new | up | started | down | paused
    last_ping_at: datetime | None = None
    next_expected: datetime | None = None
    last_duration: float | None = None
    watching_since: datetime | None = None


@dataclass
class IncidentRow:
    """An incident as the Incidents pane and its detail screen show it."""

    id: int
    name: str
    type: str
    active: bool
    severity: str
    status: str
    resource_type: str
    resource_id: int
    resource_name: str
    cause: str | None
    started_at: datetime
    resolved_at: datetime | None
    acknowledged_by: str | None
    snoozed_until: datetime | None
    escalation_level: int
    group_id: int | None
    resolved_by: str | None = None
    resolution_reason: str | None = None
    pending: str | None = None  # an operation sent to the engine, not confirmed yet ("acknowledging")

    def state(self, now: datetime) -> str:
        """new, acknowledged, snoozed or resolved (a snooze that ended no longer counts)."""
        if not self.active:
            return "resolved"
        if self.snoozed_until and self.snoozed_until > now:
            return "snoozed"
        return "acknowledged" if self.acknowledged_by else "new"


def load_monitor_rows(config, now: datetime) -> list[MonitorRow]:
    """Every monitor with its status, without results (the cheap first read: the pane paints
    from it while `load_monitor_stats` reads the results)."""
    items = {m.id: m for m in config.monitors} if config else {}
    windows = config.maintenance if config else ()
    # Tuples, not models: 10,000 model instances cost more than the query. The JSON columns are
    # decoded only when they can hold the one key read from them.
    query = (Monitor.select(Monitor.id, Monitor.key, Monitor.name, Monitor.type, Monitor.target,
                            Monitor.paused, Monitor.state, Monitor.definition)
             .order_by(Monitor.name, Monitor.id))
    sql, params = query.sql()
    rows = []
    for monitor_id, key, name, kind, target, paused, state, definition in database_proxy.obj.execute_sql(sql, params):
        if paused:
            status = "paused"
        else:
            item = items.get(key)
            if item is not None and windows and in_maintenance(windows, key, item.tags, now):
                status = "maintenance"
            else:
                status = _json_key(state, "status")
                status = status if status in ("up", "down", "degraded", "verifying") else "new"
        rows.append(MonitorRow(monitor_id, key, name, kind, target, status, group=_json_key(definition, "group")))
    return rows


def _json_key(text, key: str):
    """`key` of a JSON object stored as text (None when absent), decoding only when it can be there."""
    if text is None:
        return None
    if isinstance(text, dict):  # a driver that decodes JSON itself
        return text.get(key)
    if f'"{key}"' not in text:
        return None
    value = json.loads(text)
    return value.get(key) if isinstance(value, dict) else None


@dataclass
class MonitorStats:
    """A monitor's recent results and 24 h counts, read apart from its row."""

    recent: list[float]  # response times in ms, oldest first
    response_ms: float | None
    checked_at: datetime | None
    succeeded: bool  # one of the recent checks succeeded
    checks_24h: int = 0
    failures_24h: int = 0


def load_monitor_stats(now: datetime) -> dict[int, MonitorStats]:
    """{monitor id: its recent response times, last check and 24 h counts} (the second read)."""
    stats: dict[int, MonitorStats] = {}
    current, recent, last_at, succeeded = None, [], None, False
    for monitor_id, at, seconds, ok in _recent_results(now):
        if monitor_id != current:
            if current is not None:
                stats[current] = MonitorStats(recent, recent[-1], _as_utc(last_at), succeeded)
            current, recent, succeeded = monitor_id, [], False
        recent.append(seconds * 1000)
        last_at = at
        succeeded = succeeded or bool(ok)
    if current is not None:
        stats[current] = MonitorStats(recent, recent[-1], _as_utc(last_at), succeeded)
    for monitor_id, (checks, failures) in _counts_24h(now).items():
        entry = stats.get(monitor_id)
        if entry is None:
            entry = stats[monitor_id] = MonitorStats([], None, None, False)
        entry.checks_24h, entry.failures_24h = checks, failures
    return stats


def fill_monitor_stats(rows: list[MonitorRow], stats: dict[int, MonitorStats]) -> list[MonitorRow]:
    """Put read results into rows (a monitor without any gets none); returns the rows."""
    none = MonitorStats([], None, None, False)
    for row in rows:
        entry = stats.get(row.id, none)
        row.recent = list(entry.recent)
        row.response_ms, row.checked_at = entry.response_ms, entry.checked_at
        if row.status == "new" and entry.succeeded:  # checked, its calm state not flushed yet
            row.status = "up"
        row.checks_24h, row.failures_24h = entry.checks_24h, entry.failures_24h
    return rows


def _recent_results(now: datetime):
    """(monitor id, checked_at as stored, seconds, success), oldest first per monitor, at most
    SPARK_POINTS each (times are parsed by the caller, which needs only the last)."""
    database = database_proxy.obj
    p = database.param
    sql = ("SELECT monitor_id, checked_at, response_time, success FROM ("
           "SELECT monitor_id, checked_at, response_time, success, ROW_NUMBER() OVER "
           "(PARTITION BY monitor_id ORDER BY checked_at DESC, id DESC) AS rn "
           f"FROM check_result WHERE checked_at >= {p}) AS recent WHERE rn <= {p} "
           "ORDER BY monitor_id, checked_at")
    return database.execute_sql(sql, (db_time(database, now - RECENT_WINDOW), SPARK_POINTS))


def _counts_24h(now: datetime) -> dict[int, tuple[int, int]]:
    """(checks, failures) per monitor over the last 24 h, rollups and raw results together."""
    return {i: windows[DAY] for i, windows in check_counts(None, now, (DAY,)).items()}


def _as_utc(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def load_heartbeats(config, now: datetime) -> list[HeartbeatRow]:
    """Every heartbeat with its last ping, next deadline and last run duration."""
    items = {h.id: h for h in config.heartbeats} if config else {}
    rows = []
    for h in Heartbeat.select().order_by(Heartbeat.name, Heartbeat.id):
        state = hb_machine.HeartbeatState.from_dict(h.state) if h.state else hb_machine.HeartbeatState.new(now)
        item = items.get(h.key)
        expected = hb_machine.next_deadline(item, state, now) if item is not None and not h.paused else None
        rows.append(HeartbeatRow(h.id, h.key, h.name, "paused" if h.paused else state.status,
                                 state.last_ping_at, expected, state.last_duration, state.watching_since))
    return rows


def next_expected(config, row: HeartbeatRow, now: datetime) -> datetime | None:
    """A heartbeat's next deadline after the row changed in memory (a ping arrived)."""
    item = next((h for h in config.heartbeats if h.id == row.key), None) if config else None
    if item is None or row.status == "paused":
        return None
    state = hb_machine.HeartbeatState(status=row.status, last_ping_at=row.last_ping_at,
                                      watching_since=row.watching_since)
    return hb_machine.next_deadline(item, state, now)


INCIDENT_FIELDS = (Incident.id, Incident.name, Incident.type, Incident.active, Incident.severity,
                   Incident.status, Incident.resource_type, Incident.resource_id, Incident.resource_name,
                   Incident.cause, Incident.started_at, Incident.resolved_at, Incident.acknowledged_by,
                   Incident.snoozed_until, Incident.escalation_level, Incident.group_id,
                   Incident.resolved_by, Incident.resolution_reason)


def incident_row(i: Incident) -> IncidentRow:
    return IncidentRow(i.id, i.name, i.type, i.active, i.severity, i.status, i.resource_type,
                       i.resource_id, i.resource_name, i.cause, i.started_at, i.resolved_at,
                       i.acknowledged_by, i.snoozed_until, i.escalation_level, i.group_id,
                       i.resolved_by, i.resolution_reason)


def load_incidents(now: datetime, resolved_limit: int = 50) -> list[IncidentRow]:
    """Open incidents (newest first), then the last resolved ones."""
    open_ = Incident.select(*INCIDENT_FIELDS).where(Incident.active == True).order_by(  # noqa: E712
        Incident.started_at.desc(), Incident.id.desc())
    closed = (Incident.select(*INCIDENT_FIELDS).where(Incident.active == False)  # noqa: E712
              .order_by(Incident.resolved_at.desc(), Incident.id.desc()).limit(resolved_limit))
    return [incident_row(i) for i in open_] + [incident_row(i) for i in closed]


@dataclass
class IncidentDetail:
    """An incident with its timeline and evidence."""

    incident: IncidentRow
    timeline: list[tuple[datetime, str, str]]  # (when, event, message), oldest first
    evidence: list[Evidence]  # oldest first
    group: list[IncidentRow]  # the other incidents of its group


def incident_detail(incident_id: int) -> IncidentDetail | None:
    """One incident, its events and evidence; None when it was deleted."""
    row = Incident.select(*INCIDENT_FIELDS).where(Incident.id == incident_id).first()
    if row is None:
        return None
    timeline = [(e.dt, e.name, (e.payload or {}).get("message", ""))
                for e in Event.select().where(Event.incident == incident_id).order_by(Event.dt, Event.id)]
    evidence = evidence_of([incident_id])[incident_id]  # the API's incident reads the same
    group = []
    if row.group_id is not None:
        group = [incident_row(i) for i in Incident.select(*INCIDENT_FIELDS).where(
            (Incident.group_id == row.group_id) & (Incident.id != incident_id)).order_by(Incident.id)]
    return IncidentDetail(incident_row(row), timeline, evidence, group)


@dataclass
class MonitorDetail:
    """A monitor's recent results, hourly response times and incidents."""

    id: int
    key: str
    name: str
    type: str
    target: str
    paused: bool
    results: list[tuple[datetime, bool, float, int | None, str | None]]  # newest first
    incidents: list[IncidentRow]
    # Its conditions as written, each with its last outcome: (condition, passed, found); passed
    # and found are None until a check has judged it.
    conditions: list[tuple[str, bool | None, str | None]] = field(default_factory=list)


def monitor_detail(monitor_id: int, limit: int = 100) -> MonitorDetail | None:
    """One monitor with its last `limit` results and its incidents; None when it was removed."""
    m = Monitor.get_or_none(Monitor.id == monitor_id)
    if m is None:
        return None
    results = list(CheckResult.select(CheckResult.checked_at, CheckResult.success, CheckResult.response_time,
                                      CheckResult.status_code, CheckResult.cause)
                   .where(CheckResult.monitor == monitor_id)
                   .order_by(CheckResult.checked_at.desc(), CheckResult.id.desc()).limit(limit)
                   .tuples())  # tuples: a model object per result costs more than the query
    incidents = [incident_row(i) for i in Incident.select(*INCIDENT_FIELDS).where(
        (Incident.resource_type == "monitor") & (Incident.resource_id == monitor_id))
        .order_by(Incident.started_at.desc()).limit(50)]
    return MonitorDetail(m.id, m.key, m.name, m.type, m.target, m.paused, results, incidents,
                         _condition_outcomes(monitor_id, m.definition.get("conditions") or []))


def _condition_outcomes(monitor_id: int, conditions: list[str]) -> list[tuple[str, bool | None, str | None]]:
    """Each condition with the outcome the last check that judged them gave it."""
    if not conditions:
        return []
    last = (CheckResult.select(CheckResult.assertions)
            .where((CheckResult.monitor == monitor_id) & CheckResult.assertions.is_null(False))
            .order_by(CheckResult.checked_at.desc(), CheckResult.id.desc()).limit(1).scalar())
    # A result judged before the conditions were edited may hold fewer or other outcomes.
    outcomes = last if isinstance(last, list) and len(last) == len(conditions) else []
    return [(text, bool(o[0]), o[1]) for text, o in zip(conditions, outcomes)] or [
        (text, None, None) for text in conditions]
