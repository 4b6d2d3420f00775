"""The attached console beside the embedded one: first paint, key latency, and how soon the
engine's changes are on screen.

Two runs in one process, on databases of the same size (bench/tui.py's set-up: 10,000 monitors
with 10 results each, 500 open incidents; 200 check results per second recorded by the engine
while keys are pressed and changes made, reaching the console as monitor.checked events):

- embedded: the engine runs in a thread of the console's process (EngineThread) and hands the
  console its events directly, as `uptime-tui` does when no engine holds the lease;
- attached: the engine runs in an EngineThread too, with its listener on 127.0.0.1 and a free
  port and the console credential written to a file in the run's directory; the console is built
  with `AttachedEngine(EngineAddress(url, token))`: operations go over HTTP, live updates over the
  Server-Sent Events stream `GET /api/v1/stream`, reads stay on the (shared, local) database.

The engine is a thread of the bench's process, not a separate process: the two consoles then
pay the same for sharing the interpreter with their engine, and one clock stamps both ends.

Key latency is measured as in bench/tui.py: from the key press to the first frame written to the
(headless) display that was drawn with its effect. The change latency is from the moment the
engine publishes a change it committed (incident.started, incident.acknowledged) (stamped in `Engine._publish`, the call that hands the
payload to every subscriber, the listener's stream included) to the first frame drawn with the
Incidents pane's row showing it. The changes alternate: an incident the engine opens (two failed
checks of a monitor that had none: the new row is on screen) and one the engine acknowledges for
a person named "pager", as the API or another console would (the row says "pager"). One change at
a time, 50-250 ms apart.

    cd <checkout> && .venv/bin/python bench/attach.py [--monitors 10000] [--incidents 500] \\
        [--rate 200] [--presses 30] [--changes 100]

Takes about a minute and a half with the defaults on two cores; prints one table. The time to
show an opened incident includes the dashboard's debounced reload (RELOAD_DELAY, 0.3 s after the
first message of a burst), in either mode.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.tui import Running, fill, percentiles, press_keys, rss_mb, stream, wait  # noqa: E402
from uptime_tui.api.listener import Listener  # noqa: E402
from uptime_tui.config import parse_config  # noqa: E402
from uptime_tui.operator import Operator  # noqa: E402
from uptime_tui.results import CheckResult  # noqa: E402
from uptime_tui.runtime.assembly import Runtime, RuntimeOptions  # noqa: E402
from uptime_tui.runtime.engine_thread import EngineThread  # noqa: E402
from uptime_tui.store import open_database  # noqa: E402
from uptime_tui.store.models import Incident, Monitor  # noqa: E402
from uptime_tui.store.sync import sync_definitions  # noqa: E402
from uptime_tui.tui.app import build_app  # noqa: E402
from uptime_tui.tui.attached import AttachedEngine, EngineAddress  # noqa: E402

OTHER = "pager"  # the person the engine acknowledges for (not the console's operator)


def make_config(monitors: int, token_file: Path):
    """bench/tui.py's config, with the console credential kept in the run's directory."""
    lines = [f"settings: {{region: bench, listen: '127.0.0.1:9', console_token_file: '{token_file}'}}", "monitors:"]
    lines += [f"  - {{id: m{i}, name: Monitor {i:05d}, type: http, url: 'http://127.0.0.1:9/m{i}', "
              f"interval: 1h}}" for i in range(monitors)]
    return parse_config("\n".join(lines) + "\n", "bench.yaml", {})


def on_loopback(host, port, *args, **kwargs):
    """The runtime's listener on 127.0.0.1 and a port the system picks (settings need 1-65535)."""
    return Listener("127.0.0.1", 0, *args, **kwargs)


async def run(mode: str, monitors: int, incidents: int, rate: float, presses: int, changes: int) -> dict:
    directory = Path(tempfile.mkdtemp(prefix="bench-attach-"))
    token_file = directory / "engine.token"
    config = make_config(monitors, token_file)
    database = open_database(str(directory / "uptime.db"))
    sync_definitions(config)
    fill(monitors, incidents, datetime.now(timezone.utc))
    attached = mode == "attached"
    sink: dict = {"post": None}
    thread = EngineThread(lambda: Runtime(config, database, RuntimeOptions(probes=False),
                                          listener=on_loopback if attached else None))
    thread.start(on_event=lambda payload: sink["post"] and sink["post"](payload))

    published: list[tuple[float, dict]] = []  # (when, payload) of the incidents' events
    publish = thread.engine._publish

    def stamped(payloads: list[dict]) -> None:
        now = time.perf_counter()
        published.extend((now, p) for p in payloads if p.get("event", "").startswith("incident."))
        publish(payloads)

    thread.engine._publish = stamped  # on the engine's loop, like every publish
    if attached:
        link = AttachedEngine(EngineAddress(f"http://127.0.0.1:{thread.runtime.listener.port}",
                                            token_file.read_text().strip()))
    else:
        link = Running(thread, sink)
    app = build_app(config, operator="bench", engine=link)
    frames: list[float] = []
    original = app._display
    awaited: dict = {"effect": None, "shown_at": None}  # the key press or change being measured

    def display(screen, renderable):
        original(screen, renderable)
        now = time.perf_counter()
        frames.append(now)
        effect = awaited["effect"]
        if effect is not None and effect():  # this frame was drawn with the effect
            awaited["effect"], awaited["shown_at"] = None, now

    app._display = display
    figures: dict = {"label": f"{mode}"}
    started = time.perf_counter()
    async with app.run_test(size=(200, 60)):
        dashboard = app.dashboard
        await wait(lambda: dashboard.loaded and dashboard.table("monitors").rows, "the load", 60)
        loaded, filled_at_once = time.perf_counter(), dashboard.filled
        await wait(lambda: frames and frames[-1] >= loaded, "the first frame")
        figures["first_paint_s"] = frames[-1] - started
        if not filled_at_once:
            await wait(lambda: dashboard.filled, "the monitors' results")
            filled = time.perf_counter()
            await wait(lambda: frames and frames[-1] >= filled, "the frame with the results")
        figures["results_shown_s"] = frames[-1] - started
        # Attached: following the stream (its subscriber next to the EngineThread's own).
        await wait(lambda: link.engine is not None and len(thread.engine._subscribers) >= (2 if attached else 1),
                   "the engine's events followed")

        stop = asyncio.Event()
        streaming = asyncio.wrap_future(thread.call(lambda e: stream(e, rate, stop)))
        await asyncio.sleep(1.0)
        latencies: dict[str, list[float]] = {"move": [], "filter": [], "detail": [], "monitor_detail": [],
                                             "acknowledge": []}

        async def measure(kind: str, keys: list[str], done) -> None:
            awaited["effect"], awaited["shown_at"] = done, None
            before = time.perf_counter()
            for key in keys:  # not pilot.press: it waits for the app to go idle, never under a stream
                app.simulate_key(key)
            await wait(lambda: awaited["shown_at"] is not None, f"the frame showing {kind}")
            latencies[kind].append(awaited["shown_at"] - before)

        await press_keys(app, dashboard, measure, presses)
        incidents_table = dashboard.table("incidents")
        for kind, values in latencies.items():
            percentiles(figures, kind, values)

        # The engine's changes, one at a time, from its publish to the frame with the pane's row.
        to_acknowledge = [r.id for r in incidents_table.rows if r.active and r.acknowledged_by is None][::-1]
        # Monitors with no open incident (fill() gave theirs to the first rows, not to m0...).
        busy = {i.resource_id for i in Incident.select(Incident.resource_id).where(Incident.active == True)}  # noqa: E712
        row_ids = {m.key: m.id for m in Monitor.select(Monitor.id, Monitor.key)}
        quiet = [(row_ids[t.item.id], t.item) for t in thread.engine.monitors.values()
                 if row_ids.get(t.item.id) not in busy and row_ids.get(t.item.id) is not None][:(changes + 1) // 2]
        other = Operator.person(OTHER)
        shown: dict[str, list[float]] = {"change_opened": [], "change_acknowledged": []}
        missed = 0
        for n in range(changes):
            kind = "change_opened" if n % 2 == 0 else "change_acknowledged"
            if kind == "change_opened":
                if not quiet:
                    continue
                row_id, monitor = quiet.pop(0)
                awaited["effect"] = lambda r_id=row_id: any(r.active and r.resource_type == "monitor"
                                                            and r.resource_id == r_id for r in incidents_table.rows)

                def made(p, r_id=row_id):
                    return (p["event"] == "incident.started" and p.get("resource_type") == "monitor"
                            and p.get("resource_id") == r_id)

                async def operation(engine, monitor=monitor, made=made):
                    for _ in range(5):  # two failures open it (a streamed success in between resets)
                        await engine.record_result(monitor, CheckResult(
                            monitor.id, False, "HTTP 503", 0.05, 15.0, 503, "bench", datetime.now(timezone.utc)))
                        if any(made(p) for _, p in published[-5:]):
                            return
            else:
                if not to_acknowledge:
                    continue
                incident_id = to_acknowledge.pop(0)
                awaited["effect"] = lambda i=incident_id: getattr(incidents_table.get(i), "acknowledged_by", None) == OTHER

                async def operation(engine, i=incident_id):
                    await engine.acknowledge(i, other)

                def made(p, i=incident_id):
                    return p["event"] == "incident.acknowledged" and p.get("incident_id") == i
            awaited["shown_at"] = None
            mark = len(published)
            await asyncio.wrap_future(thread.call(operation))
            try:
                await wait(lambda: awaited["shown_at"] is not None, f"the frame showing {kind}", 10)
            except TimeoutError:
                awaited["effect"], missed = None, missed + 1
                continue
            stamp = next((t for t, p in published[mark:] if made(p)), None)
            if stamp is None:
                missed += 1
                continue
            shown[kind].append(awaited["shown_at"] - stamp)
            await asyncio.sleep(random.uniform(0.05, 0.25))
        for kind, values in shown.items():
            percentiles(figures, kind, values)
        percentiles(figures, "change_all", shown["change_opened"] + shown["change_acknowledged"])
        figures["changes_missed"] = missed
        stop.set()
        figures["results_streamed"] = await streaming
        figures["rss_mb"] = rss_mb()
    thread.stop()
    database.close()
    shutil.rmtree(directory, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=10_000)
    parser.add_argument("--incidents", type=int, default=500)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--presses", type=int, default=30)
    parser.add_argument("--changes", type=int, default=100)
    args = parser.parse_args()
    if args.monitors < args.incidents + (args.changes + 1) // 2 or args.incidents < args.presses + args.changes // 2:
        parser.error("need monitors >= incidents + changes/2 (monitors that open one) "
                     "and incidents >= presses + changes/2 (incidents to acknowledge)")
    results = [asyncio.run(run(mode, args.monitors, args.incidents, args.rate, args.presses, args.changes))
               for mode in ("embedded", "attached")]
    print(f"{args.monitors} monitors, {args.incidents} open incidents, {args.rate:g} results/s, "
          f"{args.presses} presses, {args.changes} changes")
    keys = sorted({k for r in results for k in r if k != "label"})
    print(f"{'':24}" + "".join(f"{r['label']:>16}" for r in results))
    for key in keys:
        print(f"{key:24}" + "".join(f"{r.get(key, float('nan')):>16.1f}" if isinstance(r.get(key), float)
                                    else f"{str(r.get(key, '-')):>16}" for r in results))


if __name__ == "__main__":
    main()
