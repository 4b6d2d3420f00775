"""The engine end to end with notifications: a real target goes down, a real webhook receiver on
127.0.0.1 hears the incident, its escalation and its acknowledgement, signed."""

import hashlib
import hmac

import pytest

from support.network import Target, free_port, wait_for
from support.notify import Receiver, eventually
from uptime_tui.config import parse_config
from uptime_tui.engine.service import EngineOptions
from uptime_tui.operator import Operator
from uptime_tui.runtime.assembly import Runtime, RuntimeOptions
from uptime_tui.store import open_database


def config_for(target_port: int, receiver: Receiver):
    return parse_config(f"""
settings: {{listen: "127.0.0.1:{free_port()}", organization_id: org, team_id: team}}
monitors:
  - {{id: web, name: Web, type: http, url: "http://127.0.0.1:{target_port}/", interval: 1s,
      timeout: 500ms, confirmation: 2, channels: [chat], policy: on-call}}
channels:
  - {{id: chat, webhook: {{url: "{receiver.url('/chat')}", secret: test-secret}}, events: ["incident.*"],
      min_interval: 0s}}
  - {{id: pager, webhook: {{url: "{receiver.url('/pager')}"}}, events: ["incident.escalated"], min_interval: 0s}}
policies:
  - id: on-call
    steps: [{{wait: 0s, channels: [pager]}}]
""", "notify.yaml", {})


@pytest.mark.anyio
async def test_a_down_target_notifies_its_channels_and_its_policy(tmp_path):
    receiver = Receiver().start()
    try:
        async with Target() as target:
            runtime = Runtime(config_for(target.port, receiver), open_database(str(tmp_path / "n.db")),
                              RuntimeOptions(engine=EngineOptions(escalation_tick=0.2)))
            engine = runtime.engine
            events = engine.subscribe()
            await runtime.start()
            try:
                target.status = 503
                started = await wait_for(events, "incident.started")
                await wait_for(events, "incident.escalated")
                await engine.acknowledge(started["incident_id"], Operator.person("alice"))
                assert await eventually(lambda: len(receiver.on("/chat")) >= 3)
                assert await eventually(lambda: len(receiver.on("/pager")) >= 1)
            finally:
                await runtime.stop()
    finally:
        receiver.stop()

    chat = {r.json["event"] for r in receiver.on("/chat")}  # a channel may send concurrently
    assert {"incident.started", "incident.escalated", "incident.acknowledged"} <= chat
    assert receiver.on("/pager")[0].json["escalation_targets"] == [{"type": "channel", "id": "pager", "name": "pager"}]
    first = next(r for r in receiver.on("/chat") if r.json["event"] == "incident.started")
    timestamp, signature = (part.split("=", 1)[1] for part in first.headers["X-Uptime-Signature"].split(","))
    expected = hmac.new(b"test-secret", f"{timestamp}.".encode() + first.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    assert first.headers["Idempotency-Key"].startswith("evt_")
