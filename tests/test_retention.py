"""Retention (rollups and deletions through the writer) and uptime from rollups plus raw results.

Each test runs on a SQLite file and, when UPTIME_TUI_TEST_PG points at a server, on PostgreSQL.
Time is a fixed `NOW`; nothing sleeps.
"""

from datetime import datetime, timedelta, timezone

import pytest

from uptime_tui import audit
from uptime_tui.config import Retention, parse_config
from uptime_tui.store import auditlog, open_database, retention
from uptime_tui.store.models import (
    AuditEntry, CheckResult, CheckRollup, Event, Heartbeat, HeartbeatPing, Incident, IncidentEvidence, Monitor,
    NotificationDelivery, database_proxy,
)
from uptime_tui.store.retention import RetentionReport, roll_up_batch, run_retention
from uptime_tui.store.sync import sync_definitions
from uptime_tui.store.uptime import check_counts, hourly_stats, recent_response_times, uptime
from uptime_tui.store.writer import Writer

NOW = datetime(2026, 11, 23, 12, 30, tzinfo=timezone.utc)
CUTOFF = datetime(2026, 11, 16, 12, 0, tzinfo=timezone.utc)  # start of the hour of NOW - 7 days
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
RETENTION = Retention(check_results=7, rollups=365, incidents=30, audit=365)
W24, W7, W30, W365 = timedelta(hours=24), timedelta(days=7), timedelta(days=30), timedelta(days=365)

YAML = """
monitors:
  - {id: web, name: Web, type: http, url: "http://127.0.0.1:9/"}
  - {id: db, name: DB, type: tcp, host: 127.0.0.1, port: 5432}
heartbeats:
  - {id: backup, name: Backup, period: 1d, grace: 1h}
"""


@pytest.fixture
def store(database_url):
    """The migrated database with two monitors; yields {yaml id: row id}."""
    open_database(database_url)
    sync_definitions(parse_config(YAML, "x.yaml", {}), NOW - 400 * DAY)
    return {m.key: m.id for m in Monitor.select()}


@pytest.fixture
def writer(store):
    started = Writer(database_proxy.obj, lambda: store).start()
    yield started
    started.stop()


def add_results(monitor_id, start, count, step=timedelta(minutes=1), fail=lambda i: i % 7 == 3,
                response_time=lambda i: 0.05 + (i % 13) / 100):
    """`count` results of one monitor from `start`, `step` apart; returns the rows as inserted."""
    rows = [
        dict(monitor=monitor_id, checked_at=start + i * step, success=not fail(i), response_time=response_time(i),
             ttfb_ms=10.0, status_code=503 if fail(i) else 200, region="local", cause="HTTP 503" if fail(i) else None)
        for i in range(count)
    ]
    with database_proxy.obj.atomic():
        for chunk in range(0, len(rows), 500):
            CheckResult.insert_many(rows[chunk:chunk + 500]).execute()
    return rows


def expected_rollups(rows, cutoff):
    """{(monitor, hour): (checks, failures, sum, max)} computed in Python from the rows before `cutoff`."""
    hours = {}
    for row in rows:
        if row["checked_at"] >= cutoff:
            continue
        key = (row["monitor"], retention.hour_start(row["checked_at"]))
        checks, failures, total, longest = hours.get(key, (0, 0, 0.0, 0.0))
        hours[key] = (checks + 1, failures + (not row["success"]), total + row["response_time"],
                      max(longest, row["response_time"]))
    return hours


def assert_stats_equal(actual, expected):
    assert [s[:3] for s in actual] == [s[:3] for s in expected]
    assert [s[3:] for s in actual] == [pytest.approx(s[3:]) for s in expected]


def stored_rollups():
    return {(r.monitor_id, r.hour): (r.checks, r.failures, r.response_time_sum, r.response_time_max)
            for r in CheckRollup.select()}


def assert_rollups_equal(actual, expected):
    assert actual.keys() == expected.keys()
    for key, (checks, failures, total, longest) in expected.items():
        assert actual[key][:2] == (checks, failures), key
        assert actual[key][2] == pytest.approx(total) and actual[key][3] == pytest.approx(longest), key


# --- rollups -------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("batch", [retention.ROLLUP_BATCH, 37])  # 37: jobs split hours, which must merge
async def test_rolls_up_only_whole_hours_older_than_the_cutoff(writer, store, monkeypatch, batch):
    monkeypatch.setattr(retention, "ROLLUP_BATCH", batch)
    web, db = store["web"], store["db"]
    # 09:00-13:59 on the cutoff day, with microseconds; 12:00 onwards is inside the retention.
    rows = add_results(web, CUTOFF - 3 * HOUR + timedelta(microseconds=250_000), 300)
    rows += add_results(db, CUTOFF - 2 * HOUR, 60, step=timedelta(seconds=59), fail=lambda i: i < 5)
    edge = add_results(web, CUTOFF - timedelta(microseconds=1), 2, step=timedelta(microseconds=1), fail=lambda i: True)
    rows += edge  # 11:59:59.999999 is rolled up, 12:00:00.000000 is not

    report = await run_retention(writer, RETENTION, NOW)

    expected = expected_rollups(rows, CUTOFF)
    assert {hour for _, hour in expected} == {CUTOFF - 3 * HOUR, CUTOFF - 2 * HOUR, CUTOFF - HOUR}
    assert_rollups_equal(stored_rollups(), expected)
    assert report.results_rolled_up == sum(c for c, *_ in expected.values()) == 180 + 60 + 1
    assert report.jobs > (241 // batch)
    remaining = list(CheckResult.select().order_by(CheckResult.checked_at))
    assert len(remaining) == len(rows) - report.results_rolled_up
    assert remaining[0].checked_at == CUTOFF and all(r.checked_at >= CUTOFF for r in remaining)


@pytest.mark.anyio
async def test_merges_into_an_existing_rollup_row(writer, store):
    web = store["web"]
    hour = CUTOFF - 5 * HOUR
    CheckRollup.create(monitor=web, hour=hour, checks=100, failures=4, response_time_sum=10.0, response_time_max=9.5)
    CheckRollup.create(monitor=web, hour=hour + HOUR, checks=10, failures=0, response_time_sum=1.0,
                       response_time_max=0.01)
    rows = add_results(web, hour + timedelta(minutes=30), 60)  # half in each hour

    await run_retention(writer, RETENTION, NOW)

    fresh = expected_rollups(rows, CUTOFF)
    first, second = fresh[(web, hour)], fresh[(web, hour + HOUR)]
    assert_rollups_equal(stored_rollups(), {
        (web, hour): (100 + first[0], 4 + first[1], 10.0 + first[2], 9.5),  # the stored max was higher
        (web, hour + HOUR): (10 + second[0], second[1], 1.0 + second[2], second[3]),
    })
    assert CheckRollup.select().count() == 2  # merged, not inserted beside
    assert CheckResult.select().count() == 0


@pytest.mark.anyio
async def test_uptime_is_the_same_before_during_and_after_a_rollup(writer, store, monkeypatch):
    web, db = store["web"], store["db"]
    start = NOW - 40 * DAY - timedelta(minutes=17)
    add_results(web, start, 40 * 144 + 2, step=timedelta(minutes=10), fail=lambda i: i % 11 == 0 or 3000 < i < 3040)
    add_results(db, start + timedelta(minutes=3), 40 * 144, step=timedelta(minutes=10), fail=lambda i: i > 5700)
    before = uptime(None, NOW)
    assert both_ways(monkeypatch, [web, db]) == before
    counts_before = check_counts([web, db], NOW)
    stats_before = hourly_stats(web, NOW - 10 * DAY, NOW)

    assert await writer.run_async(lambda: roll_up_batch(database_proxy.obj, CUTOFF, 1000)) == 1000
    assert uptime(None, NOW) == before  # an hour half rolled up counts once
    assert_stats_equal(hourly_stats(web, NOW - 10 * DAY, NOW), stats_before)

    report = await run_retention(writer, RETENTION, NOW)
    assert report.results_rolled_up > 5000
    assert uptime(None, NOW) == before
    assert both_ways(monkeypatch, [web, db]) == before
    assert check_counts([web, db], NOW) == counts_before
    assert_stats_equal(hourly_stats(web, NOW - 10 * DAY, NOW), stats_before)
    assert len(stats_before) == 10 * 24 + 1 and stats_before[0][0] == NOW.replace(minute=0) - 10 * DAY
    # The windows really differ, and the year window covers all 40 days.
    assert before[db][W24] == pytest.approx(100 * (145 - 59) / 145)  # 12:06 yesterday to 12:06, 59 failed
    assert before[web][W24] != before[web][W30]
    assert counts_before[web][W365][0] == 40 * 144 + 2
    assert counts_before[web][W24][0] == 24 * 6 + 3  # 12:03 yesterday to 12:23: from the hour's start


def both_ways(monkeypatch, ids):
    """uptime() of `ids` read through an IN list and through one pass over every monitor, which agree."""
    from uptime_tui.store import uptime as module

    with monkeypatch.context() as patch:
        patch.setattr(module, "_monitor_count", lambda database: 10_000)  # few ids among many: IN list
        filtered = uptime(ids, NOW)
    every = uptime(ids, NOW)  # 2 of 2 monitors: one pass over all
    assert filtered == every
    return every


def test_uptime_windows_start_at_the_hour_and_none_without_checks(store, monkeypatch):
    web, db = store["web"], store["db"]
    yesterday_noon = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
    add_results(web, yesterday_noon - timedelta(minutes=1), 1, fail=lambda i: True)  # 11:59: outside 24 h
    add_results(web, yesterday_noon + timedelta(minutes=5), 1, fail=lambda i: True)  # 12:05: inside (hour)
    add_results(web, NOW - timedelta(minutes=9), 8, fail=lambda i: False)
    add_results(web, NOW + timedelta(minutes=1), 1, fail=lambda i: True)  # after `now`: not counted
    CheckRollup.create(monitor=web, hour=retention.hour_start(NOW - 20 * DAY), checks=90, failures=0,
                       response_time_sum=9.0, response_time_max=0.2)

    result = both_ways(monkeypatch, [web, db])
    assert result[web][W24] == pytest.approx(100 * 8 / 9)
    assert result[web][W7] == pytest.approx(100 * 8 / 10)
    assert result[web][W30] == result[web][W365] == pytest.approx(100 * 98 / 100)
    assert result[db] == {W24: None, W7: None, W30: None, W365: None}
    assert uptime([], NOW) == {}
    assert uptime([db], NOW, windows=[HOUR]) == {db: {HOUR: None}}
    assert list(uptime(None, NOW)) == [web]
    recent = recent_response_times(web, limit=3)
    assert [at for at, _, _ in recent] == [NOW - timedelta(minutes=3), NOW - timedelta(minutes=2),
                                           NOW + timedelta(minutes=1)]
    assert [ok for _, _, ok in recent] == [True, True, False]


def test_uptime_for_many_monitors_reads_everything_once(store, monkeypatch):
    from uptime_tui.store import uptime as module

    web, db = store["web"], store["db"]
    add_results(web, NOW - HOUR, 10, fail=lambda i: i == 0)
    add_results(db, NOW - HOUR, 10, fail=lambda i: False)
    monkeypatch.setattr(module, "IN_LIST_LIMIT", 1)  # as if 10,000 ids were asked for
    assert uptime([web, 999], NOW, windows=[W24]) == {web: {W24: 90.0}, 999: {W24: None}}


# --- deletions -----------------------------------------------------------------------------------


def make_incident(active, resolved_at, started_at=NOW - 90 * DAY, kind="down"):
    incident = Incident.create(
        type=kind, name="Web down", resource_type="monitor", resource_id=1, resource_key="web",
        resource_name="Web", status="ok" if not active else "critical", severity="critical", active=active,
        started_at=started_at, updated_at=resolved_at or started_at, resolved_at=resolved_at, created_at=started_at,
    )
    IncidentEvidence.create(incident=incident, region="local", timestamp=started_at, cause="HTTP 503")
    Event.create(name="incident.started", dt=started_at, incident=incident, payload={})
    return incident


def make_delivery(key, state, created_at, event=None):
    return NotificationDelivery.create(channel_id="ops", idempotency_key=key, payload={}, state=state, event=event,
                                       next_attempt_at=created_at, created_at=created_at)


@pytest.mark.anyio
async def test_each_kind_is_deleted_after_its_retention_only(writer, store):
    web = store["web"]
    backup = Heartbeat.get(Heartbeat.key == "backup").id
    old_rollup = datetime(2025, 11, 23, 12, 0, tzinfo=timezone.utc)  # the hour of NOW - 365 d: kept
    for hour in (old_rollup - HOUR, old_rollup, old_rollup + HOUR):
        CheckRollup.create(monitor=web, hour=hour, checks=1, failures=0, response_time_sum=0.1,
                           response_time_max=0.1)
    for at in (NOW - 7 * DAY - timedelta(seconds=1), NOW - 7 * DAY + timedelta(seconds=1)):
        HeartbeatPing.create(heartbeat=backup, received_at=at, kind="success")
    month_ago = NOW - 30 * DAY
    gone = make_incident(False, month_ago - timedelta(minutes=1))
    recent = make_incident(False, month_ago + timedelta(minutes=1))
    ongoing = make_incident(True, None)
    odd = make_incident(True, month_ago - 5 * DAY, kind="degraded")  # active wins over a stale resolved_at
    gone_event = Event.get(Event.incident == gone)
    kept_delivery_of_gone = make_delivery("pending-of-gone", "pending", month_ago - DAY, gone_event)
    Event.create(name="monitor.created", dt=month_ago - timedelta(seconds=1), payload={})
    Event.create(name="monitor.created", dt=month_ago + timedelta(seconds=1), payload={})
    for state in ("sent", "failed", "pending"):
        make_delivery(f"old-{state}", state, month_ago - timedelta(seconds=1))
        make_delivery(f"new-{state}", state, month_ago + timedelta(seconds=1))

    report = await run_retention(writer, RETENTION, NOW)

    assert [r.hour for r in CheckRollup.select().order_by(CheckRollup.hour)] == [old_rollup, old_rollup + HOUR]
    assert [p.received_at for p in HeartbeatPing.select()] == [NOW - 7 * DAY + timedelta(seconds=1)]
    assert {i.id for i in Incident.select()} == {recent.id, ongoing.id, odd.id}
    assert {e.incident_id for e in IncidentEvidence.select()} == {recent.id, ongoing.id, odd.id}
    assert [(e.incident_id, e.dt) for e in Event.select().order_by(Event.id)] == [
        (recent.id, recent.started_at), (ongoing.id, ongoing.started_at), (odd.id, odd.started_at),
        (None, month_ago + timedelta(seconds=1)),
    ]
    assert sorted(d.idempotency_key for d in NotificationDelivery.select()) == [
        "new-failed", "new-pending", "new-sent", "old-pending", "pending-of-gone"]
    assert NotificationDelivery.get_by_id(kept_delivery_of_gone.id).event_id is None
    assert report == RetentionReport(
        rollups_deleted=1, heartbeat_pings_deleted=1, incidents_deleted=1, events_deleted=1, deliveries_deleted=2,
        jobs=report.jobs,
    )


# --- audit ---------------------------------------------------------------------------------------


def append_audit(created_at, name):
    target = audit.Target("monitor", "web", name)
    return auditlog.append(audit.SYSTEM, "monitor.updated", [target], f"{name} updated", {"host": "h"}, created_at)


def assert_chain_holds():
    """Every remaining entry's hash is right, and each links to the one before it."""
    entries = list(AuditEntry.select().order_by(AuditEntry.id))
    for before, entry in zip(entries, entries[1:]):
        assert entry.previous_hash == before.hash
    for entry in entries:
        actor = audit.Actor(entry.actor_type, entry.actor_id, entry.actor_name, entry.actor_metadata)
        targets = [audit.Target(**t) for t in entry.targets]
        fields = audit.entry_fields(entry.created_at, actor, entry.action, targets, entry.context, entry.message)
        assert entry.hash == audit.entry_hash(entry.previous_hash, fields)
    if hasattr(auditlog, "verify"):  # the store's own verifier, where it exists
        assert auditlog.verify().intact, str(auditlog.verify())
    return entries


@pytest.mark.anyio
async def test_old_audit_entries_are_pruned_behind_an_anchor(writer, store):
    year_ago = NOW - 365 * DAY
    old = [append_audit(year_ago - timedelta(days=3 - i), f"old{i}") for i in range(3)]
    kept = [append_audit(year_ago + timedelta(days=i + 1), f"new{i}") for i in range(2)]

    report = await run_retention(writer, RETENTION, NOW)

    assert (report.audit_entries_deleted, report.audit_anchors) == (3, 1)
    entries = assert_chain_holds()
    assert [e.id for e in entries[:2]] == [k.id for k in kept]
    anchor = entries[-1]
    assert (anchor.action, anchor.actor_type, anchor.created_at, anchor.targets) == ("audit.pruned", "system", NOW, [])
    assert anchor.context["pruned_through_id"] == old[-1].id
    assert anchor.context["pruned_through_hash"] == old[-1].hash == entries[0].previous_hash
    assert anchor.context["host"] == audit.local_context()["host"]
    assert "3 audit entries" in anchor.message


@pytest.mark.anyio
async def test_audit_prune_in_batches_and_of_every_entry_keeps_the_chain_anchored(writer, store, monkeypatch):
    monkeypatch.setattr(retention, "AUDIT_BATCH", 2)
    old = [append_audit(NOW - 400 * DAY + timedelta(hours=i), f"old{i}") for i in range(5)]

    report = await run_retention(writer, RETENTION, NOW)

    assert (report.audit_entries_deleted, report.audit_anchors) == (5, 3)
    entries = assert_chain_holds()
    assert [e.action for e in entries] == ["audit.pruned"] * 3
    # Each batch anchors what it pruned; the last anchor names the last entry gone.
    assert [e.context["pruned_through_id"] for e in entries] == [old[1].id, old[3].id, old[4].id]
    assert entries[0].previous_hash == old[-1].hash == entries[-1].context["pruned_through_hash"]


@pytest.mark.anyio
async def test_an_entry_out_of_order_stops_the_prefix(writer, store):
    old = append_audit(NOW - 400 * DAY, "old")
    young = append_audit(NOW - DAY, "young")
    later_but_older = append_audit(NOW - 399 * DAY, "clock went back")  # kept: a later entry is young
    await run_retention(writer, RETENTION, NOW)
    entries = assert_chain_holds()
    assert [e.id for e in entries[:2]] == [young.id, later_but_older.id]
    assert entries[0].previous_hash == old.hash == entries[-1].context["pruned_through_hash"]


# --- idempotence ---------------------------------------------------------------------------------


def snapshot():
    tables = (CheckResult, CheckRollup, HeartbeatPing, Incident, IncidentEvidence, Event, NotificationDelivery,
              AuditEntry)
    return {model.__name__: sorted(model.select().tuples()) for model in tables}


@pytest.mark.anyio
async def test_a_second_pass_does_nothing(writer, store):
    web = store["web"]
    add_results(web, NOW - 9 * DAY, 3 * 24 * 6, step=timedelta(minutes=10))
    make_incident(False, NOW - 60 * DAY)
    make_delivery("old", "sent", NOW - 60 * DAY)
    Event.create(name="monitor.created", dt=NOW - 60 * DAY, payload={})
    append_audit(NOW - 500 * DAY, "old")
    CheckRollup.create(monitor=web, hour=NOW - 500 * DAY, checks=1, failures=0, response_time_sum=0.1,
                       response_time_max=0.1)

    first = await run_retention(writer, RETENTION, NOW)
    assert first.results_rolled_up and first.incidents_deleted and first.audit_anchors == 1
    after_first = snapshot()
    second = await run_retention(writer, RETENTION, NOW)
    assert second.total() == 0 and second.audit_anchors == 0
    assert snapshot() == after_first
