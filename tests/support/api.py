"""Shared by the API, operations and console tests (no tests here): a running engine with its listener on an ephemeral
127.0.0.1 port, a fake clock, API keys, and check results fed in as the probes would send them."""

from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timezone

import httpx

from uptime_tui.results import CheckResult
from uptime_tui.config import parse_config
from support.clock import FixedClock
from uptime_tui.api.listener import Listener
from uptime_tui.engine.service import EngineOptions
from uptime_tui.runtime.assembly import Runtime, RuntimeOptions
from uptime_tui.store.models import Incident

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
READ_TOKEN = "read-token-0123456789abcdef"
WRITE_TOKEN = "write-token-0123456789abcdef"
READ = {"Authorization": f"Bearer {READ_TOKEN}"}
WRITE = {"Authorization": f"Bearer {WRITE_TOKEN}", "User-Agent": "status-bot/1.0"}

CONFIG = f"""
settings: {{listen: "127.0.0.1:8787", organization_id: acme, team_id: sre}}
monitors:
  - {{id: web, name: Web, type: http, url: "http://127.0.0.1:9/", interval: 1h, confirmation: 2,
      recovery: 2, degraded_after: 1s}}
  - {{id: api, name: API, type: http, url: "http://127.0.0.1:9/api", interval: 1h, group: edge}}
  - {{id: cdn, name: CDN, type: http, url: "http://127.0.0.1:9/cdn", interval: 1h, group: edge}}
heartbeats:
  - {{id: backup, name: Nightly backup, period: 1h, grace: 1m, token: backup-token-12345}}
api_keys:
  - {{name: status-page, token: {READ_TOKEN}, permissions: [read]}}
  - {{name: chat-bot, token: {WRITE_TOKEN}, permissions: [read, write]}}
"""


class Clock(FixedClock):
    """A clock the test moves by hand, from T0."""

    def __init__(self, now: datetime = T0):
        super().__init__(now)


def config(text: str = CONFIG):
    """The config, listening on an ephemeral port of 127.0.0.1."""
    parsed = parse_config(text, "api.yaml", {})
    return replace(parsed, settings=replace(parsed.settings, listen_port=0))


@asynccontextmanager
async def running(database, clock: Clock, text: str = CONFIG):
    """A started runtime: engine, notifier and listener (no probes: tests feed results)."""
    runtime = Runtime(config(text), database, clock=clock, listener=Listener, options=RuntimeOptions(
        probes=False, engine=EngineOptions(escalation_tick=3600)))
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


@asynccontextmanager
async def serving(database, clock: Clock, text: str = CONFIG):
    """A started engine (no probes: tests feed results) and an HTTP client for its listener."""
    async with running(database, clock, text) as runtime:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{runtime.listener.port}",
                                     timeout=10) as client:
            yield runtime.engine, client


async def feed(engine, clock: Clock, key: str, success: bool = True, times: int = 1, degraded: bool = False):
    """Check results for monitor `key`, one second apart."""
    monitor = engine.monitors[key].item
    for _ in range(times):
        await engine.record_result(monitor, CheckResult(
            key, success, None if success else "HTTP 503", 0.05, 10.0 if success else 2143.4,
            200 if success else 503, "local", clock.now, degraded=degraded))
        clock.advance(seconds=1)


async def open_incident(engine, clock: Clock, key: str = "web") -> Incident:
    """Two failed checks: the monitor goes down and its incident opens."""
    await feed(engine, clock, key, success=False, times=2)
    return Incident.get(Incident.resource_key == key, Incident.active == True)  # noqa: E712


def add_incident(**fields) -> Incident:
    """An incident row written directly, for filter and paging tests that need many of them."""
    started = fields.pop("started_at", T0)
    row = dict(type="down", name="Web is down", resource_type="monitor", resource_id=1, resource_key="web",
               resource_name="Web", cause="HTTP 503", status="critical", severity="critical", active=True,
               started_at=started, updated_at=started, created_at=started)
    row.update(fields)
    return Incident.create(**row)
