"""Heartbeat pings over real HTTP on 127.0.0.1, as Healthchecks takes them: by token, by ping key
and slug, `/log`, exit statuses in ASCII digits only, and input a database would refuse."""

from dataclasses import replace

import httpx
import pytest

from support.api import CONFIG, Clock, config, serving
from uptime_tui.api.listener import Listener
from uptime_tui.store import open_database
from uptime_tui.store.models import Heartbeat, HeartbeatPing

KEY = "ping-key-0123456789abcd"
TEXT = f"""
settings: {{listen: "127.0.0.1:8787", ping_key: {KEY}}}
heartbeats:
  - {{id: backup, name: Nightly backup, period: 1h, grace: 1m, token: backup-token-12345}}
  - {{id: DB.Report, period: 1h, grace: 1m}}
  - {{id: weekly, period: 7d, grace: 1h, token: weekly-token-1234, slug: weekly-job}}
  - {{id: old-job, period: 1h, grace: 1m, paused: true}}
"""


def pings_of(key: str) -> list[tuple]:
    rows = HeartbeatPing.select().join(Heartbeat).where(Heartbeat.key == key).order_by(HeartbeatPing.id)
    return [(p.kind, p.exit_status, p.body) for p in rows]


@pytest.mark.anyio
@pytest.mark.parametrize("suffix", ["¹", "²³", "①", "٣", "𝟙", "１２", "Ⅻ", "½"])
async def test_an_exit_status_is_ascii_digits_only(tmp_path, suffix):
    # str.isdigit() is true for '¹' and int() refuses it: that was a 500 with a traceback.
    database = open_database(str(tmp_path / "uptime.db"))
    async with serving(database, Clock(), CONFIG) as (_, client):
        for method in ("GET", "HEAD", "POST"):
            response = await client.request(method, f"/ping/backup-token-12345/{suffix}")
            assert response.status_code == 404
        assert response.text == "not found"
    database.close()


@pytest.mark.anyio
async def test_exit_statuses_by_token(tmp_path):
    database = open_database(str(tmp_path / "uptime.db"))
    async with serving(database, Clock(), TEXT) as (_, client):
        assert (await client.get("/ping/backup-token-12345/007")).status_code == 200
        assert (await client.get("/ping/backup-token-12345/" + "0" * 30 + "9")).status_code == 200
        for status in ("256", "0256", "9" * 5000):  # past int()'s 4,300 digits too
            response = await client.get(f"/ping/backup-token-12345/{status}")
            assert (response.status_code, response.text) == (400, "invalid url format")
        response = await client.get("/ping/backup-token-12345/finish")
        assert (response.status_code, response.text) == (404, "not found")  # as Healthchecks: no such URL
    assert pings_of("backup") == [("exit", 7, None), ("exit", 9, None)]
    database.close()


@pytest.mark.anyio
async def test_pings_by_ping_key_and_slug(database):
    async with serving(database, Clock(), TEXT) as (_, client):
        ok = [await client.get(f"/ping/{KEY}/backup"), await client.post(f"/ping/{KEY}/backup/start"),
              await client.post(f"/ping/{KEY}/backup/fail", content=b"disk full"), await client.head(f"/ping/{KEY}/backup/0"),
              await client.get(f"/ping/{KEY}/backup/3"),
              await client.get(f"/ping/{KEY}/dbreport"),  # the id slugified; its token was generated
              await client.get(f"/ping/{KEY}/weekly-job/start")]
        assert [(r.status_code, r.text) for r in ok] == [(200, "OK")] * 3 + [(200, "")] + [(200, "OK")] * 3
        refused = {
            f"/ping/{KEY}/Backup": 400,  # Healthchecks: a slug is lowercase
            f"/ping/{KEY}/backup/256": 400,
            f"/ping/{KEY}/backup/finish": 404,
            f"/ping/{KEY}/backup/¹": 404,
            f"/ping/{KEY}/nope": 404,
            f"/ping/{KEY}/nope?create=1": 404,  # no auto-provisioning: heartbeats come from the YAML
            f"/ping/{KEY}/weekly": 404,  # it has a slug of its own
            f"/ping/{KEY}/old-job": 404,  # paused
            "/ping/wrong-key-0123456789/backup": 404,
            "/ping/wrong-key-0123456789/backup/start": 404,
            "/ping/backup-token-12345/backup/start": 404,  # a token is no ping key
        }
        answers = {path: (await client.get(path)).status_code for path in refused}
        assert answers == refused
    assert pings_of("backup") == [("success", None, None), ("start", None, None), ("fail", None, "disk full"),
                                  ("exit", 0, None), ("exit", 3, None)]
    assert [kind for kind, _, _ in pings_of("DB.Report")] == ["success"]
    assert Heartbeat.get(Heartbeat.key == "backup").state["status"] == "down"  # exit 3 failed it


@pytest.mark.anyio
async def test_slugs_follow_a_reload_and_need_a_ping_key(tmp_path):
    database = open_database(str(tmp_path / "uptime.db"))
    async with serving(database, Clock(), TEXT) as (engine, client):
        assert (await client.get(f"/ping/{KEY}/weekly-job")).status_code == 200
        await engine.reload(replace(config(TEXT.replace("slug: weekly-job", "slug: weekly-report")),
                                    source="reloaded.yaml"))
        assert (await client.get(f"/ping/{KEY}/weekly-job")).status_code == 404
        assert (await client.get(f"/ping/{KEY}/weekly-report")).status_code == 200
        await engine.reload(config(TEXT.replace(f", ping_key: {KEY}", "")))
        assert (await client.get(f"/ping/{KEY}/weekly-report")).status_code == 404
        assert (await client.get("/ping/weekly-token-1234")).status_code == 200  # tokens work as ever
    database.close()


@pytest.mark.anyio
async def test_the_listener_passes_a_log_ping_with_its_body():
    received = []

    async def receive(ping):
        received.append(ping)
        return ping.token == "known-token-123"

    listener = Listener("127.0.0.1", 0, receive)
    await listener.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{listener.port}") as client:
            response = await client.post("/ping/known-token-123/log", content=b"step 3 of 7 done")
            assert (response.status_code, response.text) == (200, "OK")
            assert (await client.post("/ping/other-token-1/log")).status_code == 404
            # Without the engine's config there is no ping key: a second segment is a suffix.
            assert (await client.get(f"/ping/{KEY}/backup")).status_code == 404
    finally:
        await listener.stop()
    assert [(p.token, p.kind, p.body) for p in received] == [
        ("known-token-123", "log", "step 3 of 7 done"), ("other-token-1", "log", None)]


@pytest.mark.anyio
async def test_a_log_ping_keeps_its_body_and_changes_nothing(database):
    # Needs the engine to take kind "log" (record the ping, no state step).
    async with serving(database, Clock(), TEXT) as (engine, client):
        events = engine.subscribe()
        assert (await client.post("/ping/backup-token-12345/log", content=b"halfway")).text == "OK"
        assert (await client.post(f"/ping/{KEY}/backup/log", content=b"nearly")).text == "OK"
        assert events.empty()  # no heartbeat.checked, no up or down
        assert engine.heartbeats["backup"].state.status == "new"
    assert pings_of("backup") == [("log", None, "halfway"), ("log", None, "nearly")]


@pytest.mark.anyio
async def test_what_a_database_refuses_is_stored_replaced(database):
    # PostgreSQL refuses NUL in text; aiohttp reads header bytes that are not UTF-8 as surrogates.
    async with serving(database, Clock(), CONFIG) as (_, client):
        kuma = await client.get("/api/push/backup-token-12345", params={"status": "down", "msg": "x\x00y"})
        assert kuma.json() == {"ok": True}
        body = await client.post("/ping/backup-token-12345", content=b"a\x00b\xff",
                                 headers={"User-Agent": b"cron\xff/1.0"})
        assert body.status_code == 200
    rows = HeartbeatPing.select().order_by(HeartbeatPing.id)
    assert [(p.kind, p.body) for p in rows] == [("fail", "x\ufffdy"), ("success", "a\ufffdb\ufffd")]
    assert rows[1].user_agent.startswith("cron") and rows[1].user_agent.endswith("/1.0")
