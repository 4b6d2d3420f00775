"""One writer thread for every database write the engine makes.

SQLite has one writer at a time, and peewee's per-row work costs more than the commit
(PERFORMANCE.md), so check results are queued and written in batches with `executemany`, and
state changes (an incident with its events) run as jobs on the same thread, in order, each in
its own transaction. The event loop never waits on the disk: it gets a future to await when it
must know a change is durable before it publishes it.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import Future
from datetime import timezone
from typing import Any, Callable

import peewee

from uptime_tui.checks.result import CheckResult
from uptime_tui.store.models import CheckResult as CheckResultRow, database_proxy

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
_STOP = object()


class Writer:
    """Owns all writes; `submit_results` batches, `run` executes a transaction job in order."""

    def __init__(self, database: peewee.Database, monitor_ids: Callable[[], dict[str, int]]):
        self.database = database
        self._monitor_ids = monitor_ids  # YAML id -> row id; changes on reload
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="uptime-tui-writer", daemon=True)
        self.written = 0  # check results written, for the benchmark and the console
        columns = ("monitor_id", "checked_at", "success", "response_time", "ttfb_ms", "status_code", "region", "cause")
        marks = ", ".join([database.param] * len(columns))
        self._insert_sql = f"INSERT INTO {CheckResultRow._meta.table_name} ({', '.join(columns)}) VALUES ({marks})"

    def _transaction(self):
        # SQLite: take the write lock at BEGIN. A deferred transaction that reads first (the audit
        # chain's last hash, an incident's state) could otherwise decide on a snapshot that another
        # process (a second console) changes before this one writes.
        if isinstance(self.database, peewee.SqliteDatabase):
            return self.database.atomic(lock_type="IMMEDIATE")
        return self.database.atomic()

    def start(self) -> "Writer":
        """Start the thread."""
        self._thread.start()
        return self

    def submit_results(self, results: list[CheckResult] | CheckResult) -> None:
        """Queue check results for the next batch (never blocks)."""
        self._queue.put(results)

    def run(self, job: Callable[[], Any]) -> Future:
        """Run `job()` in a transaction on the writer thread, after everything queued before it."""
        future: Future = Future()
        self._queue.put((job, future))
        return future

    async def run_async(self, job: Callable[[], Any]) -> Any:
        """`run`, awaited from the event loop."""
        return await asyncio.wrap_future(self.run(job))

    def stop(self, timeout: float = 10.0) -> None:
        """Write what is queued, then end the thread."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    def _loop(self) -> None:
        with self.database.connection_context():
            while True:
                item = self._queue.get()
                pending: list[CheckResult] = []
                stop = False
                # Drain whatever else is waiting, so a busy second becomes a few large batches.
                while True:
                    if item is _STOP:
                        stop = True
                    elif isinstance(item, tuple):
                        self._flush(pending)
                        pending = []
                        self._run_job(*item)
                    elif isinstance(item, list):
                        pending.extend(item)
                    else:
                        pending.append(item)
                    if len(pending) >= BATCH_SIZE:
                        self._flush(pending)
                        pending = []
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                self._flush(pending)
                if stop:
                    return

    def _run_job(self, job: Callable[[], Any], future: Future) -> None:
        # A job runs even when its awaiter was cancelled meanwhile: what the engine decided
        # (an incident, its events) must reach the database all the same.
        awaited = future.set_running_or_notify_cancel()
        try:
            with self._transaction():
                result = job()
        except BaseException as exc:  # handed to whoever awaits the job
            if awaited:
                future.set_exception(exc)
            else:
                log.error("a write job whose caller went away failed: %s", exc)
        else:
            if awaited:
                future.set_result(result)

    def _flush(self, results: list[CheckResult]) -> None:
        if not results:
            return
        try:  # nothing here may end the thread: a lost batch is logged, later ones still land
            ids = self._monitor_ids()
            rows = [
                (ids[r.monitor_id], r.checked_at.astimezone(timezone.utc).replace(tzinfo=None), r.success,
                 r.response_time, r.ttfb_ms, r.status_code, r.region, r.cause)
                for r in results
                if r.monitor_id in ids  # a monitor removed by a reload while its check ran
            ]
            with self._transaction():
                self.database.cursor().executemany(self._insert_sql, rows)
            self.written += len(rows)
        except Exception as exc:  # driver errors (sqlite3 / psycopg2) are not wrapped by cursor()
            log.error("could not write %d check results: %s", len(results), exc)


def update_states(model: type[peewee.Model], rows: list[tuple[int, dict]]) -> None:
    """Store (row id, state) for many monitors or heartbeats in one executemany.

    The engine flushes a few seconds of calm state changes at once (about 1,000 rows at 10,000
    monitors); one peewee UPDATE a row took 290 ms for those on the writer thread, holding the
    interpreter lock the console needs, and executemany takes 12 ms. Run it on the writer thread.
    """
    database = database_proxy.obj
    p = database.param
    sql = (f"UPDATE {model._meta.table_name} SET {model.state.column_name} = {p} "
           f"WHERE {model.id.column_name} = {p}")
    database.cursor().executemany(sql, [(model.state.db_value(state), row_id) for row_id, state in rows])
