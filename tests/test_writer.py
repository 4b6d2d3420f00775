"""The writer thread: batched check results and in-order transaction jobs.

Each test runs on a SQLite file and, when UPTIME_TUI_TEST_PG points at a server, on PostgreSQL.
"""

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from uptime_tui.results import CheckResult
from uptime_tui.config import parse_config
from uptime_tui.store import open_database
from uptime_tui.store.models import CheckResult as CheckResultRow
from uptime_tui.store.models import Monitor
from uptime_tui.store.sync import sync_definitions
from uptime_tui.store.writer import BATCH_SIZE, Writer, update_states

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)

YAML = """
monitors:
  - {id: web, name: Web, type: http, url: "http://127.0.0.1:9/", interval: 30s, timeout: 5s}
  - {id: db, name: DB, type: tcp, host: 127.0.0.1, port: 5432}
"""


def result(monitor_id="web", at=NOW, success=True, **overrides):
    values = dict(
        monitor_id=monitor_id, success=success, cause=None if success else "HTTP 503", response_time=0.25,
        ttfb_ms=12.5, status_code=200 if success else 503, region="local", checked_at=at,
    )
    values.update(overrides)
    return CheckResult(**values)


@pytest.fixture
def store(database_url):
    """The migrated database with the two monitors; yields {yaml id: row id}."""
    open_database(database_url)
    sync_definitions(parse_config(YAML, "x.yaml", {}), NOW)
    return {m.key: m.id for m in Monitor.select()}


@pytest.fixture
def writer(store):
    from uptime_tui.store.models import database_proxy

    started = Writer(database_proxy.obj, lambda: store).start()
    yield started
    started.stop()


def rows():
    return list(CheckResultRow.select().order_by(CheckResultRow.id))


def test_every_submitted_result_is_written_by_stop(writer, store):
    # Singles and lists, more than one batch; an offset timezone must come back as the same instant.
    plus_two = timezone(timedelta(hours=2))
    first = result("web", NOW.astimezone(plus_two) + timedelta(microseconds=123456))
    failed = result("db", NOW, success=False, ttfb_ms=None, status_code=None, cause="connection refused")
    writer.submit_results(first)
    writer.submit_results([failed])
    bulk = [result("web" if i % 2 else "db", NOW + timedelta(seconds=i)) for i in range(BATCH_SIZE + 500)]
    for start in range(0, len(bulk), 300):
        writer.submit_results(bulk[start:start + 300])
    writer.stop()

    assert not writer._thread.is_alive()
    assert writer.written == len(bulk) + 2
    written = rows()
    assert len(written) == len(bulk) + 2

    one, two = written[:2]
    assert one.monitor_id == store["web"]
    assert one.checked_at == NOW + timedelta(microseconds=123456)
    assert one.checked_at.tzinfo == timezone.utc
    assert (one.success, one.cause, one.response_time, one.ttfb_ms, one.status_code, one.region) == (
        True, None, 0.25, 12.5, 200, "local")
    assert two.monitor_id == store["db"]
    assert (two.success, two.cause, two.ttfb_ms, two.status_code) == (False, "connection refused", None, None)
    assert [r.checked_at for r in written[2:]] == [r.checked_at for r in bulk]
    assert [r.monitor_id for r in written[2:]] == [store[r.monitor_id] for r in bulk]


def test_results_of_an_unknown_monitor_are_dropped_not_the_batch(writer, store):
    writer.submit_results([result("web"), result("removed-by-reload"), result("db")])
    writer.submit_results(result("also-gone"))
    writer.stop()

    assert writer.written == 2
    assert sorted(r.monitor_id for r in rows()) == sorted([store["web"], store["db"]])


def test_a_job_runs_after_the_results_submitted_before_it(writer):
    writer.submit_results([result("web", NOW + timedelta(seconds=i)) for i in range(10)])
    writer.submit_results(result("db"))
    counted = writer.run(lambda: CheckResultRow.select().count())
    writer.submit_results(result("db"))  # after the job: not seen by it

    assert counted.result(timeout=10) == 11
    writer.stop()
    assert len(rows()) == 12


def test_a_job_exception_reaches_the_future_and_the_writer_goes_on(writer):
    def fails():
        raise ValueError("no such incident")

    failed = writer.run(fails)
    assert isinstance(failed.exception(timeout=10), ValueError)
    assert writer.run(lambda: "still here").result(timeout=10) == "still here"
    writer.submit_results(result("web"))
    writer.stop()
    assert len(rows()) == 1


def test_a_job_that_raises_rolls_back_its_writes(writer, store):
    def half_done():
        Monitor.update(paused=True).where(Monitor.key == "web").execute()
        CheckResultRow.create(monitor=store["web"], checked_at=NOW, success=True, response_time=0.1, region="x")
        raise RuntimeError("halfway")

    with pytest.raises(RuntimeError, match="halfway"):
        writer.run(half_done).result(timeout=10)
    writer.stop()
    assert rows() == []
    assert Monitor.get(Monitor.key == "web").paused is False


@pytest.mark.anyio
async def test_run_async_from_the_event_loop(writer, store):
    writer.submit_results([result("web"), result("db")])

    def pause_web():
        Monitor.update(paused=True).where(Monitor.key == "web").execute()
        return CheckResultRow.select().count()

    assert await writer.run_async(pause_web) == 2
    with pytest.raises(ZeroDivisionError):
        await writer.run_async(lambda: 1 / 0)
    # The loop stays free while the writer works: both jobs run, in submission order.
    order = []
    await asyncio.gather(writer.run_async(lambda: order.append(1)), writer.run_async(lambda: order.append(2)))
    assert order == [1, 2]
    writer.stop()
    assert Monitor.get(Monitor.key == "web").paused is True


@pytest.mark.anyio
async def test_a_cancelled_await_does_not_stop_the_writer(writer):
    import threading

    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(5)
        return 1

    task = asyncio.ensure_future(writer.run_async(slow))
    await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
    task.cancel()  # e.g. asyncio.wait_for timing out, or shutdown cancelling the task
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    assert await asyncio.wait_for(writer.run_async(lambda: "after"), 1) == "after"


def test_update_states_stores_many_states_in_one_job(writer, store):
    states = {"web": {"status": "up", "consecutive_successes": 3, "last": "2026-11-23T12:00:00Z"},
              "db": {"status": "down", "evidence": [{"cause": "refused"}]}}
    writer.run(lambda: update_states(Monitor, [(store[key], 1, state) for key, state in states.items()])).result(10)
    assert {m.key: m.state for m in Monitor.select()} == states
