"""The console credential over real HTTP: a console on the engine's host acts as the person it
names in X-Uptime-Operator (the audit log records that person and their SSH context), reads like
a read key, and is refused without the header; API keys keep acting as themselves."""

import os
import json

import pytest

from support.api import READ, WRITE, Clock, open_incident
from support.attached import ALICE, CONSOLE_TOKEN, IDENTITY, as_console, attachable
from uptime_tui.store.models import AuditEntry, Incident


def audit_of(action: str) -> list[AuditEntry]:
    return list(AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.id))


@pytest.mark.anyio
async def test_the_console_acts_as_the_person_it_names(database):
    clock = Clock()
    async with attachable(database, clock) as (runtime, client):
        incident = await open_incident(runtime.engine, clock)
        ack = await client.post(f"/api/v1/incidents/{incident.id}/acknowledge", headers=as_console())
        assert ack.status_code == 200, ack.text
        assert ack.json()["message"] == f"incident #{incident.id} acknowledged by Alice Ops"
        [entry] = audit_of("incident.acknowledged")
        assert (entry.actor_type, entry.actor_name) == ("user", "Alice Ops")
        assert entry.actor_metadata == {"email": "alice@example.com"}
        assert entry.context == ALICE["context"]
        assert Incident.get_by_id(incident.id).acknowledged_by == "Alice Ops"

        paused = await client.post("/api/v1/monitors/api/pause", headers=as_console({"name": "Bob"}))
        assert paused.status_code == 200, paused.text
        [entry] = audit_of("monitor.paused")
        assert (entry.actor_type, entry.actor_name, entry.context) == ("user", "Bob", {})

        # An API key still acts as itself, whatever header it sends.
        resolved = await client.post(f"/api/v1/incidents/{incident.id}/resolve",
                                     headers={**WRITE, "X-Uptime-Operator": json.dumps(ALICE)},
                                     json={"reason": "fixed"})
        assert resolved.status_code == 200, resolved.text
        [entry] = audit_of("incident.resolved")
        assert (entry.actor_type, entry.actor_name) == ("api_key", "chat-bot")


@pytest.mark.anyio
async def test_the_console_reads_with_its_credential_alone(database):
    async with attachable(database, Clock()) as (runtime, client):
        listing = await client.get("/api/v1/incidents", headers=as_console(None))
        assert listing.status_code == 200, listing.text
        engine = await client.get("/api/v1/engine", headers=as_console(None))
        assert (engine.status_code, engine.json()) == (200, IDENTITY)
        assert (await client.get("/api/v1/engine", headers=READ)).json() == IDENTITY


@pytest.mark.anyio
async def test_an_operation_without_a_good_operator_header_is_refused(database):
    clock = Clock()
    async with attachable(database, clock) as (runtime, client):
        incident = await open_incident(runtime.engine, clock)
        path = f"/api/v1/incidents/{incident.id}/acknowledge"
        auth = {"Authorization": f"Bearer {CONSOLE_TOKEN}"}
        for header, reason in [
            (None, "send the X-Uptime-Operator header"),
            ("not json", "is not JSON"),
            ('["Alice"]', "must be a JSON object"),
            ('{"name": ""}', "name must be a non-empty string"),
            ('{"name": 3}', "name must be a non-empty string"),
            ('{"name": "Alice", "context": "laptop"}', "context must be a JSON object"),
            ('{"name": "Alice", "email": 5}', "email must be a string or null"),
            ('{"name": "Alice", "context": {"host": "a\\u0000b"}}', "holds a NUL character"),
        ]:
            headers = auth if header is None else {**auth, "X-Uptime-Operator": header}
            response = await client.post(path, headers=headers)
            assert response.status_code == 400, header
            assert reason in response.json()["error"], (header, response.json())
        assert audit_of("incident.acknowledged") == []
        assert Incident.get_by_id(incident.id).acknowledged_by is None


@pytest.mark.anyio
async def test_wrong_tokens_and_read_keys(database):
    clock = Clock()
    async with attachable(database, clock) as (runtime, client):
        incident = await open_incident(runtime.engine, clock)
        path = f"/api/v1/incidents/{incident.id}/acknowledge"
        for authorization in (f"Bearer {CONSOLE_TOKEN[:-1]}", f"Bearer {CONSOLE_TOKEN}x", f"Basic {CONSOLE_TOKEN}",
                              "Bearer"):
            headers = {"Authorization": authorization, "X-Uptime-Operator": json.dumps(ALICE)}
            response = await client.post(path, headers=headers)
            assert response.status_code == 401, authorization
            assert CONSOLE_TOKEN not in response.text
            assert (await client.get("/api/v1/stream", headers=headers)).status_code == 401
            assert (await client.get("/api/v1/engine", headers=headers)).status_code == 401
        refused = await client.post(path, headers={**READ, "X-Uptime-Operator": json.dumps(ALICE)})
        assert (refused.status_code, refused.json()) == (
            403, {"error": "the API key 'status-page' lacks the write permission"})
        assert audit_of("incident.acknowledged") == []


@pytest.mark.anyio
async def test_another_engines_console_token_is_refused_and_keys_see_this_engine(database):
    # The runtime makes its own credential: the test's is not it.
    from support.api import serving

    async with serving(database, Clock()) as (engine, client):
        assert (await client.get("/api/v1/engine", headers=as_console())).status_code == 401
        identity = (await client.get("/api/v1/engine", headers=READ)).json()
        assert identity["pid"] == os.getpid() and identity["kind"] == "console" and identity["epoch"] >= 1
