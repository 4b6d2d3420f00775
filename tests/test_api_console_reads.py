"""The console's reads over real HTTP: each endpoint answers, as JSON, exactly what the embedded
console's query returns, and reads back into the same dataclasses."""

import pytest

from support.api import READ, Clock, feed, open_incident, serving
from uptime_tui.queries import dashboard
from uptime_tui.queries.events import EventRow, load_events
from uptime_tui.queries.heartbeat_detail import HeartbeatDetail, heartbeat_detail
from uptime_tui.queries.wire import from_wire, to_wire
from uptime_tui.store.models import Heartbeat, Monitor


@pytest.mark.anyio
async def test_every_pane_and_detail_reads_as_the_embedded_console_does(database):
    clock = Clock()
    async with serving(database, clock) as (engine, client):
        incident = await open_incident(engine, clock)
        await feed(engine, clock, "api", times=3)
        await client.get("/ping/backup-token-12345")
        now = engine.clock()
        monitor = Monitor.get(Monitor.key == "web").id
        heartbeat = Heartbeat.get(Heartbeat.key == "backup").id
        expected = {
            "monitors": (dashboard.load_monitor_rows(engine.config, now), list[dashboard.MonitorRow]),
            "monitor-stats": (dashboard.load_monitor_stats(now), dict[int, dashboard.MonitorStats]),
            "heartbeats": (dashboard.load_heartbeats(engine.config, now), list[dashboard.HeartbeatRow]),
            "incidents": (dashboard.load_incidents(now), list[dashboard.IncidentRow]),
            "events": (load_events(), list[EventRow]),
            f"incidents/{incident.id}": (dashboard.incident_detail(incident.id), dashboard.IncidentDetail),
            f"monitors/{monitor}": (dashboard.monitor_detail(monitor), dashboard.MonitorDetail),
            f"heartbeats/{heartbeat}": (heartbeat_detail(heartbeat), HeartbeatDetail),
        }
        for path, (value, hint) in expected.items():
            assert value, path  # something to compare
            response = await client.get(f"/api/v1/console/{path}", headers=READ)
            assert response.status_code == 200, (path, response.text)
            assert response.json() == to_wire(value), path
            assert from_wire(hint, response.json()) == value, path

        for kind in ("incidents", "monitors", "heartbeats"):
            missing = await client.get(f"/api/v1/console/{kind}/987654", headers=READ)
            assert (missing.status_code, missing.json()) == (404, {"error": f"{kind[:-1]} not found"})
            assert (await client.get(f"/api/v1/console/{kind}/{'9' * 40}", headers=READ)).status_code == 404
            assert (await client.get(f"/api/v1/console/{kind}/web", headers=READ)).status_code == 400
        assert (await client.get("/api/v1/console/monitors")).status_code == 401
