"""Retention over a simulated year: database size with hourly rollups against raw results kept.

    python bench/retention.py                     # 365 days, 100 monitors checked every 60 s
    python bench/retention.py --days 30 --monitors 100 --baseline-days 7

A temporary SQLite file is filled day by day (each day's 1,440 checks per monitor generated in
SQL from a recursive CTE, with a few incidents, events, deliveries, pings and audit entries), and
`run_retention` (default retention: raw 7 d, rollups 365 d, incidents 30 d, audit 365 d) runs
after each simulated day with a fake `now`, through the batching Writer as in the engine.

Prints the final file size (after `PRAGMA wal_checkpoint(TRUNCATE)`) and the size in use
((page_count - freelist_count) * page_size), row counts per table, seconds spent generating and in
retention, the retention jobs' durations (each is one writer transaction, so this is the longest
a check result could wait behind retention), and, measured in the same run, the baseline: the size
of --baseline-days days of raw results with no retention, extrapolated linearly to 365 days.
Last, one monitor's uptime over 24 h / 7 d / 30 d / 365 d, answered by rollups plus raw results.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a plain checkout too

from uptime_tui import audit  # noqa: E402
from uptime_tui.config import Retention, parse_config  # noqa: E402
from uptime_tui.store import auditlog, open_database  # noqa: E402
from uptime_tui.store.models import (  # noqa: E402
    ALL_MODELS, Event, Heartbeat, Incident, IncidentEvidence, Monitor, NotificationDelivery,
)
from uptime_tui.store.retention import RetentionReport, run_retention  # noqa: E402
from uptime_tui.store.sync import sync_definitions  # noqa: E402
from uptime_tui.store.uptime import WINDOWS, check_counts, uptime  # noqa: E402
from uptime_tui.store.writer import Writer  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
DAY = timedelta(days=1)

# One day of checks: every monitor once a minute at its own second, with microseconds as real
# results have them; about 0.2% scattered failures, plus a 30-minute outage every 10 days. The
# times of day are laid out once per connection (a TEMP table, outside the measured file), so each
# day costs the inserts, not date arithmetic.
DAY_TEMPLATE = """
CREATE TEMP TABLE IF NOT EXISTS day_template AS
WITH RECURSIVE minute(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM minute WHERE n < 1439)
SELECT m.id AS monitor_id, n,
       strftime('%H:%M:%S', n * 60 + m.id % 60, 'unixepoch') || printf('.%06d', (n * 7919 + m.id * 104729) % 1000000)
           AS time_of_day
FROM minute CROSS JOIN (SELECT id FROM monitor) AS m ORDER BY n, m.id
"""

DAY_OF_CHECKS = """
INSERT INTO check_result (monitor_id, checked_at, success, response_time, ttfb_ms, status_code, region, cause)
SELECT monitor_id, ?1 || time_of_day, NOT failed,
       CASE WHEN failed THEN 10.0 ELSE 0.05 + ((n * 13 + monitor_id * 7) % 200) / 1000.0 END,
       CASE WHEN failed THEN NULL ELSE 20.0 + (n * 7 + monitor_id) % 50 END,
       CASE WHEN failed THEN NULL ELSE 200 END,
       'local',
       CASE WHEN failed THEN 'timeout after 10s' ELSE NULL END
FROM (SELECT monitor_id, n, time_of_day,
             ((n * 31 + monitor_id * 17 + ?2 * 13) % 500 = 0)
             OR ((?2 + monitor_id) % 10 = 0 AND n BETWEEN 600 AND 629) AS failed
      FROM temp.day_template ORDER BY rowid)
"""

PINGS_OF_A_DAY = """
WITH RECURSIVE slot(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM slot WHERE n < 287)
INSERT INTO heartbeat_ping (heartbeat_id, received_at, kind, exit_status, body, remote_addr, user_agent)
SELECT ?2, datetime(?1, '+' || (n * 300 + 7) || ' seconds') || '.123456', 'success', NULL, NULL, '127.0.0.1', 'curl/8.5'
FROM slot
"""


def _config(monitors: int):
    yaml = "monitors:\n" + "".join(
        f"  - {{id: m{i}, name: M{i}, type: tcp, host: 127.0.0.1, port: {1024 + i}}}\n" for i in range(monitors)
    ) + "heartbeats:\n  - {id: backup, name: Backup, period: 5m, grace: 1m}\n"
    return parse_config(yaml, "bench.yaml", {})


def _day_of_checks(database, day: int) -> None:
    database.execute_sql(DAY_TEMPLATE)
    database.execute_sql(DAY_OF_CHECKS, (f"{START + day * DAY:%Y-%m-%d} ", day))


def _day_of_history(database, day: int, heartbeat_id: int) -> None:
    """What else a day leaves: pings every 5 minutes, 4 incidents with evidence and events, outbox, audit."""
    database.execute_sql(PINGS_OF_A_DAY, (_sqlite_time(START + day * DAY), heartbeat_id))
    base = START + day * DAY
    for k in range(4):
        started = base + timedelta(hours=2 + 5 * k)
        incident = Incident.create(
            type="down", name=f"M{k} down", resource_type="monitor", resource_id=k + 1, resource_key=f"m{k}",
            resource_name=f"M{k}", cause="timeout after 10s", status="ok", severity="critical", active=False,
            started_at=started, updated_at=started + timedelta(minutes=30), resolved_at=started + timedelta(minutes=30),
            created_at=started,
        )
        for s in range(2):
            IncidentEvidence.create(incident=incident, region="local", timestamp=started - timedelta(minutes=s),
                                    cause="timeout after 10s")
        for name, offset in (("incident.started", 0), ("incident.acknowledged", 5), ("incident.resolved", 30)):
            event = Event.create(name=name, dt=started + timedelta(minutes=offset), incident=incident,
                                 resource_type="monitor", resource_id=k + 1, payload={"incident": incident.id})
            NotificationDelivery.create(
                channel_id="ops", event=event, idempotency_key=f"{event.id}-ops", payload={"event": name},
                state="sent", attempts=1, next_attempt_at=event.dt, created_at=event.dt, sent_at=event.dt,
            )
        auditlog.append(audit.Actor("user", "ana", "ana"), "incident.acknowledged",
                        [audit.Target("incident", str(incident.id), incident.name)], "acknowledged",
                        {"host": "jump"}, started + timedelta(minutes=5))
    Event.create(name="monitor.paused", dt=base + timedelta(hours=23), resource_type="monitor", resource_id=1,
                 payload={})


def _sqlite_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")


def _sizes(database, path: Path) -> tuple[int, int]:
    """(file bytes, bytes in use) after folding the WAL into the file."""
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    pages, free, size = (database.execute_sql(f"PRAGMA {p}").fetchone()[0]
                         for p in ("page_count", "freelist_count", "page_size"))
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0), (pages - free) * size


def _counts(database) -> dict[str, int]:
    return {m._meta.table_name: database.execute_sql(f"SELECT COUNT(*) FROM {m._meta.table_name}").fetchone()[0]
            for m in ALL_MODELS}


def _mb(size: float) -> str:
    return f"{size / 1e6:,.1f} MB"


class _TimedWriter:
    """The Writer as run_retention sees it, timing each job's round trip (queue, job, commit)."""

    def __init__(self, writer: Writer):
        self.writer, self.database, self.durations = writer, writer.database, []

    async def run_async(self, job):
        started = time.perf_counter()
        try:
            return await self.writer.run_async(job)
        finally:
            self.durations.append(time.perf_counter() - started)


def baseline(directory: Path, days: int, monitors: int) -> tuple[int, int, float]:
    """Raw results of `days` days, no retention: (file bytes, bytes in use, seconds)."""
    path = directory / "baseline.db"
    database = open_database(str(path))
    sync_definitions(_config(monitors), START)
    heartbeat = Heartbeat.get().id
    started = time.perf_counter()
    for day in range(days):
        with database.atomic():
            _day_of_checks(database, day)
            _day_of_history(database, day, heartbeat)
    seconds = time.perf_counter() - started
    sizes = _sizes(database, path)
    database.close()
    return *sizes, seconds


async def simulate(directory: Path, days: int, monitors: int) -> None:
    """The year with retention after each day; prints the figures."""
    path = directory / "retention.db"
    database = open_database(str(path))
    sync_definitions(_config(monitors), START)
    heartbeat = Heartbeat.get().id
    writer = Writer(database, dict).start()
    timed = _TimedWriter(writer)
    total, generating, retaining, retaining_cpu = RetentionReport(), 0.0, 0.0, 0.0
    cpu_start = time.process_time()
    try:
        for day in range(days):
            started = time.perf_counter()
            await writer.run_async(lambda: (_day_of_checks(database, day), _day_of_history(database, day, heartbeat)))
            generating += time.perf_counter() - started
            started, cpu = time.perf_counter(), time.process_time()
            report = await run_retention(timed, Retention(), START + (day + 1) * DAY)
            retaining += time.perf_counter() - started
            retaining_cpu += time.process_time() - cpu  # this process, writer thread included
            for name, value in vars(report).items():
                setattr(total, name, getattr(total, name) + value)
            if (day + 1) % 30 == 0 or day + 1 == days:
                print(f"  day {day + 1:3}: {generating + retaining:6.1f} s so far, file {_mb(path.stat().st_size)}",
                      flush=True)
    finally:
        writer.stop(timeout=600)
    cpu_total = time.process_time() - cpu_start
    now = START + days * DAY
    file_size, in_use = _sizes(database, path)
    print(f"\nwith retention, after {days} days of {monitors} monitors at 60 s "
          f"({days * monitors * 1440:,} check results written):")
    print(f"  database file {_mb(file_size)}, in use {_mb(in_use)} (the rest is free pages SQLite reuses)")
    per_result = retaining_cpu / max(1, total.results_rolled_up) * 1e6
    print(f"  time: {generating:.1f} s generating the days, {retaining:.1f} s in run_retention "
          f"({retaining / days * 1000:.0f} ms per simulated day); CPU: {cpu_total - retaining_cpu:.1f} s "
          f"generating, {retaining_cpu:.1f} s retention ({per_result:.1f} us per raw result rolled up, "
          "deletions included)")
    durations = sorted(timed.durations)
    print(f"  retention jobs: {len(durations):,}, each one writer transaction: median "
          f"{statistics.median(durations) * 1000:.1f} ms, p99 {durations[int(len(durations) * 0.99)] * 1000:.1f} ms, "
          f"max {durations[-1] * 1000:.1f} ms")
    print("  rolled up or deleted over the run: " + ", ".join(
        f"{name} {value:,}" for name, value in vars(total).items() if name != "jobs"))
    print("  rows per table: " + ", ".join(f"{table} {count:,}" for table, count in _counts(database).items()))

    first = Monitor.select(Monitor.id).order_by(Monitor.id).scalar()
    started = time.perf_counter()
    every = uptime(None, now)
    elapsed = time.perf_counter() - started
    counts = check_counts([first], now)[first]
    print(f"\nuptime of monitor m0 (id {first}) at {now:%Y-%m-%d %H:%M} UTC, from rollups + raw results:")
    for window in WINDOWS:
        checks, failures = counts[window]
        value = every[first][window]
        shown = "no checks" if value is None else f"{value:.3f} %"
        print(f"  {_window_name(window):>5}: {shown}  ({checks:,} checks, {failures:,} failed)")
    print(f"  uptime() for all {len(every)} monitors over the 4 windows: {elapsed * 1000:.0f} ms")
    database.close()


def _window_name(window: timedelta) -> str:
    return f"{window.days}d" if window.days >= 2 else f"{int(window.total_seconds() // 3600)}h"


def main(argv: list[str] | None = None) -> None:
    """Parse the flags, run the baseline and the simulated year in temporary files."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=365, help="days to simulate with retention")
    parser.add_argument("--monitors", type=int, default=100, help="monitors, each checked every 60 s")
    parser.add_argument("--baseline-days", type=int, default=7, help="days of raw results for the baseline")
    args = parser.parse_args(argv)
    wall = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="uptime-tui-retention-") as name:
        directory = Path(name)
        print(f"baseline: {args.baseline_days} days of raw results, no retention ...", flush=True)
        file_size, in_use, seconds = baseline(directory, args.baseline_days, args.monitors)
        scale = 365 / args.baseline_days
        print(f"  {args.baseline_days} days: file {_mb(file_size)}, in use {_mb(in_use)} ({seconds:.1f} s to generate)")
        print(f"  EXTRAPOLATED to 365 days (x {scale:.1f}, not measured): file {_mb(file_size * scale)}, "
              f"in use {_mb(in_use * scale)}\n", flush=True)
        print(f"simulating {args.days} days with run_retention after each ...", flush=True)
        asyncio.run(simulate(directory, args.days, args.monitors))
    print(f"\ntotal {time.perf_counter() - wall:.0f} s")


if __name__ == "__main__":
    main()
