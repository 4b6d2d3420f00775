"""The engine under faults: a state flush racing a step, a database that refuses a second open
incident, a database that goes away (a SQLite lock, killed PostgreSQL connections).

Each test runs on a SQLite file and, when UPTIME_TUI_TEST_PG points at a server, on PostgreSQL.
"""

import asyncio
import logging
import threading

import peewee
import pytest

from support.api import T0, Clock, config, feed
from uptime_tui.engine.service import Engine, EngineOptions
from uptime_tui.runtime.assembly import Runtime, RuntimeOptions
from uptime_tui.store import open_database
from uptime_tui.store.models import CheckResult, Event, Incident, Monitor

pytestmark = pytest.mark.anyio


def engine_on(database, clock):
    """An engine alone: no probes (tests feed results), no notifier."""
    return Engine(config(), database, clock=clock, options=EngineOptions(escalation_tick=3600))


def hold_writer(engine) -> threading.Event:
    """Keep the writer thread busy until the returned event is set (at most 10 s)."""
    release = threading.Event()
    engine.writer.run(lambda: release.wait(10))
    return release


def open_incidents(key="web"):
    return list(Incident.select().where(Incident.resource_key == key, Incident.active == True))  # noqa: E712


async def test_a_state_flushed_while_a_step_is_queued_never_goes_back_before_it(database_url):
    database, clock = open_database(database_url), Clock()
    engine = engine_on(database, clock)
    await engine.start()
    await feed(engine, clock, "web", success=True, times=3)  # calm steps: dirty, not yet stored
    await feed(engine, clock, "web", success=False)  # first failure: still calm
    release = hold_writer(engine)
    opening = asyncio.create_task(feed(engine, clock, "web", success=False))  # confirms: opens
    await asyncio.sleep(0.05)  # the step is queued behind the busy writer
    stopping = asyncio.create_task(engine.stop())  # the final flush snapshots the state before it
    await asyncio.sleep(0.3)
    release.set()
    await stopping
    opening.cancel()
    await asyncio.gather(opening, return_exceptions=True)

    [incident] = open_incidents()
    stored = Monitor.get(Monitor.key == "web")
    assert stored.state["incident"]["id"] == incident.id, "the flush wrote the state from before the step"

    # After a restart the monitor is still down: the same incident continues, then resolves once.
    engine = engine_on(database, clock)
    await engine.start()
    await feed(engine, clock, "web", success=False, times=2)
    assert [i.id for i in open_incidents()] == [incident.id]
    await feed(engine, clock, "web", success=True, times=2)
    await engine.stop()
    assert Incident.get_by_id(incident.id).active is False
    assert Event.select().where(Event.name == "incident.resolved").count() == 1
    database.close()


async def test_an_older_state_version_is_never_stored_over_a_newer_one(database_url):
    database, clock = open_database(database_url), Clock()
    engine = engine_on(database, clock)
    await engine.start()
    await feed(engine, clock, "web", success=False, times=2)  # opens: stored by its step
    tracked = engine.monitors["web"]
    newer = tracked.version
    from uptime_tui.store.writer import update_states

    stale = (tracked.resource.row_id, newer - 1, {"stale": True})
    await engine.writer.run_async(lambda: update_states(Monitor, [stale]))
    await engine.stop()
    stored = Monitor.get(Monitor.key == "web")
    assert stored.state_version == newer and "stale" not in stored.state
    database.close()


async def test_a_second_open_incident_is_refused_and_the_engine_takes_over_the_first(database_url, caplog):
    database, clock = open_database(database_url), Clock()
    engine = engine_on(database, clock)
    await engine.start()
    # An open incident the engine's state does not know of: what the stale flush used to leave.
    row = Incident.create(type="down", name="Web is down", resource_type="monitor",
                          resource_id=engine.monitors["web"].resource.row_id, resource_key="web",
                          resource_name="Web", cause="HTTP 503", status="critical", severity="critical",
                          active=True, started_at=T0, updated_at=T0, created_at=T0)
    with caplog.at_level(logging.ERROR, logger="uptime_tui.engine.service"):
        await feed(engine, clock, "web", success=False, times=2)
    assert [i.id for i in open_incidents()] == [row.id]
    assert Event.select().where(Event.name == "incident.started").count() == 0  # no phantom page
    assert any("refused" in r.getMessage() for r in caplog.records)

    await feed(engine, clock, "web", success=True, times=2)  # the engine resolves the one it took over
    await engine.stop()
    assert Incident.get_by_id(row.id).active is False
    database.close()


async def test_a_locked_sqlite_file_delays_writes_and_loses_none(tmp_path, caplog, monkeypatch):
    import uptime_tui.store.database as store_database

    monkeypatch.setitem(store_database.SQLITE_PRAGMAS, "busy_timeout", 100)  # fail fast, retry
    path = str(tmp_path / "uptime.db")
    database, clock = open_database(path), Clock()
    engine = engine_on(database, clock)
    await engine.start()
    import sqlite3

    other = sqlite3.connect(path, isolation_level=None)  # another process holding the file
    other.execute("BEGIN EXCLUSIVE")
    with caplog.at_level(logging.INFO, logger="uptime_tui.store.writer"):
        await feed(engine, clock, "api", success=True, times=5)  # results only: buffered
        opening = asyncio.create_task(feed(engine, clock, "web", success=False, times=2))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if not engine.health().database.reachable:
                break
        health = engine.health()
        assert not health.database.reachable and "locked" in health.database.last_error
        assert not opening.done()  # the incident waits for the database, in memory
        other.execute("COMMIT")
        other.close()
        async with asyncio.timeout(20):
            await opening
    await engine.stop()
    assert engine.health().database.reachable
    assert len(open_incidents()) == 1
    assert CheckResult.select().count() == 7
    lines = [r.getMessage() for r in caplog.records]
    assert sum("database unreachable" in line for line in lines) == 1
    assert sum("reachable again" in line for line in lines) == 1
    assert not any(r.exc_info for r in caplog.records)
    database.close()


async def test_killed_postgres_connections_are_replaced_and_nothing_is_lost(database_url, caplog):
    if not database_url.startswith("postgres"):
        pytest.skip("kills PostgreSQL backends")
    import psycopg2

    database, clock = open_database(database_url), Clock()
    engine = engine_on(database, clock)
    await engine.start()
    await feed(engine, clock, "api", success=True)
    writer_pid = await engine.writer.run_async(
        lambda: database.execute_sql("SELECT pg_backend_pid()").fetchone()[0])
    admin = psycopg2.connect(database_url)
    admin.autocommit = True
    admin.cursor().execute("SELECT pg_terminate_backend(%s)", (writer_pid,))
    admin.close()
    with caplog.at_level(logging.INFO, logger="uptime_tui.store.writer"):
        await feed(engine, clock, "api", success=True, times=3)
        async with asyncio.timeout(20):
            await feed(engine, clock, "web", success=False, times=2)  # opens an incident
        await engine.stop()
    assert len(open_incidents()) == 1
    assert CheckResult.select().count() == 6
    lines = [r.getMessage() for r in caplog.records]
    assert sum("database unreachable" in line for line in lines) <= 1
    assert not any(r.exc_info for r in caplog.records)
    database.close()


async def test_a_stop_with_the_database_gone_gives_up_after_its_grace_and_says_what_was_lost(tmp_path, caplog, monkeypatch):
    import sqlite3

    import uptime_tui.store.database as store_database
    import uptime_tui.store.writer as writer_module

    monkeypatch.setitem(store_database.SQLITE_PRAGMAS, "busy_timeout", 50)
    monkeypatch.setattr(writer_module, "STOP_GRACE", 0.5)
    path = str(tmp_path / "uptime.db")
    database, clock = open_database(path), Clock()
    engine = engine_on(database, clock)
    await engine.start()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    with caplog.at_level(logging.INFO):
        await feed(engine, clock, "api", success=True, times=3)
        async with asyncio.timeout(20):
            await engine.stop()  # returns: it does not wait for the database forever
    other.execute("COMMIT")
    other.close()
    assert any("were not written" in r.getMessage() for r in caplog.records)
    database.close()


def test_sql_mistakes_are_not_outages():
    import sqlite3

    from uptime_tui.store.outage import is_outage

    assert is_outage(sqlite3.OperationalError("database is locked"))
    assert is_outage(sqlite3.OperationalError("database or disk is full"))
    assert is_outage(peewee.InterfaceError("connection already closed"))
    assert not is_outage(sqlite3.OperationalError("no such column: nope"))
    assert not is_outage(peewee.IntegrityError("UNIQUE constraint failed"))
    assert not is_outage(ValueError("bad"))


async def test_the_notifier_reconnects_after_its_postgres_connection_is_killed(database_url, caplog):
    if not database_url.startswith("postgres"):
        pytest.skip("kills PostgreSQL backends")
    import psycopg2

    from support.notify import Receiver, eventually
    from support.api import CONFIG
    from uptime_tui.config import parse_config

    receiver = Receiver().start()
    text = CONFIG.replace("heartbeats:", f"""channels:
  - {{id: hook, webhook: {{url: "{receiver.url('/hook')}"}}, events: ["incident.*"]}}
heartbeats:""").replace("interval: 1h, confirmation: 2,", "interval: 1h, channels: [hook], confirmation: 2,")
    database, clock = open_database(database_url), Clock()
    runtime = Runtime(parse_config(text, "c.yaml", {}), database, clock=clock, options=RuntimeOptions(
        probes=False, engine=EngineOptions(escalation_tick=3600)))
    engine = runtime.engine
    await runtime.start()
    try:
        pid_query = lambda: database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]  # noqa: E731
        pids = [await engine.writer.run_async(pid_query), await runtime.notifier._reader.run(pid_query)]
        admin = psycopg2.connect(database_url)
        admin.autocommit = True
        for pid in pids:
            admin.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
        admin.close()
        with caplog.at_level(logging.INFO):
            await feed(engine, clock, "web", success=False, times=2)
            assert await eventually(lambda: any(r.json["event"] == "incident.started" for r in receiver.on("/hook")))
    finally:
        await runtime.stop()
        receiver.stop()
        database.close()
    assert not any(r.exc_info for r in caplog.records)


async def test_a_start_whose_sync_met_a_full_disk_announces_each_change_once(tmp_path, monkeypatch):
    import sqlite3

    import uptime_tui.engine.definitions as definitions

    database, clock = open_database(str(tmp_path / "uptime.db")), Clock()
    engine = engine_on(database, clock)
    heard = engine.subscribe()
    sync, failures = definitions.sync_definitions, []

    def full_disk_once(*args, **kwargs):  # the sync ran, then its commit found the disk full
        changes = sync(*args, **kwargs)
        if not failures:
            failures.append(1)
            raise sqlite3.OperationalError("database or disk is full")
        return changes

    monkeypatch.setattr(definitions, "sync_definitions", full_disk_once)
    async with asyncio.timeout(20):
        await engine.start()
    await engine.stop()
    created = [heard.get_nowait()["event"] for _ in range(heard.qsize())].count("monitor.created")
    assert failures and created == 3 == Event.select().where(Event.name == "monitor.created").count()
    database.close()


def test_a_full_disk_is_named_not_the_rollback_that_followed_it():
    import sqlite3

    from uptime_tui.store.writer import Writer

    writer = Writer(peewee.SqliteDatabase(":memory:"), dict)
    try:
        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.OperationalError:
            raise peewee.OperationalError("cannot rollback - no transaction is active")
    except peewee.OperationalError as exc:
        writer._unreachable(exc)
    assert writer.health().last_error == "OperationalError: database or disk is full"


async def test_an_incident_already_resolved_is_never_resolved_again(database_url, caplog):
    database, clock = open_database(database_url), Clock()
    engine = engine_on(database, clock)
    await engine.start()
    await feed(engine, clock, "web", success=False, times=2)
    [incident] = open_incidents()
    resolved_at = T0.replace(hour=8)  # resolved already, by a step the engine's memory missed
    Incident.update(active=False, status="ok", resolved_by="system", resolved_at=resolved_at).where(
        Incident.id == incident.id).execute()
    with caplog.at_level(logging.ERROR, logger="uptime_tui.engine.step_store"):
        await feed(engine, clock, "web", success=True, times=2)
    await engine.stop()
    assert Event.select().where(Event.name == "incident.resolved").count() == 0
    assert Incident.get_by_id(incident.id).resolved_at == resolved_at
    assert any("already resolved" in r.getMessage() for r in caplog.records)
    database.close()
