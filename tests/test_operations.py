"""Incident operations, escalation and grouping through the engine facade: a real database file
(and PostgreSQL when reachable), a fake clock, check results fed in as the probes would."""

import asyncio
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

import pytest

from uptime_tui.config import parse_config
from uptime_tui.engine.pings import Ping
from uptime_tui.engine.service import EngineOptions
from uptime_tui.operator import OperationRefused, Operator
from uptime_tui.runtime.assembly import Runtime, RuntimeOptions
from uptime_tui.store import open_database
from uptime_tui.store.models import AuditEntry, Event, Incident, Monitor

from support.api import Clock, feed, open_incident

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
ALICE, BOB = Operator("user", "alice", {"host": "jump-1"}), Operator("user", "bob", {"host": "jump-2"})

CONFIG = """
settings: {listen: "127.0.0.1:9", organization_id: org, team_id: team, group_window: 2m}
monitors:
  - {id: web, name: Web, type: http, url: "http://127.0.0.1:9/", interval: 1h, confirmation: 2,
     recovery: 2, degraded_after: 1s, policy: on-call}
  - {id: api, name: API, type: http, url: "http://127.0.0.1:9/api", interval: 1h, group: edge, policy: on-call}
  - {id: cdn, name: CDN, type: http, url: "http://127.0.0.1:9/cdn", interval: 1h, group: edge, policy: on-call}
  - {id: dns, name: DNS, type: http, url: "http://127.0.0.1:9/dns", interval: 1h, group: edge, policy: on-call}
  - {id: solo, name: Solo, type: http, url: "http://127.0.0.1:9/solo", interval: 1h}
heartbeats:
  - {id: job, name: Job, period: 1h, grace: 1m, token: job-token-12345}
channels:
  - {id: chat, webhook: {url: "http://127.0.0.1:9/hook"}}
  - {id: pager, webhook: {url: "http://127.0.0.1:9/page"}}
policies:
  - id: on-call
    steps:
      - {wait: 0s, channels: [chat]}
      - {wait: 15m, channels: [chat, pager]}
    repeat: 1
    repeat_delay: 30m
"""


@asynccontextmanager
async def engine_on(database, clock, text=CONFIG):
    runtime = Runtime(parse_config(text, "ops.yaml", {}), database, clock=clock, options=RuntimeOptions(
        probes=False, engine=EngineOptions(escalation_tick=3600)))
    queue = runtime.engine.subscribe()
    await runtime.start()
    try:
        yield runtime.engine, queue
    finally:
        await runtime.stop()


def drain(queue) -> list[dict]:
    out = []
    while not queue.empty():
        out.append(queue.get_nowait())
    return out


def audit_actions(action=None):
    query = AuditEntry.select().order_by(AuditEntry.id)
    return [(e.actor_type, e.actor_name, e.action) for e in query if action is None or e.action == action]


@pytest.mark.anyio
async def test_acknowledge_records_once_and_refuses_a_second(database):
    clock = Clock()
    async with engine_on(database, clock) as (engine, queue):
        incident = await open_incident(engine, clock)
        drain(queue)
        outcome = await engine.acknowledge(incident.id, ALICE)
        assert outcome.incident_ids == (incident.id,) and "alice" in outcome.message
        [payload] = [p for p in drain(queue) if p["event"] == "incident.acknowledged"]
        assert payload["user_name"] == "alice" and payload["integration_name"] is None
        row = Incident.get_by_id(incident.id)
        assert (row.acknowledged_by, row.acknowledged_at) == ("alice", clock.now)

        with pytest.raises(OperationRefused) as refused:
            await engine.acknowledge(incident.id, BOB)
        assert refused.value.kind == "conflict"
        assert refused.value.message == (f"incident #{incident.id} was already acknowledged by alice "
                                         f"at {clock.now.strftime('%Y-%m-%dT%H:%M:%SZ')}")
        assert Event.select().where(Event.name == "incident.acknowledged").count() == 1
        assert audit_actions("incident.acknowledged") == [("user", "alice", "incident.acknowledged")]
        entry = AuditEntry.get(AuditEntry.action == "incident.acknowledged")
        assert entry.context == {"host": "jump-1"}
        assert {t["type"] for t in entry.targets} == {"incident", "monitor"}

        with pytest.raises(OperationRefused) as missing:
            await engine.acknowledge(99999, ALICE)
        assert missing.value.kind == "not_found"


@pytest.mark.anyio
async def test_two_consoles_acknowledging_at_once_first_wins(database):
    # Consoles share the one engine that holds the database's lease (a second engine on the same
    # database is refused: test_lease.py), so both acknowledgements reach it at once.
    clock = Clock()
    async with engine_on(database, clock) as (engine, _):
        incident = await open_incident(engine, clock)
        results = await asyncio.gather(engine.acknowledge(incident.id, ALICE), engine.acknowledge(incident.id, BOB),
                                       return_exceptions=True)
        refused = [r for r in results if isinstance(r, OperationRefused)]
        assert len(refused) == 1 and "already acknowledged by" in refused[0].message
        winner = Incident.get_by_id(incident.id).acknowledged_by
        assert winner in ("alice", "bob") and winner not in refused[0].message.split(" by ")[0]
        assert Event.select().where(Event.name == "incident.acknowledged").count() == 1
        assert len(audit_actions("incident.acknowledged")) == 1


@pytest.mark.anyio
async def test_resolve_needs_a_reason_and_holds_back_the_failing_monitor(database):
    clock = Clock()
    async with engine_on(database, clock) as (engine, queue):
        incident = await open_incident(engine, clock)
        with pytest.raises(OperationRefused) as refused:
            await engine.resolve(incident.id, ALICE, "  ")
        assert refused.value.kind == "invalid" and Incident.get_by_id(incident.id).active

        await engine.resolve(incident.id, ALICE, "known outage, vendor ticket 42")
        row = Incident.get_by_id(incident.id)
        assert (row.active, row.status, row.resolved_by, row.resolution_reason) == (
            False, "ok", "alice", "known outage, vendor ticket 42")
        resolved = [p for p in drain(queue) if p["event"] == "incident.resolved"]
        assert resolved[-1]["user_name"] == "alice" and "vendor ticket 42" in resolved[-1]["message"]

        await feed(engine, clock, "web", success=False, times=3)  # still down: no new incident
        assert Incident.select().where(Incident.resource_key == "web").count() == 1
        await feed(engine, clock, "web", success=True, times=2)  # up again, then down: a new one
        await feed(engine, clock, "web", success=False, times=2)
        assert Incident.select().where(Incident.resource_key == "web", Incident.active == True).count() == 1  # noqa: E712

        with pytest.raises(OperationRefused) as again:
            await engine.resolve(incident.id, BOB, "dup")
        assert again.value.kind == "conflict" and "already resolved by alice" in again.value.message


@pytest.mark.anyio
async def test_reopen_is_adopted_while_failing_and_destroy_keeps_the_audit(database):
    clock = Clock()
    async with engine_on(database, clock) as (engine, queue):
        incident = await open_incident(engine, clock)
        await engine.acknowledge(incident.id, ALICE)
        await engine.resolve(incident.id, ALICE, "thought it was fixed")
        await engine.reopen(incident.id, BOB, "still failing")
        row = Incident.get_by_id(incident.id)
        assert (row.active, row.status, row.acknowledged_by, row.resolved_at) == (True, "critical", None, None)
        assert engine.monitors["web"].state.incident.id == incident.id
        with pytest.raises(OperationRefused):
            await engine.reopen(incident.id, BOB)

        await feed(engine, clock, "web", success=True, times=2)  # the machine resolves what it adopted
        assert not Incident.get_by_id(incident.id).active

        await engine.destroy(incident.id, ALICE)
        assert Incident.get_or_none(Incident.id == incident.id) is None
        destroyed = Event.get(Event.name == "incident.destroyed")
        assert destroyed.incident_id is None and destroyed.payload["incident_id"] == incident.id
        assert [a for _, _, a in audit_actions() if a.startswith("incident.")] == [
            "incident.started", "incident.acknowledged", "incident.resolved", "incident.reopened",
            "incident.resolved", "incident.destroyed"]
        assert audit_actions("incident.started")[0][0] == "alert"
        assert audit_actions("incident.resolved")[1][0] == "system"


@pytest.mark.anyio
async def test_snooze_quiets_escalation_then_notifies_again(database):
    clock = Clock()
    async with engine_on(database, clock) as (engine, queue):
        incident = await open_incident(engine, clock)
        [first] = await engine.escalate()
        assert [t["id"] for t in first["escalation_targets"]] == ["chat"]
        await engine.snooze(incident.id, ALICE, duration=timedelta(hours=1))
        row = Incident.get_by_id(incident.id)
        assert row.snoozed_until == clock.now + timedelta(hours=1) and row.snoozed_by == "alice"
        snoozed = Event.get(Event.name == "incident.snoozed").payload
        assert snoozed["snooze"]["cancel_on_incident_updates"] is True

        clock.advance(minutes=30)  # step 2 would be due, but the incident is snoozed
        assert await engine.escalate() == []
        clock.advance(minutes=31)
        ended = await engine.escalate()
        assert [p["event"] for p in ended] == ["incident.unsnoozed", "incident.escalated"]
        assert [t["id"] for t in ended[1]["escalation_targets"]] == ["chat"]  # the last step, again
        assert Incident.get_by_id(incident.id).snoozed_until is None
        clock.advance(minutes=15)
        [step2] = await engine.escalate()
        assert [t["id"] for t in step2["escalation_targets"]] == ["chat", "pager"]

        with pytest.raises(OperationRefused):
            await engine.snooze(incident.id, ALICE, duration=timedelta(seconds=-5))
        with pytest.raises(OperationRefused):
            await engine.unsnooze(incident.id, ALICE)
        await engine.snooze(incident.id, ALICE, until=clock.now + timedelta(hours=2))
        await engine.unsnooze(incident.id, BOB)
        assert Incident.get_by_id(incident.id).snoozed_until is None


@pytest.mark.anyio
async def test_snooze_is_cancelled_when_severity_rises_unless_asked_not_to(database):
    clock = Clock()
    async with engine_on(database, clock) as (engine, queue):
        await feed(engine, clock, "web", success=True, degraded=True)  # slow: a warning incident
        incident = Incident.get(Incident.resource_key == "web")
        assert incident.severity == "warning"
        await engine.snooze(incident.id, ALICE, duration=timedelta(hours=4))
        await feed(engine, clock, "web", success=False, times=2)  # down: severity rises
        row = Incident.get_by_id(incident.id)
        assert row.severity == "critical" and row.snoozed_until is None
        cancelled = Event.get(Event.name == "incident.unsnoozed").payload
        assert "severity rose to critical" in cancelled["message"]

        other = await open_incident(engine, clock, "solo")
        await engine.snooze(other.id, ALICE, duration=timedelta(hours=4), cancel_on_updates=False)
        await feed(engine, clock, "solo", success=True, times=2)
        await feed(engine, clock, "solo", success=False, times=2)  # reopened, snooze kept
        row = Incident.get_by_id(other.id)
        assert row.active and row.snoozed_until is not None


@pytest.mark.anyio
async def test_escalation_walks_the_steps_repeats_stops_and_survives_a_restart(database):
    clock = Clock()
    async with engine_on(database, clock) as (engine, _):
        incident = await open_incident(engine, clock)
        assert len(await engine.escalate()) == 1  # step 1 at once
        assert await engine.escalate() == []
        clock.advance(minutes=14)
        assert await engine.escalate() == []
        clock.advance(minutes=1)
        assert len(await engine.escalate()) == 1  # step 2
    row = Incident.get_by_id(incident.id)
    assert (row.escalation_level, row.escalation_policy) == (2, "on-call")

    async with engine_on(database, clock) as (engine, _):  # a restart keeps the level
        clock.advance(minutes=30)
        [repeat] = await engine.escalate()
        assert "repeat 1 of 1" in repeat["message"]
        clock.advance(minutes=15)
        assert len(await engine.escalate()) == 1
        clock.advance(hours=5)
        assert await engine.escalate() == []  # every step and repeat spent
        assert Incident.get_by_id(incident.id).escalation_level == 4
        workflow = AuditEntry.select().where(AuditEntry.action == "incident.escalated")
        assert {(e.actor_type, e.actor_id) for e in workflow} == {("workflow", "on-call")}

        other = await open_incident(engine, clock, "solo")  # no policy: never escalates
        await engine.acknowledge(incident.id, ALICE)
        clock.advance(hours=1)
        assert await engine.escalate() == []
        assert Incident.get_by_id(other.id).escalation_level == 0


@pytest.mark.anyio
async def test_acknowledging_stops_escalation(database):
    clock = Clock()
    async with engine_on(database, clock) as (engine, _):
        incident = await open_incident(engine, clock)
        await engine.escalate()
        await engine.acknowledge(incident.id, ALICE)
        clock.advance(hours=2)
        assert await engine.escalate() == []


@pytest.mark.anyio
async def test_group_incidents_escalate_once_and_are_handled_together(database):
    clock = Clock()
    async with engine_on(database, clock) as (engine, queue):
        first = await open_incident(engine, clock, "api")
        second = await open_incident(engine, clock, "cdn")
        escalated = await engine.escalate()
        assert len(escalated) == 1 and "2 open incidents" in escalated[0]["message"]
        third = await open_incident(engine, clock, "dns")  # joins after the first step
        grouped = [p for p in drain(queue) if p["event"] == "incident.grouped"]
        assert [p["incident_id"] for p in grouped] == [first.id, second.id, third.id]
        assert {p["incident_group_id"] for p in grouped} == {first.id}
        levels = {i.escalation_level for i in Incident.select().where(Incident.group_id == first.id)}
        assert levels == {1}  # the late member is at the group's level, not 0
        assert await engine.escalate() == []  # and the group does not repeat its first step for it

        outcome = await engine.acknowledge(second.id, ALICE, whole_group=True)
        assert set(outcome.incident_ids) == {first.id, second.id, third.id}
        assert len(audit_actions("incident.acknowledged")) == 3
        await engine.resolve(first.id, BOB, "edge provider fixed it", whole_group=True)
        assert Incident.select().where(Incident.group_id == first.id, Incident.active == True).count() == 0  # noqa: E712

        clock.advance(minutes=10)  # outside the window: a new, ungrouped incident
        await feed(engine, clock, "api", success=True, times=2)
        late = await open_incident(engine, clock, "api")
        assert late.group_id is None


@pytest.mark.anyio
async def test_pause_survives_restart_and_reload_and_stops_pings(database):
    clock = Clock()
    async with engine_on(database, clock) as (engine, queue):
        outcome = await engine.pause("monitor", "web", ALICE)
        assert "paused by alice" in outcome.message
        with pytest.raises(OperationRefused) as again:
            await engine.pause("monitor", "web", ALICE)
        assert again.value.kind == "conflict"
        heartbeat_id = engine.heartbeats["job"].resource.row_id
        await engine.pause("heartbeat", heartbeat_id, BOB)
        assert not await engine.receive_ping(Ping("job-token-12345", "success"))
        await engine.reload(parse_config(CONFIG.replace("name: Solo", "name: Solo!"), "ops.yaml", {}))
        assert engine.monitors["web"].paused
        assert [p["event"] for p in drain(queue) if p["event"].endswith("paused")] == [
            "monitor.paused", "heartbeat.paused"]
        with pytest.raises(OperationRefused) as missing:
            await engine.pause("monitor", "nope", ALICE)
        assert missing.value.kind == "not_found"

    async with engine_on(database, clock) as (engine, _):
        assert engine.monitors["web"].paused and engine.heartbeats["job"].paused
        await engine.unpause("monitor", engine.monitors["web"].resource.row_id, ALICE)
        await engine.unpause("heartbeat", "job", ALICE)
        assert not Monitor.get(Monitor.key == "web").paused
        assert await engine.receive_ping(Ping("job-token-12345", "success"))
    assert [a for _, _, a in audit_actions() if "paused" in a] == [
        "monitor.paused", "heartbeat.paused", "monitor.unpaused", "heartbeat.unpaused"]


@pytest.mark.anyio
async def test_a_mass_outage_of_one_group_escalates_once_per_step(tmp_path):
    # 300 monitors keep the suite quick; bench/outage.py runs the 2,800.
    clock, size = Clock(), 300
    monitors = "\n".join(
        f'  - {{id: m{i}, name: M{i}, type: tcp, host: 127.0.0.1, port: 9, interval: 1h, confirmation: 1, '
        f'group: region-a, policy: on-call}}' for i in range(size))
    head, _, rest = CONFIG.partition("monitors:")
    text = head + "monitors:\n" + monitors + "\nchannels:" + rest.partition("\nchannels:")[2]
    database = open_database(str(tmp_path / "mass.db"))
    async with engine_on(database, clock, text) as (engine, queue):
        await asyncio.gather(*(feed(engine, clock, f"m{i}", success=False) for i in range(size)))
        assert Incident.select().where(Incident.active == True).count() == size  # noqa: E712
        assert Incident.select(Incident.group_id).distinct().count() == 1
        escalated = await engine.escalate()
        assert len(escalated) == 1 and f"{size} open incidents" in escalated[0]["message"]
        outcome = await engine.acknowledge(escalated[0]["incident_id"], ALICE, whole_group=True)
        assert len(outcome.incident_ids) == size
        clock.advance(hours=2)
        assert await engine.escalate() == []


def test_a_policy_with_a_reminder_repeats_its_last_step_until_acknowledged():
    from uptime_tui.config import EscalationStep, Policy
    from uptime_tui.rules.escalation_policy import Progress, due

    policy = Policy("p", (EscalationStep(0, ("chat",)), EscalationStep(600, ("pager",))), reminder=1800)
    spent = Progress(T0, level=2, escalated_at=T0 + timedelta(minutes=10))
    assert due(policy, spent, T0 + timedelta(minutes=39)) is None
    reminder = due(policy, spent, T0 + timedelta(minutes=40))
    assert (reminder.level, reminder.channels) == (2, ("pager",)) and "reminder" in reminder.reason
    assert due(policy, Progress(T0, 2, T0, acknowledged=True), T0 + timedelta(hours=5)) is None
    assert due(Policy("q", policy.steps), spent, T0 + timedelta(hours=5)) is None  # no reminder set


@pytest.mark.anyio
async def test_the_engine_rolls_up_old_results_in_the_background(database):
    from uptime_tui.store.models import CheckResult as ResultRow, CheckRollup

    clock = Clock()
    async with engine_on(database, clock) as (engine, _):
        pass  # the first start creates the monitor rows
    web = Monitor.get(Monitor.key == "web")
    old = T0 - timedelta(days=10)
    ResultRow.insert_many([{"monitor": web.id, "checked_at": old + timedelta(minutes=i), "success": i % 2 == 0,
                            "response_time": 0.1, "region": "local"} for i in range(4)]).execute()
    async with engine_on(database, clock) as (engine, _):
        async with asyncio.timeout(15):
            while not CheckRollup.select().count():
                await asyncio.sleep(0.05)
    rollup = CheckRollup.get()
    assert (rollup.checks, rollup.failures) == (4, 2) and ResultRow.select().count() == 0


@pytest.mark.anyio
async def test_an_incident_the_engine_reopens_starts_its_escalation_and_acknowledgement_over(database):
    clock = Clock()
    async with engine_on(database, clock) as (engine, _):
        incident = await open_incident(engine, clock)
        await engine.escalate()
        clock.advance(minutes=15)
        await engine.escalate()
        await engine.acknowledge(incident.id, ALICE)
        assert Incident.get_by_id(incident.id).escalation_level == 2
        await feed(engine, clock, "web", success=True, times=2)  # resolved by the engine
        await feed(engine, clock, "web", success=False, times=2)  # back within the reopen window
        row = Incident.get_by_id(incident.id)
        assert row.active and (row.escalation_level, row.escalated_at, row.acknowledged_by) == (0, None, None)
        [step] = await engine.escalate()  # step 1 again, not step 3
        assert "step 1 of 2" in step["message"]


@pytest.mark.anyio
async def test_a_monitor_has_one_identity_in_the_audit_log_and_filters_take_either_form(database):
    from uptime_tui import audit
    from uptime_tui.queries import audit as audit_log
    from uptime_tui.store import auditlog

    clock = Clock()
    async with engine_on(database, clock) as (engine, _):
        incident = await open_incident(engine, clock)
        await engine.acknowledge(incident.id, ALICE)
        row_id = engine.monitors["web"].resource.row_id
    started, acked, created = (AuditEntry.get(AuditEntry.action == a) for a in (
        "incident.started", "incident.acknowledged", "monitor.created"))
    assert created.targets == [{"type": "monitor", "id": "web", "name": "Web"}]
    assert {"type": "monitor", "id": "web", "name": "Web"} in started.targets
    assert {"type": "monitor", "id": "web", "name": "Web"} in acked.targets
    auditlog.append(audit.SYSTEM, "incident.escalated",  # as an older version named the monitor
                    [audit.Target("monitor", str(row_id), "Web")], "escalated", {}, clock.now)
    wanted = {"incident.started", "incident.acknowledged", "incident.escalated"}
    for form in ("monitor:web", f"monitor:{row_id}"):
        found = {e["action"] for e in audit_log.iter_entries(audit.Filter(target=form))}
        assert wanted <= found, form
