"""`GET /api/v1/audit` over real HTTP: the CLI's filters, id cursors, the CSV export."""

import csv
import io

import pytest

from support.api import CONFIG, READ, WRITE, Clock, open_incident, serving
from uptime_tui.store.models import AuditEntry

# A key whose name a spreadsheet would run as a formula: the export must neutralise it.
FORMULA_TOKEN = "formula-token-0123456789"
TEXT = CONFIG + f"  - {{name: '=2+3', token: {FORMULA_TOKEN}, permissions: [read, write]}}\n"


async def make_history(engine, client, clock):
    """System entries from the sync, then incident and pause operations by two keys."""
    incident = await open_incident(engine, clock)
    clock.advance(hours=1)
    assert (await client.post(f"/api/v1/incidents/{incident.id}/acknowledge", headers=WRITE)).status_code == 200
    clock.advance(hours=1)
    assert (await client.post("/api/v1/monitors/api/pause", headers=WRITE)).status_code == 200
    clock.advance(hours=1)
    formula = {"Authorization": f"Bearer {FORMULA_TOKEN}"}
    response = await client.post(f"/api/v1/incidents/{incident.id}/resolve", headers=formula,
                                 json={"reason": "=HYPERLINK(\"http://evil\")"})
    assert response.status_code == 200
    return incident


@pytest.mark.anyio
async def test_audit_filters_and_cursors(database):
    clock = Clock()
    async with serving(database, clock, TEXT) as (engine, client):
        incident = await make_history(engine, client, clock)
        all_ids = [e.id for e in AuditEntry.select().order_by(AuditEntry.id.desc())]

        async def get(**params):
            response = await client.get("/api/v1/audit", params=params, headers=READ)
            assert response.status_code == 200, response.text
            return response.json()

        page = await get()
        assert [e["id"] for e in page["entries"]] == all_ids  # newest first
        assert page["next_before_id"] is None and page["next_after_id"] is None
        newest = page["entries"][0]
        assert newest["actor"] == {"type": "api_key", "id": "=2+3", "name": "=2+3", "metadata": {}}
        assert newest["action"] == "incident.resolved" and newest["context"]["remote_addr"] == "127.0.0.1"
        assert {"type", "id", "name"} <= set(newest["targets"][0]) and newest["hash"]

        def actions(body):
            return [e["action"] for e in body["entries"]]

        assert actions(await get(actor_type="api_key")) == ["incident.resolved", "monitor.paused", "incident.acknowledged"]
        assert actions(await get(actor="chat-bot")) == ["monitor.paused", "incident.acknowledged"]
        assert actions(await get(actor="CHAT-BOT")) == ["monitor.paused", "incident.acknowledged"]  # names in any case
        assert actions(await get(action="monitor.*", actor_type="api_key")) == ["monitor.paused"]
        assert actions(await get(target=f"incident:{incident.id}", actor_type="api_key")) == [
            "incident.resolved", "incident.acknowledged"]
        assert actions(await get(text="HYPERLINK")) == ["incident.resolved"]
        assert actions(await get(since="2026-11-23T10:00:03Z")) == ["incident.resolved", "monitor.paused"]
        assert actions(await get(since="2026-11-23T10:00:03", until="2026-11-23T11:00:03Z")) == ["monitor.paused"]
        assert actions(await get(since="90m", actor_type="api_key")) == ["incident.resolved", "monitor.paused"]
        assert actions(await get(since="1h30m", actor_type="api_key")) == ["incident.resolved", "monitor.paused"]
        assert len((await get(since="99999999999999d"))["entries"]) == len(all_ids)  # since the calendar began
        assert actions(await get(until="2026-11-23")) == []
        assert actions(await get(since="2026-11-24", until="2026-11-23")) == []  # an empty range

        # Cursors: pages of two, towards older entries, then back towards newer ones.
        first = await get(limit=2)
        assert [e["id"] for e in first["entries"]] == all_ids[:2] and first["next_before_id"] == all_ids[1]
        second = await get(limit=2, before_id=first["next_before_id"])
        assert [e["id"] for e in second["entries"]] == all_ids[2:4]
        newer = await get(limit=2, after_id=all_ids[4])
        assert [e["id"] for e in newer["entries"]] == all_ids[2:4] and newer["next_after_id"] == all_ids[2]

        for params, message in [
            ({"limit": "0"}, "limit must be between 1 and 100"),
            ({"limit": "500"}, "limit must be between 1 and 100"),
            ({"before_id": "x"}, "before_id must be an entry id (a non-negative integer)"),
            ({"actor_type": "robot"}, "actor_type must be one of user, api_key, system, workflow, alert"),
            ({"since": "last tuesday"}, "since must be an ISO 8601 date or time (UTC without an offset) "
                                        "or a duration ago such as 24h, 7d or 1h30m"),
            ({"until": ""}, "until must be an ISO 8601 date or time (UTC without an offset) "
                            "or a duration ago such as 24h, 7d or 1h30m"),
            ({"text": "a\x00b"}, "text must not contain NUL characters"),
        ]:
            response = await client.get("/api/v1/audit", params=params, headers=READ)
            assert (response.status_code, response.json()) == (400, {"error": message}), params
        assert (await client.get("/api/v1/audit")).status_code == 401


@pytest.mark.anyio
async def test_audit_csv_export(database):
    clock = Clock()
    async with serving(database, clock, TEXT) as (engine, client):
        await make_history(engine, client, clock)
        response = await client.get("/api/v1/audit", headers={**READ, "Accept": "text/csv"})
        assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0][:7] == ["id", "created_at", "version", "actor_type", "actor_id", "actor_name", "action"]
        ids = [int(r[0]) for r in rows[1:]]
        assert ids == sorted(ids) and len(ids) == AuditEntry.select().count()  # oldest first, every entry
        resolved = rows[-1]
        assert resolved[5] == "'=2+3" and resolved[6] == "incident.resolved"  # neutralised for spreadsheets
        assert "\r\n" in response.text

        only_keys = await client.get("/api/v1/audit", params={"actor_type": "api_key"},
                                     headers={**READ, "Accept": "application/json;q=0.5, text/csv"})
        assert [r[6] for r in list(csv.reader(io.StringIO(only_keys.text)))[1:]] == [
            "incident.acknowledged", "monitor.paused", "incident.resolved"]
        empty = await client.get("/api/v1/audit", params={"actor": "nobody"}, headers={**READ, "Accept": "text/csv"})
        assert len(list(csv.reader(io.StringIO(empty.text)))) == 1  # the header alone
