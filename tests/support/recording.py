"""A recorded demo: ten minutes of the demo config played into a database with a fixed clock,
for the console's snapshot tests and screenshots/render.py (the live demo is uptime_tui/demo.py)."""

from __future__ import annotations

from datetime import timedelta

from uptime_tui.engine.pings import Ping
from uptime_tui.engine.service import EngineOptions
from uptime_tui.operator import Operator
from uptime_tui.results import CheckResult
from uptime_tui.runtime.assembly import Runtime, RuntimeOptions
from uptime_tui.store.models import Incident

from support.clock import FixedClock


async def record_demo(config, database, clock: FixedClock, operator: str = "alice") -> None:
    """Play ten minutes of the demo into `database` with a fixed clock: results, incidents, an
    acknowledgement, a snooze and a resolution, as the live demo would produce them."""
    runtime = Runtime(config, database, clock=clock, options=RuntimeOptions(
        probes=False, engine=EngineOptions(escalation_tick=3600)))
    engine = runtime.engine
    await runtime.start()
    try:
        shapes = {  # monitor key -> (success, seconds, degraded) for check n
            "demo-web": lambda n: (True, 0.020 + (n % 5) * 0.004, False),
            "demo-api": lambda n: ((n // 6) % 2 == 0, 0.030 + (n % 3) * 0.01, False),
            "demo-slow": lambda n: (True, 1.2 + (n % 4) * 0.3, True),
            "demo-db": lambda n: (n < 10, 0.002, False),
            "localhost-dns": lambda n: (True, 0.004, False),
        }
        token = next((h.token for h in config.heartbeats if h.id == "demo-job"), None)
        for n in range(30):
            for key, shape in shapes.items():
                tracked = engine.monitors.get(key)
                if tracked is None or tracked.paused:
                    continue
                ok, seconds, degraded = shape(n)
                cause = None if ok and not degraded else ("slow response" if ok else
                                                          "connection refused" if key == "demo-db" else "HTTP 500")
                await engine.record_result(tracked.item, CheckResult(
                    key, ok, cause, seconds, seconds * 700, 200 if ok else (None if key == "demo-db" else 500),
                    "local", clock.now, degraded=degraded))
            if token and n < 12:
                await engine.receive_ping(Ping(token, "success", body="demo run"))
            clock.advance(seconds=20)
        await engine.escalate()
        me = Operator("user", operator, {"host": "demo"})
        open_ = {i.resource_key: i.id for i in Incident.select().where(Incident.active == True)}  # noqa: E712
        if "demo-db" in open_:
            await engine.acknowledge(open_["demo-db"], me)
        if "demo-slow" in open_:
            await engine.snooze(open_["demo-slow"], me, duration=timedelta(hours=1))
        clock.advance(seconds=30)
    finally:
        await runtime.stop()
