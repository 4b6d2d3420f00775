"""The engine end to end: a real HTTP target on 127.0.0.1, a real SQLite file, real pings."""

from contextlib import asynccontextmanager

import httpx
import pytest

from uptime_tui.config import parse_config
from uptime_tui.api.listener import Listener
from uptime_tui.runtime.assembly import Runtime
from uptime_tui.store import open_database
from uptime_tui.store.models import CheckResult, Event, Heartbeat, HeartbeatPing, Incident, IncidentEvidence

from support.network import Target, free_port, wait_for


def make_config(target_port: int, listen_port: int):
    return parse_config(f"""
settings: {{listen: "127.0.0.1:{listen_port}", organization_id: org, team_id: team}}
monitors:
  - {{id: web, name: Web, type: http, url: "http://127.0.0.1:{target_port}/", interval: 1s, timeout: 500ms,
      confirmation: 2, recovery: 2}}
heartbeats:
  - {{id: job, name: Job, period: 1h, grace: 1m, token: job-token-12345}}
""", "test.yaml", {})


@asynccontextmanager
async def running(config, database, listen=False):
    """A started engine (probes and notifier, a listener when asked) and its event queue."""
    runtime = Runtime(config, database, listener=Listener if listen else None)
    events = runtime.engine.subscribe()
    await runtime.start()
    try:
        yield runtime.engine, events
    finally:
        await runtime.stop()


@pytest.mark.anyio
async def test_down_incident_recovery_and_restart(tmp_path):
    database = open_database(str(tmp_path / "uptime.db"))
    async with Target() as target:
        config = make_config(target.port, free_port())
        async with running(config, database) as (engine, events):
            await wait_for(events, "monitor.checked")
            target.status = 503
            down = await wait_for(events, "monitor.down")
            started = await wait_for(events, "incident.started")
        assert down["cause"] == "HTTP 503" and down["monitor_id"] == 1
        incident = Incident.get_by_id(started["incident_id"])
        assert (incident.type, incident.status, incident.severity, incident.active) == ("down", "critical", "critical", True)
        evidence = list(IncidentEvidence.select().where(IncidentEvidence.incident == incident.id))
        assert len(evidence) == 2 and all(e.status_code == 503 for e in evidence)
        assert Event.select().where(Event.incident == incident.id).count() == 1  # incident.started, stored
        assert CheckResult.select().count() >= 3

        # Restart while still down: no second monitor.down, no second incident.
        async with running(config, database) as (engine, events):
            checked = [await wait_for(events, "monitor.checked") for _ in range(2)]
            assert not any(p["success"] for p in checked)
            target.status = 200
            await wait_for(events, "monitor.verifying_recovery")
            resolved = await wait_for(events, "incident.resolved")
        assert Event.select().where(Event.name == "monitor.down").count() == 1
        assert Incident.select().count() == 1 and resolved["incident_id"] == incident.id
        incident = Incident.get_by_id(incident.id)
        assert (incident.active, incident.status, incident.severity, incident.resolved_by) == (False, "ok", "critical", "system")
    database.close()


@pytest.mark.anyio
async def test_heartbeat_pings_over_http(tmp_path):
    database = open_database(str(tmp_path / "uptime.db"))
    port = free_port()
    async with running(make_config(free_port(), port), database, listen=True) as (engine, events):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            assert (await client.post("/ping/job-token-12345/start")).status_code == 200
            response = await client.post("/ping/job-token-12345", content=b"x" * 20_000)
            assert response.status_code == 200 and response.text == "OK"
            checked = await wait_for(events, "heartbeat.checked")
            assert checked["success"] is True and checked["heartbeat_name"] == "Job"
            assert (await client.get("/ping/job-token-12345/1")).status_code == 200
            assert (await wait_for(events, "heartbeat.down"))["heartbeat_id"] == 1
            assert (await client.get("/ping/unknown-token")).status_code == 404
            assert (await client.get("/ping/job-token-12345/256")).status_code == 400
            kuma = await client.get("/api/push/job-token-12345", params={"status": "up", "msg": "done"})
            assert kuma.json() == {"ok": True}
            assert (await wait_for(events, "heartbeat.up"))["heartbeat_id"] == 1
    pings = list(HeartbeatPing.select().order_by(HeartbeatPing.id))
    assert [p.kind for p in pings] == ["start", "success", "exit", "success"]
    assert len(pings[1].body) == 10 * 1024  # the body is kept up to 10 KB
    assert Heartbeat.get().state["last_duration"] is not None
    database.close()


@pytest.mark.anyio
async def test_reload_starts_and_stops_monitors(tmp_path):
    database = open_database(str(tmp_path / "uptime.db"))
    async with Target() as target:
        config = make_config(target.port, free_port())
        async with running(config, database) as (engine, events):
            text = f"""
monitors:
  - {{id: api, name: API, type: http, url: "http://127.0.0.1:{target.port}/", interval: 1s, timeout: 500ms}}
"""
            changes = await engine.reload(parse_config(text, "test.yaml", {}))
            assert sorted((c.action, c.key) for c in changes) == [
                ("created", "api"), ("destroyed", "job"), ("destroyed", "web")]
            assert engine.scheduler.monitor_ids == {"api"}
            assert (await wait_for(events, "monitor.checked"))["monitor_name"] == "API"
    names = [e.name for e in Event.select().order_by(Event.id)]
    assert names.count("monitor.created") == 2 and "monitor.destroyed" in names and "heartbeat.destroyed" in names
    database.close()


@pytest.mark.anyio
async def test_sync_and_reload_write_chained_audit_entries(tmp_path):
    from uptime_tui import audit
    from uptime_tui.store.models import AuditEntry

    database = open_database(str(tmp_path / "uptime.db"))
    config = make_config(free_port(), free_port())
    async with running(config, database) as (engine, events):
        await engine.reload(parse_config(
            "monitors: [{id: web, name: Website, type: http, url: 'http://127.0.0.1:9/', interval: 1s, timeout: 500ms}]\n",
            "test.yaml", {}))
    entries = list(AuditEntry.select().order_by(AuditEntry.id))
    assert [(e.actor_type, e.action, e.targets[0]["id"]) for e in entries] == [
        ("system", "monitor.created", "web"), ("system", "heartbeat.created", "job"),
        ("system", "monitor.updated", "web"), ("system", "heartbeat.destroyed", "job"),
    ]
    assert "host" in entries[0].context and "(name, url changed)" in entries[2].message
    previous = audit.GENESIS_HASH
    for e in entries:  # the chain recomputes from the stored rows
        fields = audit.entry_fields(e.created_at, audit.Actor(e.actor_type, e.actor_id, e.actor_name, e.actor_metadata),
                                    e.action, [audit.Target(**t) for t in e.targets], e.context, e.message)
        assert e.previous_hash == previous and e.hash == audit.entry_hash(previous, fields)
        previous = e.hash
    database.close()
