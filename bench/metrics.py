"""`GET /metrics` at 10,000 monitors beside `GET /health` on the same listener, in the same run.

A runtime (engine and listener, no probes, no notifier) on a fresh SQLite file in a temporary
directory runs a config of N http monitors and one API key; every monitor is fed one check result
(one in a hundred fails twice, so it is down with an open incident). Then the listener is scraped
`--scrapes` times over HTTP on 127.0.0.1 (httpx, one keep-alive connection, in the same process),
alternating `/metrics` and `/health`, and the wall time of each request is kept (the client's
reading and parsing of the body included); then the listener's own part, the collector and the
text, is timed alone. The first scrape
(which reads the database's counts) is timed apart; the database's counts are then read again at
most every 5 s (api/metrics.py), so the timed scrapes measure the in-memory collector and the text
format, which is what grows with the monitors (most of it the per-monitor series, api/monitor_series.py).

    cd <checkout> && PYTHONPATH=$PWD .venv/bin/python bench/metrics.py [--monitors 10000] [--scrapes 50]

Takes about half a minute with the defaults; prints one table. The target is p99 < 200 ms for
`/metrics` at 10,000 monitors.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from uptime_tui.api import metrics  # noqa: E402
from uptime_tui.api.listener import Listener  # noqa: E402
from uptime_tui.config import parse_config  # noqa: E402
from uptime_tui.engine.supplied import EngineOptions  # noqa: E402
from uptime_tui.results import CheckResult  # noqa: E402
from uptime_tui.runtime.assembly import Runtime, RuntimeOptions  # noqa: E402
from uptime_tui.store import open_database  # noqa: E402

TOKEN = "bench-read-token-0123456789abcdef"


def _config(monitors: int):
    lines = ["settings: {region: bench, listen: \"127.0.0.1:8787\"}", "monitors:"]
    lines += [f"  - {{id: m{i}, name: Monitor {i}, type: http, url: \"http://127.0.0.1:9/{i}\", interval: 1h}}"
              for i in range(monitors)]
    lines += ["api_keys:", f"  - {{name: prometheus, token: {TOKEN}, permissions: [read]}}"]
    parsed = parse_config("\n".join(lines), "bench.yaml", {})
    return replace(parsed, settings=replace(parsed.settings, listen_port=0))


async def _feed(engine, monitors: int) -> None:
    now = datetime.now(timezone.utc)
    for i in range(monitors):
        monitor = engine.monitors[f"m{i}"].item
        failing = i % 100 == 0
        for _ in range(2 if failing else 1):
            await engine.record_result(monitor, CheckResult(
                monitor.id, not failing, "HTTP 503" if failing else None, 0.05 + i % 7 / 100, 10.0,
                503 if failing else 200, "bench", now))


def _percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000


async def run(monitors: int, scrapes: int) -> None:
    """Feed, scrape, print the table."""
    with tempfile.TemporaryDirectory() as directory:
        database = open_database(str(Path(directory) / "bench.db"))
        runtime = Runtime(_config(monitors), database, listener=Listener, options=RuntimeOptions(
            probes=False, notify=False, engine=EngineOptions(escalation_tick=3600)))
        await runtime.start()
        try:
            await _feed(runtime.engine, monitors)
            while runtime.engine.health().database.results_waiting:  # the writer's thread is idle
                await asyncio.sleep(0.1)
            exposition = runtime.listener.app[metrics.EXPOSITION]
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{runtime.listener.port}", timeout=30,
                                         headers={"Authorization": f"Bearer {TOKEN}"}) as client:
                start = time.perf_counter()
                first = await client.get("/metrics")
                first_ms = (time.perf_counter() - start) * 1000
                assert first.status_code == 200, first.status_code
                timed: dict[str, list[float]] = {"/metrics": [], "/health": []}
                for _ in range(scrapes):
                    for path, times in timed.items():
                        start = time.perf_counter()
                        response = await client.get(path)
                        times.append(time.perf_counter() - start)
                        assert response.status_code == 200, (path, response.status_code)
                rendered = []
                for _ in range(scrapes):  # the listener's part alone: collector and text, no HTTP
                    start = time.perf_counter()
                    exposition.render()
                    rendered.append(time.perf_counter() - start)
        finally:
            await runtime.stop()
            database.close()
    print(f"GET /metrics at {monitors:,} monitors, {scrapes} scrapes each ({len(first.content) / 1e6:.1f} MB, "
          f"{first.text.count(chr(10)):,} lines)")
    print(f"  {'endpoint':<28}{'p50 ms':>9}{'p99 ms':>9}")
    for path, times in timed.items():
        p50, p99 = _percentiles(times)
        print(f"  {path + (' (baseline)' if path == '/health' else ''):<28}{p50:>9.1f}{p99:>9.1f}")
    p50, p99 = _percentiles(rendered)
    print(f"  {'collector + text, no HTTP':<28}{p50:>9.1f}{p99:>9.1f}")
    print(f"  {'/metrics, first (db read)':<28}{first_ms:>9.1f}")
    p99 = _percentiles(timed["/metrics"])[1]
    print(f"  target: /metrics p99 < 200 ms: {'met' if p99 < 200 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=10_000)
    parser.add_argument("--scrapes", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(run(args.monitors, args.scrapes))


if __name__ == "__main__":
    main()
