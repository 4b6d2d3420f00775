"""Operations and alerts over real HTTP: each change goes through the engine facade and is audited
as the API key that made it; refusals keep the engine's wording with 404, 409 or 400."""

import pytest

from support.api import READ, WRITE, Clock, feed, open_incident, serving
from uptime_tui.store.models import AuditEntry, Event, Heartbeat, Incident, Monitor


def audit_of(action: str) -> list[AuditEntry]:
    return list(AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.id))


def assert_api_key_entry(entry: AuditEntry) -> None:
    assert (entry.actor_type, entry.actor_name) == ("api_key", "chat-bot")
    assert entry.context["user_agent"] == "status-bot/1.0" and entry.context["remote_addr"] == "127.0.0.1"


@pytest.mark.anyio
async def test_acknowledge_snooze_resolve_reopen(database):
    clock = Clock()
    async with serving(database, clock) as (engine, client):
        incident = await open_incident(engine, clock)
        path = f"/api/v1/incidents/{incident.id}"

        ack = await client.post(f"{path}/acknowledge", headers=WRITE)
        assert ack.status_code == 200, ack.text
        body = ack.json()
        assert body["message"] == f"incident #{incident.id} acknowledged by chat-bot"
        assert body["incident_ids"] == [incident.id]
        assert (body["incident"]["acknowledged_by"], body["incident"]["acknowledged_at"]) == ("chat-bot", "2026-11-23T09:00:02Z")
        again = await client.post(f"{path}/acknowledge", headers=WRITE, json={})
        assert (again.status_code, again.json()) == (409, {"error": f"incident #{incident.id} was already "
                                                                    "acknowledged by chat-bot at 2026-11-23T09:00:02Z"})
        [entry] = audit_of("incident.acknowledged")
        assert_api_key_entry(entry)
        assert {"type": "incident", "id": str(incident.id)} .items() <= entry.targets[0].items()

        snoozed = await client.post(f"{path}/snooze", headers=WRITE, json={"duration": "30m", "cancel_on_updates": False})
        assert snoozed.status_code == 200, snoozed.text
        assert snoozed.json()["incident"]["snooze"] == {
            "snoozed": True, "end_time": "2026-11-23T09:30:02Z", "by": "chat-bot", "cancel_on_incident_updates": False}
        until = await client.post(f"{path}/snooze", headers=WRITE, json={"until": "2026-11-23T11:00:00+01:00"})
        assert until.json()["incident"]["snooze"]["end_time"] == "2026-11-23T10:00:00Z"
        for bad, message in [
            ({}, "give either duration or until"),
            ({"duration": 60, "until": "2026-11-23T11:00:00Z"}, "give either duration or until"),
            ({"duration": 0}, "duration must be at least 1s, got 0"),
            ({"until": "2026-11-23T08:00:00Z"}, "a snooze must end in the future and within 30 days"),
            ({"duration": "45d"}, "a snooze must end in the future and within 30 days"),
            ({"until": "tomorrow"}, "until must be an RFC 3339 date-time such as 2026-05-07T09:14:02Z"),
        ]:
            response = await client.post(f"{path}/snooze", headers=WRITE, json=bad)
            assert (response.status_code, response.json()) == (400, {"error": message}), bad
        assert (await client.post(f"{path}/unsnooze", headers=WRITE)).json()["incident"]["snooze"]["snoozed"] is False
        assert (await client.post(f"{path}/unsnooze", headers=WRITE)).status_code == 409
        assert [e.actor_name for e in audit_of("incident.snoozed") + audit_of("incident.unsnoozed")] == ["chat-bot"] * 3

        resolved = await client.post(f"{path}/resolve", headers=WRITE, json={"reason": "fixed the load balancer"})
        assert resolved.status_code == 200
        item = resolved.json()["incident"]
        assert (item["active"], item["resolved_by"], item["resolution_reason"], item["resolved_at"]) == (
            False, "chat-bot", "fixed the load balancer", "2026-11-23T09:00:02Z")
        assert (await client.post(f"{path}/resolve", headers=WRITE, json={"reason": "x"})).status_code == 409
        assert (await client.post(f"{path}/resolve", headers=WRITE, json={})).json() == {"error": "reason is required"}

        reopened = await client.post(f"{path}/reopen", headers=WRITE, json={"reason": "still failing"})
        assert reopened.status_code == 200 and reopened.json()["incident"]["active"] is True
        assert "resolved_at" not in reopened.json()["incident"]
        assert (await client.post(f"{path}/reopen", headers=WRITE)).status_code == 409
        for action in ("incident.resolved", "incident.reopened"):
            assert_api_key_entry(audit_of(action)[0])
        assert Event.select().where(Event.name == "incident.reopened").count() == 1

        for verb in ("acknowledge", "unsnooze", "resolve", "reopen", "snooze"):
            missing = await client.post(f"/api/v1/incidents/424242/{verb}", headers=WRITE,
                                        json={"reason": "x", "duration": 60})
            assert (missing.status_code, missing.json()) == (404, {"error": "incident not found"}), verb
            assert (await client.post(f"/api/v1/incidents/abc/{verb}", headers=WRITE)).json() == {
                "error": "invalid incident ID"}
            assert (await client.post(f"{path}/{verb}", headers=READ)).status_code == 403
            assert (await client.post(f"{path}/{verb}")).status_code == 401
    assert AuditEntry.select().where(AuditEntry.actor_type == "api_key").count() == 6  # none for a refusal


@pytest.mark.anyio
async def test_whole_group_operations(database):
    clock = Clock()
    async with serving(database, clock) as (engine, client):
        first = await open_incident(engine, clock, "api")
        second = await open_incident(engine, clock, "cdn")
        assert Incident.get_by_id(second.id).group_id == first.id
        ack = await client.post(f"/api/v1/incidents/{second.id}/acknowledge", headers=WRITE, json={"whole_group": True})
        assert ack.json()["incident_ids"] == [first.id, second.id]
        assert ack.json()["incident"]["group_id"] == first.id
        resolved = await client.post(f"/api/v1/incidents/{first.id}/resolve", headers=WRITE,
                                     json={"reason": "edge restarted", "whole_group": True})
        assert resolved.json()["incident_ids"] == [first.id, second.id]
        assert len(audit_of("incident.resolved")) == 2


@pytest.mark.anyio
async def test_pause_and_unpause_monitors_and_heartbeats(database):
    clock = Clock()
    async with serving(database, clock) as (engine, client):
        web_id = engine.monitors["web"].resource.row_id
        paused = await client.post("/api/v1/monitors/web/pause", headers=WRITE)
        assert (paused.status_code, paused.json()) == (200, {"message": "Monitor Web paused by chat-bot"})
        assert engine.monitors["web"].paused and Monitor.get_by_id(web_id).paused
        again = await client.post(f"/api/v1/monitors/{web_id}/pause", headers=WRITE)
        assert (again.status_code, again.json()) == (409, {"error": "monitor Web is already paused"})
        assert (await client.post(f"/api/v1/monitors/{web_id}/unpause", headers=WRITE)).status_code == 200
        assert not engine.monitors["web"].paused

        assert (await client.post("/api/v1/heartbeats/backup/pause", headers=WRITE)).status_code == 200
        assert (await client.post("/ping/backup-token-12345")).status_code == 404  # paused: pings refused
        assert Heartbeat.get(Heartbeat.key == "backup").paused
        assert (await client.post("/api/v1/heartbeats/backup/unpause", headers=WRITE)).status_code == 200
        assert (await client.post("/ping/backup-token-12345")).status_code == 200

        for path in ("/api/v1/monitors/nope/pause", "/api/v1/heartbeats/web/pause", "/api/v1/monitors/99999/unpause"):
            missing = await client.post(path, headers=WRITE)
            assert missing.status_code == 404 and missing.json()["error"].endswith("not found"), path
        assert (await client.post("/api/v1/monitors/web/pause", headers=READ)).status_code == 403
        assert (await client.post("/api/v1/monitors/web/pause", headers=WRITE, content=b"{")).status_code == 400
    entries = [e for e in AuditEntry.select().order_by(AuditEntry.id) if e.actor_type == "api_key"]
    assert [e.action for e in entries] == ["monitor.paused", "monitor.unpaused", "heartbeat.paused", "heartbeat.unpaused"]
    for entry in entries:
        assert_api_key_entry(entry)


@pytest.mark.anyio
async def test_alerts_as_reference_003_describes(database):
    clock = Clock()
    async with serving(database, clock) as (engine, client):
        web = await open_incident(engine, clock, "web")
        await feed(engine, clock, "web", success=True, times=2)  # closed by recovery
        api = await open_incident(engine, clock, "api")
        cdn = await open_incident(engine, clock, "cdn")

        listed = (await client.get("/api/v0/alerts", headers=READ)).json()
        assert [a["id"] for a in listed["alerts"]] == [str(cdn.id), str(api.id)] and "nextId" not in listed
        alert = listed["alerts"][1]
        assert alert == {"id": str(api.id), "status": "CRITICAL", "monitorId": "api", "type": "external",
                         "message": "HTTP 503", "openedAt": int(api.started_at.timestamp())}

        everything = (await client.get("/api/v0/alerts", params={"withClosed": "true"}, headers=READ)).json()
        assert [a["id"] for a in everything["alerts"]] == [str(cdn.id), str(api.id), str(web.id)]
        closed = everything["alerts"][2]
        recovered = Incident.get_by_id(web.id)
        assert (closed["status"], closed["reason"], closed["closedAt"]) == (
            "OK", recovered.resolution_reason, int(recovered.resolved_at.timestamp()))

        first = (await client.get("/api/v0/alerts", params={"withClosed": "true", "limit": 2}, headers=READ)).json()
        assert [a["id"] for a in first["alerts"]] == [str(cdn.id), str(api.id)] and first["nextId"] == str(api.id)
        rest = (await client.get("/api/v0/alerts", params={"withClosed": "true", "limit": 2, "nextId": first["nextId"]},
                                 headers=READ)).json()
        assert [a["id"] for a in rest["alerts"]] == [str(web.id)] and "nextId" not in rest

        for params in ({"limit": "101"}, {"limit": "0"}, {"withClosed": "yes"}, {"nextId": "abc"}):
            response = await client.get("/api/v0/alerts", params=params, headers=READ)
            assert response.status_code == 400 and "error" in response.json(), params
        assert (await client.get("/api/v0/alerts", params={"limit": "101"}, headers=READ)).json() == {
            "error": "limit must be between 1 and 100"}

        close = await client.post(f"/api/v0/alerts/{api.id}/close", headers=WRITE, json={"reason": "known outage"})
        assert close.status_code == 200, close.text
        body = close.json()
        assert (body["id"], body["status"], body["reason"], body["closedAt"]) == (
            str(api.id), "OK", "known outage", int(clock.now.timestamp()))
        assert Incident.get_by_id(api.id).resolved_by == "chat-bot"
        assert_api_key_entry(audit_of("incident.resolved")[-1])

        assert (await client.post(f"/api/v0/alerts/{api.id}/close", headers=WRITE, json={"reason": "x"})).status_code == 409
        for alert_id in ("999999", "abc"):
            response = await client.post(f"/api/v0/alerts/{alert_id}/close", headers=WRITE, json={"reason": "x"})
            assert (response.status_code, response.json()) == (404, {"error": "alert not found"})
        forbidden = await client.post(f"/api/v0/alerts/{cdn.id}/close", headers=READ, json={"reason": "x"})
        assert forbidden.status_code == 403
        no_reason = await client.post(f"/api/v0/alerts/{cdn.id}/close", headers=WRITE, json={})
        assert (no_reason.status_code, no_reason.json()) == (400, {"error": "reason is required"})
        assert Incident.get_by_id(cdn.id).active

        # A heartbeat's incident: a check in Mackerel's words, no monitor_id in the incidents API's.
        assert (await client.post("/ping/backup-token-12345/fail")).status_code == 200
        backup = Incident.get(Incident.resource_key == "backup")
        [alert] = [a for a in (await client.get("/api/v0/alerts", headers=READ)).json()["alerts"] if a["id"] == str(backup.id)]
        assert (alert["type"], alert["monitorId"], alert["status"]) == ("check", "backup", "CRITICAL")
        heartbeat_id = engine.heartbeats["backup"].resource.row_id
        listed = (await client.get("/api/v1/incidents", params={"heartbeat_id": heartbeat_id}, headers=READ)).json()
        [item] = listed["incidents"]
        assert (item["id"], item["monitor_id"], item["heartbeat_id"], item["type"]) == (backup.id, None, heartbeat_id, "down")
