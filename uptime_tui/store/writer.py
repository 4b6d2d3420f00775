"""One writer thread for every database write the engine makes, and what it does in an outage.

SQLite has one writer at a time, and peewee's per-row work costs more than the commit
(docs/performance.md), so check results are queued and written in batches with `executemany`, and
state changes (an incident with its events) run as jobs on the same thread, in order, each in
its own transaction. The event loop never waits on the disk: it gets a future to await when it
must know a change is durable before it publishes it.

When the database cannot be written (PostgreSQL restarted or the connection killed, SQLite's disk
full or its file locked by another process), nothing the engine decided is dropped: jobs stay
queued in order and are retried with backoff on a fresh connection, check results wait in a
bounded buffer (the oldest go first when it is full, and are counted), and incident decisions go
ahead of buffered results once the database answers again. One log line says when an outage
starts, one a minute while it lasts, one when it ends; `health()` says it to the console and API.

With a `fence` (store/lease.py `check_fence` bound to the engine's epoch), every transaction
checks first that this engine still holds the lease. Once it does not (the fence tripped, or the
runtime's renewal found another epoch and called `lose_lease`), the writer writes nothing more:
jobs fail with LeaseLost and check results are dropped, and `on_lease_lost` is called once.

Just over our module size: batching, the outage and the fence all sit in the one loop that owns
the connection, and split apart they would share its state.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

import peewee

from uptime_tui.results import CheckResult
from uptime_tui.store.lease import LeaseLost
from uptime_tui.store.outage import RESULT_BUFFER, DatabaseHealth, DatabaseUnreachable, is_outage
from uptime_tui.store.models import CheckResult as CheckResultRow, database_proxy

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
RETRY_FIRST, RETRY_MAX = 0.1, 5.0  # seconds between attempts while the database is unreachable
STOP_GRACE = 5.0  # seconds a stop waits for an unreachable database before giving up
STILL_UNREACHABLE_EVERY = 60.0  # seconds between "still unreachable" log lines
_STOP = object()

@dataclass
class _Job:
    job: Callable[[], Any]
    future: Future
    awaited: bool


class Writer:
    """Owns all writes; `submit_results` batches, `run` executes a transaction job in order."""

    def __init__(self, database: peewee.Database, monitor_ids: Callable[[], dict[str, int]], *,
                 buffer_size: int = RESULT_BUFFER, fence: Callable[[], None] | None = None):
        self.database = database
        self._fence = fence  # raises LeaseLost when this engine no longer holds the lease
        self.lease_lost: LeaseLost | None = None  # once set, nothing more is written
        self.on_lease_lost: Callable[[LeaseLost], None] | None = None  # called once, on this thread
        self._monitor_ids = monitor_ids  # YAML id -> row id; changes on reload
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="uptime-tui-writer", daemon=True)
        self.written = 0  # check results written, for the benchmark and the console
        self.buffer_size = buffer_size
        self._pending: deque = deque()  # jobs and fresh results, in the order they came
        self._backlog: deque[CheckResult] = deque()  # results that met an outage, oldest first
        self._dropped = 0
        self._jobs_waiting = 0
        self._outage_since: float | None = None  # time.monotonic() of the first failure
        self._outage_started_at: datetime | None = None
        self._outage_dropped = 0
        self._last_error: str | None = None
        self._attempts = 0
        self._retry_at = 0.0
        self._last_said = 0.0
        self._stop_by: float | None = None
        columns = ("monitor_id", "checked_at", "success", "response_time", "ttfb_ms", "status_code", "region", "cause",
                   "assertions")
        marks = ", ".join([database.param] * len(columns))
        self._insert_sql = f"INSERT INTO {CheckResultRow._meta.table_name} ({', '.join(columns)}) VALUES ({marks})"

    def lose_lease(self, lost: LeaseLost) -> None:
        """Write nothing more (the runtime's renewal found another engine's epoch)."""
        if self.lease_lost is None:
            self.lease_lost = lost

    def _lost_again(self) -> LeaseLost:
        # A fresh exception each time: one raised again and again would grow its traceback.
        return LeaseLost(self.lease_lost.epoch, self.lease_lost.holder)

    def _fenced(self) -> None:
        """First thing in every transaction: raise LeaseLost when the lease is not ours."""
        if self.lease_lost is not None:
            raise self._lost_again()
        if self._fence is not None:
            try:
                self._fence()
            except LeaseLost as lost:
                self.lease_lost = lost
                if self.on_lease_lost is not None:
                    self.on_lease_lost(lost)
                raise

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

    def stop(self, timeout: float = 20.0) -> None:
        """Write what is queued (waiting up to STOP_GRACE for an unreachable database), then end."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    def health(self) -> DatabaseHealth:
        """A snapshot of the database's state as the writer sees it (any thread may call it)."""
        return DatabaseHealth(
            reachable=self._outage_since is None, unreachable_since=self._outage_started_at,
            last_error=self._last_error, results_waiting=len(self._backlog),
            results_dropped=self._dropped,
            changes_waiting=self._jobs_waiting,
            buffer_size=self.buffer_size)

    # --- the thread -----------------------------------------------------------------------------

    def _loop(self) -> None:
        try:
            while True:
                self._take(self._wait())
                if self._stop_by is not None and (self._done() or time.monotonic() >= self._stop_by):
                    break
                if time.monotonic() >= self._retry_at:
                    self._work()
        finally:
            self._give_up()
            self._disconnect()

    def _wait(self) -> float | None:
        """How long to wait for new items: forever when idle, until the next retry in an outage."""
        if self._done():
            return 0.0 if self._stop_by is not None else None
        return max(0.0, self._retry_at - time.monotonic())

    def _done(self) -> bool:
        return not self._pending and not self._backlog

    def _take(self, wait: float | None) -> None:
        """Move queued items into pending work (results into the backlog during an outage)."""
        try:
            item = self._queue.get(timeout=wait) if wait != 0 else self._queue.get_nowait()
        except queue.Empty:
            return
        while True:
            if item is _STOP:
                self._stop_by = time.monotonic() + STOP_GRACE
            elif isinstance(item, tuple):
                job, future = item
                # A job runs even when its awaiter was cancelled meanwhile: what the engine decided
                # (an incident, its events) must reach the database all the same.
                self._pending.append(_Job(job, future, future.set_running_or_notify_cancel()))
                self._jobs_waiting += 1
            else:
                results = item if isinstance(item, list) else [item]
                if self._outage_since is not None:
                    self._buffer(results)
                else:
                    self._pending.extend(results)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return

    def _work(self) -> None:
        """Write pending work in order, then the backlog; stop at the first sign of an outage."""
        while self._pending:
            head = self._pending[0]
            if isinstance(head, _Job):
                if not self._attempt(self._run_job, head):
                    return
                self._pending.popleft()
                self._jobs_waiting -= 1
                continue
            batch = []
            while self._pending and len(batch) < BATCH_SIZE and not isinstance(self._pending[0], _Job):
                batch.append(self._pending.popleft())
            if not self._attempt(self._write_results, batch):
                self._buffer(batch)  # the jobs behind it must not wait for these
                return
        while self._backlog and self._queue.empty():
            batch = [self._backlog.popleft() for _ in range(min(BATCH_SIZE, len(self._backlog)))]
            if not self._attempt(self._write_results, batch):
                self._backlog.extendleft(reversed(batch))
                return

    def _attempt(self, write: Callable, item) -> bool:
        """Run one write; False (and a backoff) when the database is unreachable."""
        try:
            self.database.connect(reuse_if_open=True)
            write(item)
        except Exception as exc:  # the writes raise only outages; connect may raise anything
            self._unreachable(exc)
            return False
        if self._outage_since is not None:
            self._reachable_again()
        return True

    def _run_job(self, pending: _Job) -> None:
        try:
            if self.lease_lost is not None:
                raise self._lost_again()  # no transaction at all: another engine owns the database
            with self._transaction():
                self._fenced()
                result = pending.job()
        except LeaseLost as exc:
            if pending.awaited:
                pending.future.set_exception(exc)
        except Exception as exc:
            if is_outage(exc):
                raise  # retried on a fresh connection
            if pending.awaited:
                pending.future.set_exception(exc)
            else:
                log.error("a write job whose caller went away failed: %s", exc)
        except BaseException as exc:  # handed to whoever awaits the job
            if pending.awaited:
                pending.future.set_exception(exc)
        else:
            if pending.awaited:
                pending.future.set_result(result)

    def _write_results(self, results: list[CheckResult]) -> None:
        ids = self._monitor_ids()
        rows = [
            (ids[r.monitor_id], r.checked_at.astimezone(timezone.utc).replace(tzinfo=None), r.success,
             r.response_time, r.ttfb_ms, r.status_code, r.region, r.cause,
             None if r.assertions is None else json.dumps(r.assertions, separators=(",", ":")))
            for r in results
            if r.monitor_id in ids  # a monitor removed by a reload while its check ran
        ]
        if self.lease_lost is not None:
            return  # another engine checks these monitors now
        try:
            with self._transaction():
                self._fenced()
                self.database.cursor().executemany(self._insert_sql, rows)
        except LeaseLost:
            return
        except Exception as exc:
            if is_outage(exc):
                raise
            # Nothing else may end the thread: a batch the database refuses is logged and dropped.
            log.error("could not write %d check results: %s", len(results), exc)
            return
        self.written += len(rows)

    # --- outages ----------------------------------------------------------------------------------

    def _buffer(self, results: list[CheckResult]) -> None:
        self._backlog.extend(results)
        over = len(self._backlog) - self.buffer_size
        for _ in range(max(0, over)):
            self._backlog.popleft()
        if over > 0:
            self._dropped += over
            self._outage_dropped += over

    def _unreachable(self, exc: Exception) -> None:
        now = time.monotonic()
        # A failed commit on a full disk surfaces as the rollback's "cannot rollback - no
        # transaction is active": name what happened first.
        while "cannot rollback" in str(exc) and exc.__context__ is not None:
            exc = exc.__context__
        self._last_error = f"{type(exc).__name__}: {str(exc).strip() or 'no detail'}".splitlines()[0]
        self._disconnect()
        if self._outage_since is None:
            self._outage_since, self._last_said = now, now
            self._outage_started_at = datetime.now(timezone.utc)
            self._outage_dropped = 0
            log.error("database unreachable (%s): keeping incident changes in order and up to %d "
                      "check results in memory; retrying", self._last_error, self.buffer_size)
        elif now - self._last_said >= STILL_UNREACHABLE_EVERY:
            self._last_said = now
            log.error("database still unreachable after %.0f s (%s): %d check results buffered, "
                      "%d dropped, %d changes waiting", now - self._outage_since, self._last_error,
                      len(self._backlog), self._outage_dropped, self._jobs_waiting)
        self._attempts += 1
        self._retry_at = now + min(RETRY_MAX, RETRY_FIRST * 2 ** (self._attempts - 1))

    def _reachable_again(self) -> None:
        log.warning("database reachable again after %.1f s: %d buffered check results to write, "
                    "%d dropped (the buffer holds %d)", time.monotonic() - self._outage_since,
                    len(self._backlog), self._outage_dropped, self.buffer_size)
        self._outage_since = self._outage_started_at = None
        self._attempts, self._retry_at = 0, 0.0

    def _give_up(self) -> None:
        """At stop: fail what could not be written, saying how much, so no awaiter hangs."""
        jobs = [item for item in self._pending if isinstance(item, _Job)]
        results = len(self._backlog) + sum(not isinstance(item, _Job) for item in self._pending)
        if jobs or results:
            log.error("stopped with the database unreachable (%s): %d changes and %d check results "
                      "were not written", self._last_error, len(jobs), results)
        for pending in jobs:
            if pending.awaited:
                pending.future.set_exception(DatabaseUnreachable(
                    f"the database stayed unreachable: {self._last_error}"))
        self._pending.clear()
        self._backlog.clear()
        self._jobs_waiting = 0

    def _disconnect(self) -> None:
        try:
            self.database.close()
        except Exception:  # noqa: BLE001 - a dead connection may fail to close; it is dropped anyway
            pass


def update_states(model: type[peewee.Model], rows: list[tuple[int, int, dict]]) -> None:
    """Store (row id, version, state) for many monitors or heartbeats in one executemany.

    A row is only written over an older version: a state the engine snapshotted before a step
    that is already stored (the step wrote a newer version) is skipped, never written after it.
    The engine flushes a few seconds of calm state changes at once (about 1,000 rows at 10,000
    monitors); one peewee UPDATE a row took 290 ms for those on the writer thread, holding the
    interpreter lock the console needs, and executemany takes 12 ms. Run it on the writer thread.
    """
    database = database_proxy.obj
    p = database.param
    state, version = model.state.column_name, model.state_version.column_name
    sql = (f"UPDATE {model._meta.table_name} SET {state} = {p}, {version} = {p} "
           f"WHERE {model.id.column_name} = {p} AND {version} < {p}")
    database.cursor().executemany(
        sql, [(model.state.db_value(s), v, row_id, v) for row_id, v, s in rows])
