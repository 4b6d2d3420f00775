"""A mass outage: N monitors of one group go down at once. How many escalations (and, with
--deliveries, outbox rows per channel) does it cause, and how long does the engine take?

Baseline in the same run: the same outage with the monitors in no group.

    .venv/bin/python bench/outage.py            # 2,800 monitors
    .venv/bin/python bench/outage.py --monitors 500
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from uptime_tui.checks.result import CheckResult
from uptime_tui.config import parse_config
from uptime_tui.engine.operations import Operator
from uptime_tui.engine.service import Engine, EngineOptions
from uptime_tui.store import open_database
from uptime_tui.store.models import Incident, NotificationDelivery

CHANNELS_AND_POLICY = """
channels:
  - {id: chat, webhook: {url: "http://127.0.0.1:9/hook"}, events: ["incident.*"]}
  - {id: pager, webhook: {url: "http://127.0.0.1:9/page"}, events: ["incident.escalated"]}
policies:
  - id: on-call
    steps: [{wait: 0s, channels: [chat]}, {wait: 15m, channels: [chat, pager]}]
"""


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now


def config_text(monitors: int, grouped: bool) -> str:
    group = "group: region-a, " if grouped else ""
    lines = "\n".join(
        f"  - {{id: m{i}, name: M{i}, type: tcp, host: 127.0.0.1, port: 9, interval: 1h, "
        f"confirmation: 1, {group}channels: [chat], policy: on-call}}" for i in range(monitors))
    return "settings: {listen: '127.0.0.1:9'}\nmonitors:\n" + lines + CHANNELS_AND_POLICY


async def outage(directory: Path, monitors: int, grouped: bool) -> dict:
    clock = Clock()
    database = open_database(str(directory / f"outage-{grouped}.db"))
    engine = Engine(parse_config(config_text(monitors, grouped), "outage.yaml", {}), database, clock=clock,
                    options=EngineOptions(listen=False, probes=False, escalation_tick=3600))
    await engine.start()
    try:
        started = time.perf_counter()
        await asyncio.gather(*(engine.record_result(t.item, CheckResult(
            key, False, "connection refused", 0.001, None, None, "local", clock.now))
            for key, t in engine.monitors.items()))
        opened = time.perf_counter() - started
        first = await engine.escalate()
        clock.now += timedelta(minutes=15)
        second = await engine.escalate()
        leader = Incident.select().order_by(Incident.id).first()
        started = time.perf_counter()
        await engine.acknowledge(leader.id, Operator("user", "bench"), whole_group=True)
        acknowledged = time.perf_counter() - started
    finally:
        await engine.stop()
    per_channel = {}
    for row in NotificationDelivery.select(NotificationDelivery.channel_id):
        per_channel[row.channel_id] = per_channel.get(row.channel_id, 0) + 1
    database.close()
    return {"open_seconds": opened,
            "escalations": len(first) + len(second), "ack_seconds": acknowledged,
            "outbox_rows": per_channel}


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
                            ("acknowledge the first (s)", "ack_seconds", "{:.2f}")):
        print(f"{label:28} {fmt.format(grouped[key]):>12} {fmt.format(baseline[key]):>20}")
    print(f"{'outbox rows per channel':28} {str(grouped['outbox_rows'] or '-'):>12} "
          f"{str(baseline['outbox_rows'] or '-'):>20}")


if __name__ == "__main__":
    main()
