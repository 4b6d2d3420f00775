"""A mass outage: N monitors of one group go down at once, then are acknowledged. How many
escalations and how many messages per channel (at a real webhook receiver on 127.0.0.1) does it
cause, and how long does the engine take?

Baseline in the same run: the same outage with the monitors in no group. The channels keep their
storm limit (burst 3, then one message per 5 s, the rest folded into digests), so the baseline
shows what the storm limit alone does and the group what grouping adds.

    .venv/bin/python bench/outage.py            # 2,800 monitors
    .venv/bin/python bench/outage.py --monitors 500
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from aiohttp import web

from uptime_tui.results import CheckResult
from uptime_tui.config import parse_config
from uptime_tui.engine.service import EngineOptions
from uptime_tui.operator import Operator
from uptime_tui.runtime.assembly import Runtime, RuntimeOptions
from uptime_tui.store import open_database
from uptime_tui.store.models import Incident, NotificationDelivery

CHANNELS_AND_POLICY = """
channels:
  - {{id: chat, webhook: {{url: "http://127.0.0.1:{port}/chat"}}, events: ["incident.*"], min_interval: 5s}}
  - {{id: pager, webhook: {{url: "http://127.0.0.1:{port}/pager"}}, events: ["incident.escalated"], min_interval: 5s}}
policies:
  - id: on-call
    steps: [{{wait: 0s, channels: [chat]}}, {{wait: 0s, channels: [chat, pager]}}]
"""
DRAIN_SECONDS = 120


def config_text(monitors: int, grouped: bool, port: int) -> str:
    group = "group: region-a, " if grouped else ""
    lines = "\n".join(
        f"  - {{id: m{i}, name: M{i}, type: tcp, host: 127.0.0.1, port: 9, interval: 1h, "
        f"confirmation: 1, {group}channels: [chat], policy: on-call}}" for i in range(monitors))
    return ("settings: {listen: '127.0.0.1:9', group_window: 10m}\nmonitors:\n" + lines
            + CHANNELS_AND_POLICY.format(port=port))


async def receiver() -> tuple[web.AppRunner, int, dict]:
    """A webhook receiver on 127.0.0.1 that counts the POSTs per path."""
    counts: dict[str, int] = {}

    async def record(request):
        await request.read()
        counts[request.path] = counts.get(request.path, 0) + 1
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/{channel}", record)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1], counts


async def outage(directory: Path, monitors: int, grouped: bool) -> dict:
    runner, port, counts = await receiver()
    database = open_database(str(directory / f"outage-{grouped}.db"))
    runtime = Runtime(parse_config(config_text(monitors, grouped, port), "outage.yaml", {}), database,
                      RuntimeOptions(probes=False, engine=EngineOptions(escalation_tick=3600)))
    engine = runtime.engine
    await runtime.start()
    try:
        started = time.perf_counter()
        now = datetime.now(timezone.utc)
        await asyncio.gather(*(engine.record_result(t.item, CheckResult(
            key, False, "connection refused", 0.001, None, None, "local", now))
            for key, t in engine.monitors.items()))
        opened = time.perf_counter() - started
        escalations = len(await engine.escalate()) + len(await engine.escalate())
        leader = Incident.select().order_by(Incident.id).first()
        started = time.perf_counter()
        await engine.acknowledge(leader.id, Operator("user", "bench"), whole_group=True)
        acknowledged = time.perf_counter() - started
        deadline = time.monotonic() + DRAIN_SECONDS  # until the outbox is delivered, bounded
        while time.monotonic() < deadline and NotificationDelivery.select().where(
                NotificationDelivery.state == "pending").count():
            await asyncio.sleep(0.5)
        pending = NotificationDelivery.select().where(NotificationDelivery.state == "pending").count()
    finally:
        await runtime.stop()
        await runner.cleanup()
    rows = NotificationDelivery.select().count()
    database.close()
    return {"open_seconds": opened, "escalations": escalations, "ack_seconds": acknowledged,
            "outbox_rows": rows, "pending": pending,
            "chat": counts.get("/chat", 0), "pager": counts.get("/pager", 0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=2800)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        grouped = asyncio.run(outage(Path(tmp), args.monitors, grouped=True))
        baseline = asyncio.run(outage(Path(tmp), args.monitors, grouped=False))
    print(f"{args.monitors} monitors down at once (SQLite, one engine)")
    print(f"{'':28} {'one group':>12} {'no group (baseline)':>20}")
    for label, key, fmt in (("incidents opened in (s)", "open_seconds", "{:.1f}"),
                            ("escalations, 2 steps", "escalations", "{}"),
                            ("acknowledge #1, whole group (s)", "ack_seconds", "{:.2f}"),
                            ("outbox rows (all channels)", "outbox_rows", "{}"),
                            ("messages received: chat", "chat", "{}"),
                            ("messages received: pager", "pager", "{}"),
                            ("still pending at the end", "pending", "{}")):
        print(f"{label:28} {fmt.format(grouped[key]):>12} {fmt.format(baseline[key]):>20}")


if __name__ == "__main__":
    main()
