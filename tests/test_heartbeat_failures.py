"""What a failing job tells: its output reaches the incident's cause and evidence, and changes
made by pings are logged like every other change. A real listener on 127.0.0.1."""

import logging

import pytest

from support.api import READ, Clock, serving
from uptime_tui.store import open_database
from uptime_tui.store.models import Incident, IncidentEvidence

pytestmark = pytest.mark.anyio

OUTPUT = "pg_dump: error: connection to server failed\nDETAIL: is the server running on host db1?\n"


async def test_a_failing_jobs_output_is_the_incidents_cause_and_evidence(tmp_path, caplog):
    database, clock = open_database(str(tmp_path / "uptime.db")), Clock()
    async with serving(database, clock) as (engine, client):
        with caplog.at_level(logging.INFO, logger="uptime_tui.engine.service"):
            answer = await client.post("/ping/backup-token-12345/fail", content=OUTPUT)
        assert answer.status_code == 200
        incident = Incident.get(Incident.resource_key == "backup")
        assert incident.cause == "pg_dump: error: connection to server failed"
        [evidence] = IncidentEvidence.select().where(IncidentEvidence.incident == incident.id)
        assert evidence.cause == OUTPUT
        shown = (await client.get(f"/api/v1/incidents/{incident.id}", headers=READ)).json()["incident"]
        assert shown["cause"] == incident.cause and shown["evidence"][0]["cause"] == OUTPUT
        logged = [r.getMessage() for r in caplog.records]
        assert any(line.startswith("heartbeat.down:") for line in logged)
        assert any(line.startswith("incident.started:") and "pg_dump" in line for line in logged)

        with caplog.at_level(logging.INFO, logger="uptime_tui.engine.service"):
            assert (await client.get("/ping/backup-token-12345")).status_code == 200
        assert any(r.getMessage().startswith("incident.resolved:") for r in caplog.records)
    database.close()


async def test_an_exit_status_names_itself_and_the_first_line(tmp_path):
    database, clock = open_database(str(tmp_path / "uptime.db")), Clock()
    async with serving(database, clock) as (engine, client):
        await client.post("/ping/backup-token-12345/3", content="\n\n  rsync: connection unexpectedly closed  \n")
        assert Incident.get().cause == "exit status 3: rsync: connection unexpectedly closed"
    database.close()


async def test_a_fail_without_output_keeps_the_plain_cause(tmp_path):
    database, clock = open_database(str(tmp_path / "uptime.db")), Clock()
    async with serving(database, clock) as (engine, client):
        await client.get("/ping/backup-token-12345/fail")
        incident = Incident.get()
        assert incident.cause == "the job reported a failure"
        assert IncidentEvidence.select().where(IncidentEvidence.incident == incident.id).count() == 0
    database.close()


def test_long_output_keeps_its_end_and_a_long_first_line_is_cut():
    from datetime import datetime, timezone

    from uptime_tui.config import parse_config
    from uptime_tui.rules import heartbeat_machine as hb

    job = parse_config("heartbeats: [{id: j, period: 1h, token: j-token-1234567}]", "c.yaml", {}).heartbeats[0]
    now = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    output = "x" * 300 + "\n" + "y" * 5000 + "\nERROR: the real reason\n"
    step = hb.ping(job, hb.HeartbeatState.new(now), "fail", now, output=output, region="eu")
    [opened] = [a for a in step.actions if type(a).__name__ == "OpenIncident"]
    assert len(opened.cause) == hb.CAUSE_CHARS and opened.cause.endswith("…")
    [evidence] = opened.evidence
    assert evidence.region == "eu" and len(evidence.cause) == hb.OUTPUT_CHARS
    assert evidence.cause.endswith("ERROR: the real reason\n")
