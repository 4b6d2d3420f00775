"""The console under load: first paint, key latency while results stream in, memory.

Two runs in one process, driven headless through Pilot: an empty database (the baseline) and
one with 10,000 monitors (10 results each) and 500 open incidents. During the key presses a real
engine thread (probes off) records 200 check results per second, which reach the console as
monitor.checked events. Latency is from the key press to the first frame written to the
(headless) display that was drawn with its effect (checked as each frame is written, so a later,
unrelated frame is never taken for it). First paint is the first frame with every pane's rows;
results_shown_s is when the monitors' sparklines and uptime are drawn too (read second).

    .venv/bin/python bench/tui.py [--monitors 10000] [--incidents 500] [--rate 200]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from uptime_tui.results import CheckResult  # noqa: E402
from uptime_tui.config import parse_config  # noqa: E402
from uptime_tui.runtime.assembly import Runtime, RuntimeOptions  # noqa: E402
from uptime_tui.runtime.engine_thread import EngineThread  # noqa: E402
from uptime_tui.store import open_database  # noqa: E402
from uptime_tui.store.models import CheckResult as ResultRow, Incident, Monitor  # noqa: E402
from uptime_tui.store.sync import sync_definitions  # noqa: E402
from uptime_tui.tui.app import build_app  # noqa: E402
from uptime_tui.tui.screens.incident import IncidentScreen  # noqa: E402
from uptime_tui.tui.screens.monitor import MonitorScreen  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make_config(monitors: int):
    lines = ["settings: {region: bench, listen: '127.0.0.1:9'}", "monitors:" if monitors else "monitors: []"]
    lines += [f"  - {{id: m{i}, name: Monitor {i:05d}, type: http, url: 'http://127.0.0.1:9/m{i}', "
              f"interval: 1h}}" for i in range(monitors)]
    return parse_config("\n".join(lines) + "\n", "bench.yaml", {})


def fill(monitors: int, incidents: int, now: datetime) -> None:
    """Results and open incidents written straight to the tables (setup, not measured)."""
    ids = [m.id for m in Monitor.select(Monitor.id)]
    database = Monitor._meta.database
    with database.atomic():
        batch = []
        for monitor_id in ids:
            for n in range(10):
                batch.append((monitor_id, now - timedelta(minutes=10 - n), n % 7 != 0, 0.02 + random.random() / 10, 200, "bench"))
            if len(batch) >= 5000:
                ResultRow.insert_many(batch, fields=[ResultRow.monitor, ResultRow.checked_at, ResultRow.success,
                                                     ResultRow.response_time, ResultRow.status_code, ResultRow.region]).execute()
                batch = []
        if batch:
            ResultRow.insert_many(batch, fields=[ResultRow.monitor, ResultRow.checked_at, ResultRow.success,
                                                 ResultRow.response_time, ResultRow.status_code, ResultRow.region]).execute()
        for n, monitor_id in enumerate(ids[:incidents]):
            Incident.create(type="down", name=f"Monitor {n:05d} is down", resource_type="monitor",
                            resource_id=monitor_id, resource_key=f"m{n}", resource_name=f"Monitor {n:05d}",
                            cause="HTTP 503", status="critical", severity="critical",
                            started_at=now - timedelta(minutes=n % 60), updated_at=now, created_at=now)


async def wait(condition, what: str, limit: float = 30.0) -> None:
    """Poll `condition` (bounded: the bench never hangs)."""
    deadline = time.perf_counter() + limit
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"waited {limit:g}s for {what}")
        await asyncio.sleep(0.001)


class Running:
    """A started EngineThread handed to the app (whose start() would start it a second time)."""

    def __init__(self, thread: EngineThread, sink: dict):
        self.thread, self.sink = thread, sink

    @property
    def engine(self):
        return self.thread.engine

    def start(self, on_event) -> None:
        self.sink["post"] = on_event

    def call(self, operation):
        return self.thread.call(operation)

    def stop(self) -> None:
        pass


async def stream(engine, rate: float, stop: asyncio.Event) -> int:
    """`rate` successful results per second for random monitors, until stopped."""
    monitors = [t.item for t in engine.monitors.values()]
    if not monitors:
        return 0
    sent, started = 0, time.perf_counter()
    while not stop.is_set():
        due = int((time.perf_counter() - started) * rate)
        for _ in range(due - sent):
            monitor = random.choice(monitors)
            await engine.record_result(monitor, CheckResult(monitor.id, True, None, 0.02 + random.random() / 20,
                                                            15.0, 200, "bench", datetime.now(timezone.utc)))
        sent = due
        await asyncio.sleep(0.01)
    return sent


def percentiles(figures: dict, kind: str, values: list[float]) -> None:
    """`kind`'s p50 and p99 in ms, and how many, into `figures` (nothing when no value)."""
    if values:
        values = sorted(values)
        figures[f"{kind}_p50_ms"] = 1000 * values[len(values) // 2]
        figures[f"{kind}_p99_ms"] = 1000 * values[min(len(values) - 1, int(len(values) * 0.99))]
        figures[f"{kind}_n"] = len(values)


async def press_keys(app, dashboard, measure, presses: int, monitors: int = 1) -> None:
    """The key presses both console benches time: moves, the filter, the monitor and incident
    details, acknowledgements; `measure(kind, keys, done)` times each to its frame."""
    table = dashboard.table("monitors")
    for _ in range(presses if monitors else 0):
        position = table.cursor
        await measure("move", ["down"], lambda: table.cursor != position or len(table.visible_rows) < 2)
    if monitors:
        for _ in range(max(1, presses // 5)):  # start filtering, type three characters, delete them
            await measure("filter", ["slash"], lambda: table.filtering)
            for typed in ("9", "99", "999", "99", "9", ""):
                key = "backspace" if len(typed) < len(table.filter_text) else typed[-1]
                await measure("filter", [key], lambda t=typed: table.filter_text == t)
            app.simulate_key("escape")
            await wait(lambda: not table.filtering, "the filter to close")
        for n in range(presses):
            table.move_to(n * 7)
            target = table.selected
            await measure("monitor_detail", ["enter"], lambda t=target.id: isinstance(app.screen, MonitorScreen)
                          and app.screen.detail is not None and app.screen.detail.id == t)
            app.simulate_key("escape")
            await wait(lambda: app.screen is dashboard, "the way back")
    incidents_table = dashboard.table("incidents")
    incidents_table.focus()
    for n in range(min(presses, len(incidents_table.rows))):
        incidents_table.move_to(n)
        target = incidents_table.selected
        await measure("detail", ["enter"], lambda t=target.id: isinstance(app.screen, IncidentScreen) and app.screen.detail and app.screen.detail.incident.id == t)
        app.simulate_key("escape")
        await wait(lambda: app.screen is dashboard, "the way back")
        await measure("acknowledge", ["a"], lambda t=target.id: (incidents_table.get(t) or target).acknowledged_by == "bench")


async def run(label: str, monitors: int, incidents: int, rate: float, presses: int) -> dict:
    directory = Path(tempfile.mkdtemp(prefix="bench-tui-"))
    config = make_config(monitors)
    database = open_database(str(directory / "uptime.db"))
    sync_definitions(config)
    fill(monitors, incidents, datetime.now(timezone.utc))
    sink: dict = {"post": None}
    thread = EngineThread(lambda: Runtime(config, database, RuntimeOptions(probes=False)))
    thread.start(on_event=lambda payload: sink["post"] and sink["post"](payload))
    app = build_app(config, operator="bench", engine=Running(thread, sink))
    frames: list[float] = []
    original = app._display
    awaited: dict = {"effect": None, "shown_at": None}  # the key press being measured

    def display(screen, renderable):
        original(screen, renderable)
        now = time.perf_counter()
        frames.append(now)
        effect = awaited["effect"]
        if effect is not None and effect():  # this frame was drawn with the key's effect
            awaited["effect"], awaited["shown_at"] = None, now

    app._display = display
    figures: dict = {"label": label}
    started = time.perf_counter()
    async with app.run_test(size=(200, 60)):
        dashboard = app.dashboard
        await wait(lambda: dashboard.loaded and (monitors == 0 or dashboard.table("monitors").rows), "the load")
        loaded, filled_at_once = time.perf_counter(), dashboard.filled
        await wait(lambda: frames and frames[-1] >= loaded, "the first frame")
        figures["first_paint_s"] = frames[-1] - started
        if not filled_at_once:  # the results were read in a second step: their frame
            await wait(lambda: dashboard.filled, "the monitors' results")
            filled = time.perf_counter()
            await wait(lambda: frames and frames[-1] >= filled, "the frame with the results")
        figures["results_shown_s"] = frames[-1] - started

        stop = asyncio.Event()
        streaming = asyncio.wrap_future(thread.call(lambda e: stream(e, rate, stop)))
        await asyncio.sleep(1.0)
        latencies: dict[str, list[float]] = {"move": [], "filter": [], "detail": [], "monitor_detail": [],
                                             "acknowledge": []}

        async def measure(kind: str, keys: list[str], done) -> None:
            awaited["effect"], awaited["shown_at"] = done, None
            before = time.perf_counter()
            # Not pilot.press: it waits for the app to go idle, which it never is under a stream.
            for key in keys:
                app.simulate_key(key)
            await wait(lambda: awaited["shown_at"] is not None, f"the frame showing {kind}")
            latencies[kind].append(awaited["shown_at"] - before)

        await press_keys(app, dashboard, measure, presses, monitors)
        stop.set()
        figures["results_streamed"] = await streaming
        figures["rss_mb"] = rss_mb()
        for kind, values in latencies.items():
            percentiles(figures, kind, values)
    thread.stop()
    database.close()
    shutil.rmtree(directory, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=10_000)
    parser.add_argument("--incidents", type=int, default=500)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--presses", type=int, default=40)
    args = parser.parse_args()
    results = [asyncio.run(run("empty database", 0, 0, args.rate, args.presses)),
               asyncio.run(run(f"{args.monitors} monitors, {args.incidents} open incidents",
                               args.monitors, args.incidents, args.rate, args.presses))]
    keys = sorted({k for r in results for k in r if k != "label"})
    print(f"{'':24}" + "".join(f"{r['label']:>40}" for r in results))
    for key in keys:
        print(f"{key:24}" + "".join(f"{r.get(key, float('nan')):>40.1f}" if isinstance(r.get(key), float)
                                    else f"{str(r.get(key, '-')):>40}" for r in results))


if __name__ == "__main__":
    main()
