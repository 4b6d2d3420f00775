"""The HTTP API over real HTTP on 127.0.0.1: incidents (as the public uptime incidents API shapes them), keys, errors, the listener."""

import asyncio
import json
import logging
from datetime import timedelta

import httpx
import pytest

from support.api import (CONFIG, READ, READ_TOKEN, T0, WRITE, WRITE_TOKEN, Clock, add_incident, config, feed,
                         open_incident, running, serving)
from uptime_tui.config import parse_config
from uptime_tui.store import open_database

REFERENCE_FIELDS = {"id", "monitor_id", "account_id", "type", "started_at", "resolved_at", "evidence", "created_at"}


@pytest.fixture
def sqlite(tmp_path):
    database = open_database(str(tmp_path / "uptime.db"))
    yield database
    database.close()


@pytest.mark.anyio
async def test_incidents_as_reference_004_describes(database):
    clock = Clock()
    async with serving(database, clock) as (engine, client):
        incident = await open_incident(engine, clock)
        response = await client.get("/api/v1/incidents", headers=READ)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
        body = response.json()
        assert (body["total"], body["limit"], body["offset"]) == (1, 50, 0)
        [item] = body["incidents"]
        assert REFERENCE_FIELDS - {"resolved_at"} <= set(item) and "resolved_at" not in item  # ongoing
        assert (item["id"], item["monitor_id"], item["heartbeat_id"], item["account_id"], item["type"]) == (
            incident.id, engine.monitors["web"].resource.row_id, None, "acme", "down")
        assert item["started_at"] == item["created_at"] == "2026-11-23T09:00:01Z"
        assert item["evidence"] == [
            {"region": "local", "timestamp": "2026-11-23T09:00:00Z", "status_code": 503, "ttfb_ms": 2143, "cause": "HTTP 503"},
            {"region": "local", "timestamp": "2026-11-23T09:00:01Z", "status_code": 503, "ttfb_ms": 2143, "cause": "HTTP 503"},
        ]
        # Ours, beside the reference's fields.
        assert (item["status"], item["severity"], item["active"], item["flapping"], item["maintenance"]) == (
            "critical", "critical", True, False, False)
        assert item["snooze"] == {"snoozed": False, "end_time": None, "by": None, "cancel_on_incident_updates": True}
        assert item["resource"] == {"type": "monitor", "id": item["monitor_id"], "key": "web", "name": "Web"}
        assert item["acknowledged_by"] is None and item["escalation"] == {"policy": None, "level": 0}

        one = await client.get(f"/api/v1/incidents/{incident.id}", headers=READ)
        assert one.json() == {"incident": item}

        await feed(engine, clock, "web", success=True, times=2)  # recovers: resolved_at appears
        resolved = (await client.get(f"/api/v1/incidents/{incident.id}", headers=READ)).json()["incident"]
        assert resolved["resolved_at"] == "2026-11-23T09:00:03Z" and resolved["active"] is False
        assert (resolved["status"], resolved["severity"], resolved["resolved_by"]) == ("ok", "critical", "system")


@pytest.mark.anyio
async def test_incident_filters_order_and_pages(database):
    clock = Clock()
    async with serving(database, clock) as (engine, client):
        web, api = engine.monitors["web"].resource.row_id, engine.monitors["api"].resource.row_id
        backup = engine.heartbeats["backup"].resource.row_id

        def add_rows():
            rows = []
            for i in range(7):  # one an hour, alternating monitors and types
                rows.append(add_incident(
                    started_at=T0 + timedelta(hours=i), resource_id=web if i % 2 == 0 else api,
                    resource_key="web" if i % 2 == 0 else "api", type=("down", "flapping", "degraded")[i % 3],
                    active=False, resolved_at=T0 + timedelta(hours=i, minutes=5)))
            rows.append(add_incident(started_at=T0 + timedelta(hours=3), resource_type="heartbeat",
                                     resource_id=backup, resource_key="backup", resource_name="Nightly backup"))
            return rows

        with database.connection_context():
            rows = add_rows()

        async def ids(**params):
            response = await client.get("/api/v1/incidents", params=params, headers=READ)
            assert response.status_code == 200, response.text
            body = response.json()
            return [i["id"] for i in body["incidents"]], body["total"]

        newest_first = [r.id for r in sorted(rows, key=lambda r: (r.started_at, r.id), reverse=True)]
        assert await ids() == (newest_first, 8)
        assert await ids(monitor_id=web) == ([r.id for r in rows[6::-2]], 4)
        assert await ids(heartbeat_id=backup) == ([rows[7].id], 1)
        assert await ids(monitor_id=backup if backup not in (web, api) else 999) == ([], 0)
        assert await ids(type="flapping") == ([rows[4].id, rows[1].id], 2)
        assert await ids(type="down", monitor_id=api) == ([rows[3].id], 1)
        # Strictly after and strictly before, in any offset.
        assert await ids(started_after="2026-11-23T12:00:00Z") == ([rows[6].id, rows[5].id, rows[4].id], 3)
        assert await ids(started_after="2026-11-23T13:00:00+01:00", started_before="2026-11-23T14:00:00Z") == (
            [rows[4].id], 1)
        assert await ids(started_before="2026-11-23T09:00:00.000001Z") == ([rows[0].id], 1)
        # Pages: total counts the filtered set, not the page.
        assert await ids(limit=3) == (newest_first[:3], 8)
        assert await ids(limit=3, offset=6) == (newest_first[6:], 8)
        assert await ids(offset=100) == ([], 8)
        assert await ids(limit=1, offset=1, monitor_id=web) == ([rows[4].id], 4)
        assert await ids(monitor_id=2**40) == ([], 0)  # past the database's integers: nothing, not a 500
        assert "resolved_at" in (await client.get("/api/v1/incidents", params={"limit": 1, "offset": 1},
                                                  headers=READ)).json()["incidents"][0]


@pytest.mark.anyio
@pytest.mark.parametrize("params, message", [
    ({"limit": "0"}, "limit must be between 1 and 100"),
    ({"limit": "101"}, "limit must be between 1 and 100"),
    ({"limit": "ten"}, "limit must be between 1 and 100"),
    ({"limit": "-1"}, "limit must be between 1 and 100"),
    ({"limit": "٣"}, "limit must be between 1 and 100"),  # Arabic-Indic three: int() would take it
    ({"offset": "-5"}, "offset must be a non-negative integer"),
    ({"monitor_id": "web"}, "monitor_id must be an integer"),
    ({"type": "up"}, "type must be one of down, degraded, flapping"),
    ({"started_after": "2026-11-23"}, "started_after must be an RFC 3339 date-time such as 2026-05-07T09:14:02Z"),
    ({"started_after": "2026-11-23T09:00:00"}, "started_after must be an RFC 3339 date-time such as 2026-05-07T09:14:02Z"),
    ({"started_before": "2026-11-23 09:00:00Z"}, "started_before must be an RFC 3339 date-time such as 2026-05-07T09:14:02Z (encode + as %2B in a URL)"),
    ({"started_before": "2026-13-01T00:00:00Z"}, "started_before is not a valid date-time: 2026-13-01T00:00:00Z"),
])
async def test_incident_list_refuses_bad_parameters(sqlite, params, message):
    async with serving(sqlite, Clock()) as (engine, client):
        response = await client.get("/api/v1/incidents", params=params, headers=READ)
        assert (response.status_code, response.json()) == (400, {"error": message})


@pytest.mark.anyio
async def test_get_incident_errors_and_extremes(sqlite):
    async with serving(sqlite, Clock()) as (engine, client):
        for path, status, message in [
            ("/api/v1/incidents/abc", 400, "invalid incident ID"),
            ("/api/v1/incidents/-1", 400, "invalid incident ID"),
            ("/api/v1/incidents/1.5", 400, "invalid incident ID"),
            ("/api/v1/incidents/12345", 404, "incident not found"),
            ("/api/v1/incidents/" + "9" * 40, 404, "incident not found"),
            ("/api/v1/incidents?started_after=0001-01-01T00:00:00%2B01:00", 200, None),
            ("/api/v1/incidents?started_before=9999-12-31T23:59:59-01:00", 200, None),
        ]:
            response = await client.get(path, headers=READ)
            assert response.status_code == status, path
            if message:
                assert response.json() == {"error": message}


@pytest.mark.anyio
async def test_keys_read_and_write(sqlite, caplog):
    caplog.set_level(logging.DEBUG)
    async with serving(sqlite, Clock()) as (engine, client):
        unauthorized = {"error": "missing or invalid API key (send Authorization: Bearer <token>)"}
        for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": READ_TOKEN},
                        {"Authorization": f"Basic {READ_TOKEN}"}, {"Authorization": "Bearer"}):
            response = await client.get("/api/v1/incidents", headers=headers)
            assert (response.status_code, response.json()) == (401, unauthorized)
            assert response.headers["WWW-Authenticate"] == 'Bearer realm="uptime-tui"'
        assert (await client.get("/api/v1/incidents", headers={"Authorization": f"bearer {READ_TOKEN}"})).status_code == 200
        assert (await client.get("/api/v0/alerts", headers=WRITE)).status_code == 200  # write keys read too
        refused = await client.post("/api/v1/monitors/web/pause", headers=READ)
        assert (refused.status_code, refused.json()) == (403, {"error": "the API key 'status-page' lacks the write permission"})
        assert (await client.post("/api/v1/monitors/web/pause")).status_code == 401
        # Pings need no key: the token in the path is the secret.
        assert (await client.post("/ping/backup-token-12345")).status_code == 200
        assert (await client.get("/api/openapi.json")).status_code == 200
        # A request HTTP cannot parse is refused before any handler; its log line quotes no header.
        reader, writer = await asyncio.open_connection("127.0.0.1", client.base_url.port)
        writer.write(f"GET /api/v1/incidents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {READ_TOKEN}\x00\r\n\r\n".encode())
        await writer.drain()
        async with asyncio.timeout(10):
            assert b" 400 " in await reader.readline()
        writer.close()
        # Keys follow a config reload: the read key removed, it is refused at once.
        text = CONFIG.replace(f"  - {{name: status-page, token: {READ_TOKEN}, permissions: [read]}}\n", "")
        await engine.reload(config(text))
        assert (await client.get("/api/v1/incidents", headers=READ)).status_code == 401
        assert (await client.get("/api/v1/incidents", headers=WRITE)).status_code == 200
    assert READ_TOKEN not in caplog.text and WRITE_TOKEN not in caplog.text
    assert "Error handling request from 127.0.0.1 (BadHttpMessage)" in caplog.text


@pytest.mark.anyio
async def test_every_error_is_json(sqlite):
    async with serving(sqlite, Clock()) as (engine, client):
        cases = [
            ("GET", "/api/v1/nothing-here", {}, None, 404, "not found"),
            ("DELETE", "/api/v1/incidents", READ, None, 405, "method not allowed"),
            ("POST", "/api/v1/incidents/1/resolve", WRITE, b"{not json", 400, None),
            ("POST", "/api/v1/incidents/1/resolve", WRITE, b"[1, 2]", 400, "the body must be a JSON object"),
            ("POST", "/api/v1/incidents/1/resolve", WRITE, b"", 400, "a JSON object body is required"),
            ("POST", "/api/v1/incidents/1/resolve", WRITE, b'{"reason": 5}', 400, "reason must be a string"),
            ("POST", "/api/v1/incidents/1/resolve", WRITE, b'{"reason": "  "}', 400, "reason must not be empty"),
            ("POST", "/api/v1/incidents/1/resolve", WRITE, b'{"reason": "a\\u0000b"}', 400,
             "reason must not contain NUL characters"),
            ("POST", "/api/v1/incidents/1/resolve", WRITE, b'{"reason": "\\ud800"}', 400, "reason must be valid Unicode text"),
            ("POST", "/api/v1/incidents/1/resolve", WRITE, b'{"reason": "x", "whole_group": "yes"}', 400,
             "whole_group must be true or false"),
            ("POST", "/api/v1/incidents/1/snooze", WRITE, b'{"duration": NaN}', 400, None),
            ("POST", "/api/v1/incidents/1/snooze", WRITE, b'{"duration": "soon"}', 400,
             "duration must be a duration such as 30s, 5m, 1h30m or 2d, got 'soon'"),
            ("POST", "/api/v1/incidents/1/snooze", WRITE, b'{"duration": 1e400}', 400, None),
            ("POST", "/api/v1/incidents/1/snooze", WRITE, b'{"until": 5}', 400,
             "until must be an RFC 3339 date-time such as 2026-05-07T09:14:02Z"),
            ("POST", "/api/v1/incidents/1/snooze", WRITE, b"[" * 100_000, 413, None),
            ("POST", "/api/v1/incidents/1/snooze", WRITE, b"[" * 60_000, 400, None),  # deep, not a RecursionError 500
        ]
        for method, path, headers, body, status, message in cases:
            response = await client.request(method, path, headers=headers, content=body)
            assert response.status_code == status, (path, body[:40] if body else body, response.text)
            assert response.headers["Content-Type"].startswith("application/json")
            error = response.json()["error"]
            assert message is None or error == message, error
        assert (await client.post("/api/v1/incidents/1/snooze", headers=WRITE, content=b"x" * 70_000)).json() == {
            "error": "request body too large (at most 65536 bytes)"}
        async def chunks():
            yield b"{" + b" " * 40_000
            yield b" " * 40_000 + b"}"

        chunked = await client.post("/api/v1/incidents/1/snooze", headers=WRITE, content=chunks())
        assert chunked.status_code == 413  # no Content-Length: counted while read


def test_listener_binds_loopback_unless_configured():
    settings = parse_config("monitors: []\n", "x.yaml", {}).settings
    assert (settings.listen_host, settings.listen_port) == ("127.0.0.1", 8787)


@pytest.mark.anyio
async def test_openapi_document_lists_every_route(sqlite):
    async with running(sqlite, Clock()) as runtime:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{runtime.listener.port}") as client:
            document = (await client.get("/api/openapi.json")).json()
        served = set()
        for route in runtime.listener.app.router.routes():
            path = route.resource.canonical
            if route.method != "*":
                served.add((path, route.method.lower()))
        documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
        assert served == documented
        assert document["openapi"].startswith("3.0") and json.dumps(document)
