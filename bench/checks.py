"""Benchmarks of the check path, each printed beside a baseline measured in the same run.

    python bench/checks.py            # same as --peak
    python bench/checks.py --peak --seconds 10 --concurrency 50
    python bench/checks.py --sustained        # 10,000 monitors at 60 s for 2 minutes
    python bench/checks.py --sqlite           # check results/s through the batching writer

--peak: how many http checks per second one core can run, and the client CPU each costs. A tiny
local HTTP server runs in its own process pinned to CPU 0; this process pins itself to CPU 1 and
measures (a) a minimal asyncio client (open_connection, GET, status line, close) and (b) our
`run_check` on http monitors, each check on a fresh connection as real checks are, over the
chosen transport and, for reference, over httpx's default one. Repeat runs vary by 20-30%:
compare the figures of one run, as ratios (PERFORMANCE.md).

Each section is one function returning `Figures`; new sections (--sustained, --sqlite) add a
function and a flag in main().
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a plain checkout too

from uptime_tui.checks import ProbeClient, run_check  # noqa: E402
from uptime_tui.checks.http import HttpSpec  # noqa: E402
from uptime_tui.config import Monitor  # noqa: E402

SERVER_CPU, CLIENT_CPU = 0, 1
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
TARGET_RATIO = 0.25


@dataclass
class Figures:
    """What one measurement counted."""

    label: str
    checks: int
    failures: int
    wall: float  # seconds
    cpu: float  # seconds of this process's CPU

    @property
    def rate(self) -> float:
        """Successful checks per second."""
        return self.checks / self.wall

    @property
    def cpu_ms_per_check(self) -> float:
        """Client CPU milliseconds per successful check."""
        return self.cpu / max(self.checks, 1) * 1000


# --- the target server (its own process, CPU 0) ----------------------------------------------


class _Answer(asyncio.Protocol):
    """Answer one request with a fixed 200 and close: as cheap as a server gets in asyncio."""

    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b""

    def data_received(self, data):
        self.buffer += data
        if b"\r\n\r\n" in self.buffer:
            self.transport.write(RESPONSE)
            self.transport.close()


def _serve(port_pipe) -> None:
    """Process entry: pin to SERVER_CPU, listen on 127.0.0.1, send the port, serve forever."""
    _pin(SERVER_CPU)

    async def main():
        server = await asyncio.get_running_loop().create_server(_Answer, "127.0.0.1", 0, backlog=4096)
        port_pipe.send(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


def start_server() -> tuple[multiprocessing.Process, int]:
    """Start the target server process; return it and its port."""
    context = multiprocessing.get_context("spawn")  # no inherited loop, threads or pins
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_serve, args=(sender,), daemon=True)
    process.start()
    if not receiver.poll(30):
        process.kill()
        raise RuntimeError("the benchmark server did not start")
    return process, receiver.recv()


def _pin(cpu: int) -> None:
    """Pin this process to one CPU where the machine has it, so client and server don't share."""
    if hasattr(os, "sched_setaffinity") and cpu in os.sched_getaffinity(0) and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {cpu})


def _process_cpu_seconds(pid: int) -> float:
    """utime + stime of another process, from /proc (0.0 where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- measurements ----------------------------------------------------------------------------


async def _run_workers(label: str, one_check, concurrency: int, seconds: float) -> Figures:
    """Run `one_check()` (True on success) from `concurrency` workers for `seconds`."""
    counts = {"ok": 0, "failed": 0}
    deadline = time.perf_counter() + seconds

    async def worker():
        while time.perf_counter() < deadline:
            counts["ok" if await one_check() else "failed"] += 1

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Figures(label, counts["ok"], counts["failed"], time.perf_counter() - wall, time.process_time() - cpu)


async def measure_baseline(port: int, concurrency: int, seconds: float) -> Figures:
    """(a) The floor: open_connection, send GET, read the status line, close."""

    async def one_check() -> bool:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(REQUEST)
            status = await reader.readline()
            writer.close()
            return status.startswith(b"HTTP/1.1 200")
        except OSError:
            return False

    await _run_workers("warm-up", one_check, concurrency, 0.5)
    return await _run_workers("baseline: asyncio open_connection", one_check, concurrency, seconds)


async def measure_probe(port: int, concurrency: int, seconds: float, transport: str) -> Figures:
    """(b) Our path: run_check on an http monitor, a fresh connection per check."""
    monitor = Monitor(id="bench", name="bench", type="http", spec=HttpSpec(f"http://127.0.0.1:{port}/"), timeout=10.0)
    async with ProbeClient(transport=transport) as client:

        async def one_check() -> bool:
            return (await run_check(monitor, client, "bench")).success

        await _run_workers("warm-up", one_check, concurrency, 0.5)
        return await _run_workers(f"run_check over {transport}", one_check, concurrency, seconds)


# --- reporting -------------------------------------------------------------------------------


def _report(figures: Figures, baseline: Figures | None, server_busy: float) -> None:
    line = (
        f"  {figures.label:<38} {figures.rate:8,.0f} checks/s  {figures.cpu_ms_per_check:6.3f} ms CPU/check"
        f"  server CPU {server_busy:4.0%}"
    )
    if figures.failures:
        line += f"  ({figures.failures} failed)"
    if baseline is not None:
        ratio = figures.rate / baseline.rate
        verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
        line += f"  ratio {ratio:.2f} ({verdict} target {TARGET_RATIO})"
    print(line, flush=True)


async def peak(port: int, server_pid: int, concurrency: int, seconds: float, transports: list[str]) -> None:
    """--peak: the baseline, then run_check over each transport, all against one server."""
    print(
        f"peak: {concurrency} concurrent, {seconds:g} s each, loopback, "
        f"server pinned to CPU {SERVER_CPU}, client to CPU {CLIENT_CPU}, Python {sys.version.split()[0]}"
    )
    baseline = None
    for transport in [None, *transports]:
        server_cpu = _process_cpu_seconds(server_pid)
        if transport is None:
            figures = await measure_baseline(port, concurrency, seconds)
        else:
            figures = await measure_probe(port, concurrency, seconds, transport)
        server_busy = (_process_cpu_seconds(server_pid) - server_cpu) / (figures.wall + 0.5)
        _report(figures, baseline, server_busy)
        baseline = baseline or figures


# --- --sqlite: check results written per second ----------------------------------------------

SQLITE_TARGET = 20_000  # rows/s through the Writer
SQLITE_COLUMNS = ("monitor_id", "checked_at", "success", "response_time", "ttfb_ms", "status_code", "region", "cause")


def _sqlite_results(count: int, monitors: int) -> list:
    """`count` check results spread over `monitors` monitors, one in ten failed, as probes report them."""
    from datetime import datetime, timedelta, timezone

    from uptime_tui.results import CheckResult

    start = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    results = []
    for i in range(count):
        ok = i % 10 != 0
        results.append(CheckResult(
            monitor_id=f"m{i % monitors}", success=ok, cause=None if ok else "HTTP 503",
            response_time=0.05 + (i % 97) / 1000, ttfb_ms=None if i % 7 == 0 else 12.5, status_code=200 if ok else 503,
            region="local", checked_at=start + timedelta(milliseconds=i),
        ))
    return results


def _sqlite_fresh(directory: Path, name: str, monitors: int):
    """A fresh migrated SQLite file with `monitors` monitors; returns (database, {yaml id: row id})."""
    from uptime_tui.config import parse_config
    from uptime_tui.store import open_database
    from uptime_tui.store.models import Monitor as MonitorRow
    from uptime_tui.store.sync import sync_definitions

    database = open_database(str(directory / name))
    yaml = "monitors:\n" + "".join(
        f"  - {{id: m{i}, name: M{i}, type: tcp, host: 127.0.0.1, port: {1024 + i}}}\n" for i in range(monitors)
    )
    sync_definitions(parse_config(yaml, "bench.yaml", {}))
    return database, {m.key: m.id for m in MonitorRow.select(MonitorRow.key, MonitorRow.id)}


def _sqlite_row(result, ids):
    from datetime import timezone

    return (ids[result.monitor_id], result.checked_at.astimezone(timezone.utc).replace(tzinfo=None), result.success,
            result.response_time, result.ttfb_ms, result.status_code, result.region, result.cause)


def _sqlite_count(database) -> int:
    return database.execute_sql("SELECT COUNT(*) FROM check_result").fetchone()[0]


def _sqlite_measure_writer(directory: Path, results: list, monitors: int, chunk: int) -> Figures:
    """Our path: submit_results in chunks from this thread; the clock stops when stop() has written all.
    Fenced by the engine lease as the engine's writer is (one lease read per transaction)."""
    import os
    from datetime import datetime, timezone

    from uptime_tui.store import lease
    from uptime_tui.store.writer import Writer

    database, ids = _sqlite_fresh(directory, "writer.db", monitors)
    epoch, _ = lease.acquire(database, lease.Claim("bench", os.getpid(), "bench", "serve"),
                             datetime.now(timezone.utc), 15.0)
    writer = Writer(database, lambda: ids, fence=lambda: lease.check_fence(database, epoch)).start()
    cpu, wall = time.process_time(), time.perf_counter()
    for start in range(0, len(results), chunk):
        writer.submit_results(results[start:start + chunk])
    writer.stop(timeout=600)
    figures = Figures(f"Writer (chunks of {chunk})", writer.written, len(results) - writer.written,
                      time.perf_counter() - wall, time.process_time() - cpu)
    assert _sqlite_count(database) == writer.written
    database.close()
    return figures


def _sqlite_measure_peewee(directory: Path, results: list, monitors: int, per_tx: int) -> Figures:
    """Baseline: peewee insert_many of row tuples, `per_tx` rows per transaction."""
    from uptime_tui.store.models import CheckResult as CheckResultRow

    database, ids = _sqlite_fresh(directory, "peewee.db", monitors)
    fields = [CheckResultRow._meta.columns[c] for c in SQLITE_COLUMNS]
    cpu, wall = time.process_time(), time.perf_counter()
    for start in range(0, len(results), per_tx):
        rows = [_sqlite_row(r, ids) for r in results[start:start + per_tx]]
        with database.atomic():
            CheckResultRow.insert_many(rows, fields=fields).execute()
    figures = Figures(f"peewee insert_many, {per_tx}/tx", len(results), 0,
                      time.perf_counter() - wall, time.process_time() - cpu)
    assert _sqlite_count(database) == len(results)
    database.close()
    return figures


def _sqlite_measure_stdlib(directory: Path, results: list, monitors: int, per_tx: int) -> Figures:
    """Baseline: stdlib sqlite3 executemany, `per_tx` rows per transaction, same pragmas."""
    import sqlite3

    from uptime_tui.store.database import SQLITE_PRAGMAS

    database, ids = _sqlite_fresh(directory, "stdlib.db", monitors)
    database.close()  # the schema and monitors are there; write through a bare connection
    connection = sqlite3.connect(str(directory / "stdlib.db"), isolation_level=None)
    for pragma, value in SQLITE_PRAGMAS.items():
        connection.execute(f"PRAGMA {pragma} = {value}")
    sql = f"INSERT INTO check_result ({', '.join(SQLITE_COLUMNS)}) VALUES ({', '.join('?' * len(SQLITE_COLUMNS))})"
    cpu, wall = time.process_time(), time.perf_counter()
    for start in range(0, len(results), per_tx):
        rows = [_sqlite_row(r, ids) for r in results[start:start + per_tx]]
        connection.execute("BEGIN")
        connection.executemany(sql, rows)
        connection.execute("COMMIT")
    figures = Figures(f"sqlite3 executemany, {per_tx}/tx", len(results), 0,
                      time.perf_counter() - wall, time.process_time() - cpu)
    assert connection.execute("SELECT COUNT(*) FROM check_result").fetchone()[0] == len(results)
    connection.close()
    return figures


def sqlite(results: int, monitors: int, chunk: int) -> None:
    """--sqlite: check results/s through the Writer into a fresh SQLite file, beside two baselines."""
    import sqlite3
    import tempfile

    import peewee

    print(
        f"sqlite: {results:,} results over {monitors:,} monitors, fresh WAL file each, Python {sys.version.split()[0]}, "
        f"SQLite {sqlite3.sqlite_version}, peewee {peewee.__version__}"
    )
    prepared = _sqlite_results(results, monitors)
    with tempfile.TemporaryDirectory(prefix="uptime-bench-") as tmp:
        directory = Path(tmp)
        measured = [
            _sqlite_measure_writer(directory, prepared, monitors, chunk),
            _sqlite_measure_peewee(directory, prepared, monitors, 1000),
            _sqlite_measure_stdlib(directory, prepared, monitors, 1000),
        ]
    writer = measured[0]
    for figures in measured:
        line = (f"  {figures.label:<34} {figures.rate:9,.0f} rows/s  {figures.wall:6.2f} s"
                f"  {figures.cpu / max(figures.checks, 1) * 1e6:5.1f} us CPU/row")
        if figures.failures:
            line += f"  ({figures.failures} not written)"
        if figures is not writer:
            line += f"  Writer/this {writer.rate / figures.rate:.2f}"
        print(line, flush=True)
    verdict = "meets" if writer.rate >= SQLITE_TARGET else "BELOW"
    print(f"  Writer: {writer.rate:,.0f} rows/s ({verdict} target {SQLITE_TARGET:,} rows/s)", flush=True)


def main(argv: list[str] | None = None) -> None:
    """Parse the flags and run the chosen sections."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peak", action="store_true", help="peak checks/s against a local server (default)")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each measurement")
    parser.add_argument("--concurrency", type=int, default=50, help="checks in flight at once")
    parser.add_argument(
        "--transport", action="append", choices=["aiohttp", "httpcore"],
        help="transport(s) for run_check; default: both, the chosen one (aiohttp) first",
    )
    parser.add_argument("--sqlite", action="store_true", help="check results/s written through the Writer into SQLite")
    parser.add_argument("--results", type=int, default=200_000, help="--sqlite: results to write")
    parser.add_argument("--monitors", type=int, default=1000, help="--sqlite: monitors they are spread over")
    parser.add_argument("--chunk", type=int, default=100, help="--sqlite: results per submit_results call")
    parser.add_argument("--sustained", action="store_true",
                        help="the whole engine running --sustained-monitors http monitors (lag, CPU, memory)")
    parser.add_argument("--sustained-monitors", type=int, default=10_000)
    parser.add_argument("--interval", type=float, default=60.0, help="--sustained: check interval")
    parser.add_argument("--duration", type=float, default=120.0, help="--sustained: seconds to run")
    args = parser.parse_args(argv)
    transports = args.transport or ["aiohttp", "httpcore"]
    if args.sqlite:
        sqlite(args.results, args.monitors, args.chunk)
        if not args.peak:
            return

    server, port = start_server()
    _pin(CLIENT_CPU)
    try:
        if args.sustained:
            from bench.sustained import sustained

            asyncio.run(sustained(port, args.sustained_monitors, args.interval, args.duration, min(30.0, args.duration)))
            if not args.peak:
                return
        asyncio.run(peak(port, server.pid, args.concurrency, args.seconds, transports))
    finally:
        server.kill()
        server.join(5)


if __name__ == "__main__":
    main()
