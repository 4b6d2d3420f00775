"""--sustained: the whole engine running N http monitors on one interval against a local server.

Prints: checks run against those due, the lag between each check's slot and its start (p50, p99,
max), engine CPU as % of one core (event loop + writer thread), resident memory, and results
written; beside a baseline from the same run: the minimal asyncio client doing the same number of
checks per second, paced the same way, for its CPU.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import tempfile
import time
from pathlib import Path

from uptime_tui.config import parse_config
from uptime_tui.runtime.assembly import Runtime
from uptime_tui.store import open_database

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _config(port: int, monitors: int, interval: float):
    lines = ["settings: {region: bench}", "monitors:"]
    lines += [f"  - {{id: m{i}, type: http, url: 'http://127.0.0.1:{port}/m{i}', interval: {interval:g}s, "
              f"timeout: 5s}}" for i in range(monitors)]
    return parse_config("\n".join(lines) + "\n", "bench.yaml", {})


async def _baseline(port: int, rate: float, seconds: float) -> tuple[float, int]:
    """The minimal client at `rate` checks/s for `seconds`: (CPU % of one core, checks done)."""
    done = 0

    async def one():
        nonlocal done
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(REQUEST)
        await reader.readline()
        writer.close()
        done += 1

    cpu, start = _cpu_seconds(), time.monotonic()
    tasks = set()
    for n in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        task = asyncio.create_task(one())
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks, return_exceptions=True)
    return 100 * (_cpu_seconds() - cpu) / (time.monotonic() - start), done


async def sustained(port: int, monitors: int, interval: float, seconds: float, baseline_seconds: float) -> None:
    """Run the engine for `seconds` and print its figures beside the baseline's."""
    rate = monitors / interval
    base_cpu, base_done = await _baseline(port, rate, baseline_seconds)
    with tempfile.TemporaryDirectory() as directory:
        database = open_database(str(Path(directory) / "bench.db"))
        config = _config(port, monitors, interval)
        runtime = Runtime(config, database)
        engine = runtime.engine
        await runtime.start()
        cpu, start = _cpu_seconds(), time.monotonic()
        await asyncio.sleep(seconds)
        elapsed, used = time.monotonic() - start, _cpu_seconds() - cpu
        rss = _rss_mb()
        started, lags = engine.scheduler.started, sorted(engine.scheduler.lags)
        await runtime.stop()
        written = engine.writer.written
        database.close()
    due = int(monitors * seconds / interval)
    p99 = lags[int(len(lags) * 0.99) - 1] if lags else float("nan")
    print(f"sustained: {monitors:,} http monitors every {interval:g}s for {seconds:g}s, engine on one core")
    print(f"  baseline: asyncio client at {rate:,.0f} checks/s    CPU {base_cpu:5.1f}% of a core  ({base_done:,} checks)")
    print(f"  engine:   checks started {started:,} of ~{due:,} due   CPU {100 * used / elapsed:5.1f}% of a core"
          f"  (ratio to baseline {used / elapsed * 100 / max(base_cpu, 0.1):.1f}x)")
    print(f"  lag slot->start: p50 {statistics.median(lags) * 1000:.1f} ms  p99 {p99 * 1000:.1f} ms"
          f"  max {lags[-1] * 1000:.1f} ms   RSS {rss:.0f} MB   results written {written:,}")
    print(f"  targets: p99 lag < 1000 ms: {'met' if p99 < 1 else 'NOT met'};  CPU < 35%: "
          f"{'met' if 100 * used / elapsed < 35 else 'NOT met'};  RSS < 400 MB: {'met' if rss < 400 else 'NOT met'}")
