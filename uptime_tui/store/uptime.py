"""Uptime over windows (24 h, 7 d, 30 d, 365 d), from hourly rollups plus raw results.

A window starts at the start of the hour of `now - window` (so it is exact to the hour) and ends
at `now`. Retention moves raw results into rollups a few thousand at a time, and a rollup row is
a plain sum, so summing both sources gives the same figures before, during and after a rollup.

Each source is read with one query grouped by monitor that computes every window at once
(conditional sums), so asking for 10,000 monitors costs two or three queries, not 40,000. The cost
is one pass over the rollup rows of the longest window and over the raw results still kept (about
1 s per million raw results on SQLite): callers that show every monitor should cache the answer
for minutes, not ask on every tick.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Iterable

from uptime_tui.store.models import CheckResult, database_proxy
from uptime_tui.store.retention import db_time, hour_sql, hour_start, is_postgres

WINDOWS = (timedelta(hours=24), timedelta(days=7), timedelta(days=30), timedelta(days=365))
# Reading a few monitors through the (monitor_id, ...) indexes costs about three times as much per
# row as one pass over everything (the rows of one monitor are scattered over the table), so an
# IN list is used only for at most a quarter of the monitors, and never for more than this many ids.
IN_LIST_LIMIT = 500

Counts = dict[int, dict[timedelta, tuple[int, int]]]


def window_starts(now: datetime, windows: Iterable[timedelta] = WINDOWS) -> dict[timedelta, datetime]:
    """Each window's first hour."""
    return {window: hour_start(now - window) for window in windows}


def check_counts(monitor_ids: Iterable[int] | None, now: datetime, windows: Iterable[timedelta] = WINDOWS) -> Counts:
    """{monitor id: {window: (checks, failures)}} from rollups and raw results; monitors with no checks are left out."""
    database = database_proxy.obj
    windows = tuple(windows)
    if not windows:
        return {}
    starts = window_starts(now, windows)
    wanted = None if monitor_ids is None else {int(i) for i in monitor_ids}
    if wanted is not None and not wanted:
        return {}
    p = database.param
    earliest = min(starts.values())
    filter_sql, filter_params = "", []
    if wanted is not None and len(wanted) <= IN_LIST_LIMIT and len(wanted) * 4 <= _monitor_count(database):
        filter_sql = f" AND monitor_id IN ({', '.join([p] * len(wanted))})"
        filter_params = sorted(wanted)

    bounds = [db_time(database, earliest), db_time(database, now)]
    window_params = [db_time(database, starts[w]) for w in windows for _ in (0, 1)]

    def query(source: str, time_column: str, checks: str, failures: str, where: str = "") -> str:
        columns = ", ".join(f"SUM(CASE WHEN {time_column} >= {p} THEN {value} ELSE 0 END)"
                            for _ in windows for value in (checks, failures))
        return (f"SELECT monitor_id, {columns} FROM {source} WHERE {where}{time_column} >= {p} "
                f"AND {time_column} <= {p}{filter_sql} GROUP BY monitor_id")

    queries = [query("check_rollup", "hour", "checks", "failures")]
    if is_postgres(database) or filter_sql:
        queries.append(query("check_result", "checked_at", "1", "CASE WHEN success THEN 0 ELSE 1 END"))
    else:
        # Every monitor on SQLite: checks counted on the (monitor_id, checked_at) index alone, in
        # monitor order (no table reads, no sort), and failures, which are few, from one pass over
        # the table; about twice as fast as one query that sorts every raw result by monitor.
        queries.append(query("check_result INDEXED BY check_result_monitor_time", "checked_at", "1", "0"))
        queries.append(query("check_result NOT INDEXED", "checked_at", "0", "1", "NOT success AND "))
    counts: Counts = {}
    for sql in queries:
        for row in database.execute_sql(sql, window_params + bounds + filter_params):
            monitor_id = row[0]
            if wanted is not None and monitor_id not in wanted:
                continue
            per_window = counts.setdefault(monitor_id, {w: (0, 0) for w in windows})
            for i, window in enumerate(windows):
                checks, failures = per_window[window]
                per_window[window] = (checks + int(row[1 + 2 * i] or 0), failures + int(row[2 + 2 * i] or 0))
    return counts


def _monitor_count(database) -> int:
    return database.execute_sql("SELECT COUNT(*) FROM monitor").fetchone()[0]


def uptime(monitor_ids: Iterable[int] | None, now: datetime,
           windows: Iterable[timedelta] = WINDOWS) -> dict[int, dict[timedelta, float | None]]:
    """{monitor id: {window: percent of successful checks, None when there were none}}.

    With `monitor_ids` None: every monitor that has checks in the longest window.
    """
    windows = tuple(windows)
    monitor_ids = None if monitor_ids is None else list(monitor_ids)
    counts = check_counts(monitor_ids, now, windows)
    ids = counts.keys() if monitor_ids is None else monitor_ids
    return {
        monitor_id: {window: percent(*counts.get(monitor_id, {}).get(window, (0, 0))) for window in windows}
        for monitor_id in ids
    }


def percent(checks: int, failures: int) -> float | None:
    """Successful checks in percent, None for no checks."""
    return 100.0 * (checks - failures) / checks if checks else None


def recent_response_times(monitor_id: int, limit: int = 60) -> list[tuple[datetime, float, bool]]:
    """The last `limit` raw results of one monitor, oldest first: (checked_at, seconds, success)."""
    rows = (CheckResult.select(CheckResult.checked_at, CheckResult.response_time, CheckResult.success)
            .where(CheckResult.monitor == monitor_id)
            .order_by(CheckResult.checked_at.desc()).limit(limit).tuples())
    return [(at, seconds, bool(ok)) for at, seconds, ok in reversed(list(rows))]


def hourly_stats(monitor_id: int, since: datetime, now: datetime) -> list[tuple[datetime, int, int, float, float]]:
    """One monitor's hours from the hour of `since` to `now`, oldest first: (hour, checks, failures, mean s, max s).

    Rollups and raw results of the same hour (an hour half rolled up) are merged.
    """
    database = database_proxy.obj
    p = database.param
    params = (monitor_id, db_time(database, hour_start(since)), db_time(database, now))
    hours: dict[datetime, list] = {}
    for sql in (
        "SELECT hour, checks, failures, response_time_sum, response_time_max FROM check_rollup "
        f"WHERE monitor_id = {p} AND hour >= {p} AND hour <= {p}",
        f"SELECT {hour_sql(database, 'checked_at')} AS hour, COUNT(*), "
        "SUM(CASE WHEN success THEN 0 ELSE 1 END), SUM(response_time), MAX(response_time) FROM check_result "
        f"WHERE monitor_id = {p} AND checked_at >= {p} AND checked_at <= {p} GROUP BY hour",
    ):
        for hour, checks, failures, total, longest in database.execute_sql(sql, params):
            key = _as_utc(hour)
            into = hours.setdefault(key, [0, 0, 0.0, 0.0])
            into[0] += checks
            into[1] += failures
            into[2] += total
            into[3] = max(into[3], longest)
    return [(hour, c, f, total / c, longest) for hour, (c, f, total, longest) in sorted(hours.items())]


def _as_utc(value) -> datetime:
    if isinstance(value, str):  # SQLite hands back the stored text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc)
