"""A read that fails does not end the console: a toast says what failed, the traceback is logged,
the read is tried again (1 s doubling to 30 s, shortened here), and the pane loads once the
database answers again. Through Pilot, with the database only (no engine)."""

import logging

import peewee
import pytest

from uptime_tui.config import parse_config
from uptime_tui.queries import dashboard as queries
from uptime_tui.store import open_database
from uptime_tui.store.sync import sync_definitions
from uptime_tui.tui.app import build_app
from uptime_tui.tui.failed_reads import Backoff, FailedReads

CONFIG = """
settings: {listen: "127.0.0.1:9", region: test}
monitors:
  - {id: web, name: Web, type: http, url: "http://127.0.0.1:9/", interval: 1h}
  - {id: api, name: API, type: http, url: "http://127.0.0.1:9/api", interval: 1h}
"""


async def until(pilot, predicate, what, tries=300, delay=0.02):
    for _ in range(tries):
        if predicate():
            return
        await pilot.pause(delay)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_delay_doubles_up_to_the_longest_and_starts_over_after_a_success():
    backoff = Backoff(first=1.0, longest=30.0)
    assert [backoff.next() for _ in range(7)] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    backoff.reset()
    assert backoff.next() == 1.0


@pytest.mark.anyio
async def test_a_locked_database_is_told_retried_and_the_pane_loads_when_it_answers(tmp_path, monkeypatch, caplog):
    config = parse_config(CONFIG, "c.yaml", {})
    database = open_database(str(tmp_path / "uptime.db"))
    sync_definitions(config)
    read_rows = queries.load_monitor_rows
    attempts = []

    def locked_twice(config, now):  # each load tries twice (a dropped connection is replaced)
        attempts.append(now)
        if len(attempts) <= 4:
            raise peewee.OperationalError("database is locked")
        return read_rows(config, now)

    monkeypatch.setattr(queries, "load_monitor_rows", locked_twice)
    app = build_app(config, operator="alice")
    app.failed_reads = FailedReads(first=0.05, longest=0.1)
    caplog.set_level(logging.ERROR, logger="uptime_tui.tui")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        toasts = lambda: [n.message for n in app._notifications]  # noqa: E731
        await until(pilot, lambda: "Could not load monitors: database is locked" in toasts(), "the toast")
        assert app.is_running and not app.dashboard.loaded
        monitors = app.dashboard.table("monitors")
        await until(pilot, lambda: app.dashboard.loaded and len(monitors.rows) == 2, "the retried load")
        assert len(attempts) == 5 and app.is_running
        assert {row.name for row in monitors.rows} == {"Web", "API"}
    failures = [r for r in caplog.records if r.message == "Could not load monitors"]
    assert len(failures) == 2  # with the traceback, down to the database's error
    assert all(isinstance(r.exc_info[1].__cause__, peewee.OperationalError) for r in failures)
    database.close()


def admin_sql(database_url: str, *statements: str) -> list:
    """Run statements on a connection of their own (another process, as far as the console knows)."""
    if database_url.startswith("postgres"):
        import psycopg2

        admin = psycopg2.connect(database_url)
        admin.autocommit = True
        cursor = admin.cursor()
        cursor.execute("SET lock_timeout = '10s'")
    else:
        import sqlite3

        admin = sqlite3.connect(database_url, timeout=10, isolation_level=None)
        cursor = admin.cursor()
    rows = []
    for statement in statements:
        cursor.execute(statement)
        rows = cursor.fetchall() if cursor.description else []
    admin.close()
    return rows


@pytest.mark.anyio
async def test_a_database_that_goes_away_is_told_and_the_panes_load_when_it_is_back(database_url):
    """The console's connections are cut by the server (PostgreSQL restarted): the next read
    reconnects. Then the monitors' table is gone for a while (renamed from another connection):
    a toast says so, the console stays up, and the panes load once it is back."""
    config = parse_config(CONFIG, "c.yaml", {})
    database = open_database(database_url)
    sync_definitions(config)
    database.close()
    postgres = database_url.startswith("postgres")
    others = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    before = {pid for (pid,) in admin_sql(database_url, others)} if postgres else set()
    app = build_app(config, operator="alice")
    app.failed_reads = FailedReads(first=0.05, longest=0.2)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        monitors = app.dashboard.table("monitors")
        failed = lambda: [n.message for n in app._notifications if n.message.startswith("Could not")]  # noqa: E731

        async def reload_and_wait(what: str) -> None:
            app.dashboard.loaded = False
            app.dashboard.reload()
            await until(pilot, lambda: app.dashboard.loaded and len(monitors.rows) == 2, what)

        await until(pilot, lambda: app.dashboard.loaded and len(monitors.rows) == 2, "the first load")
        if postgres:
            console = {pid for (pid,) in admin_sql(database_url, others)} - before
            assert console, "the console holds a connection of its own"
            admin_sql(database_url, f"SELECT pg_terminate_backend(pid) FROM unnest(ARRAY{sorted(console)}) AS pid")
            await reload_and_wait("the load on a new connection")
            assert failed() == []
        admin_sql(database_url, "ALTER TABLE monitor RENAME TO monitor_away")
        app.dashboard.loaded = False
        app.dashboard.reload()
        await until(pilot, failed, "the toast")
        assert failed()[0].startswith("Could not load monitors: ") and app.is_running
        admin_sql(database_url, "ALTER TABLE monitor_away RENAME TO monitor")
        await until(pilot, lambda: app.dashboard.loaded and len(monitors.rows) == 2, "the load once it is back")
        assert app.is_running
