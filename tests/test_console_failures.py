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

    def locked_twice(config, now):
        attempts.append(now)
        if len(attempts) <= 2:
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
        assert len(attempts) == 3 and app.is_running
        assert {row.name for row in monitors.rows} == {"Web", "API"}
    failures = [r for r in caplog.records if r.message == "Could not load monitors"]
    assert len(failures) == 2  # with the traceback, down to the database's error
    assert all(isinstance(r.exc_info[1].__cause__, peewee.OperationalError) for r in failures)
    database.close()
