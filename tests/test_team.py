"""An on-call team on one engine: a real `uptime-tui serve` (and a standby) on SQLite and on
PostgreSQL, two consoles (alice and bob, through Pilot) attached to it over its listener, a real
target and a real webhook receiver on 127.0.0.1. Bounded waits only; nothing is timed."""

import asyncio
import signal
import time
from datetime import datetime, timezone


import pytest

from support.network import Target, free_port
from support.notify import Receiver
from support.pilot import toasts, until
from support.processes import Serve
from uptime_tui.cli.attach import ConsoleEngine
from uptime_tui.config import load_config
from uptime_tui.queries.engine_lease import running_engine
from uptime_tui.store import open_database
from uptime_tui.store.models import CheckResult, Incident
from uptime_tui.tui.app import build_app

LEASE = 3  # seconds: the shortest lease, so a takeover comes soon after a kill
INTERVAL = 2  # seconds between checks of the one monitor


def write_config(tmp_path, target_port: int, receiver: Receiver):
    path = tmp_path / "config.yaml"
    path.write_text(f"""
settings: {{listen: "127.0.0.1:{free_port()}", lease: {LEASE}s, organization_id: org, team_id: team,
            console_token_file: "{tmp_path / 'console.token'}"}}
monitors:
  - {{id: web, name: Web, type: http, url: "http://127.0.0.1:{target_port}/", interval: {INTERVAL}s,
      timeout: {INTERVAL}s, confirmation: 1, recovery: 1, channels: [hook]}}
channels:
  - {{id: hook, webhook: {{url: "{receiver.url('/hook')}"}}, events: ["incident.*"]}}
""")
    return path


def console(config, person: str):
    """A console as `uptime-tui` builds it: it attaches to the engine holding the lease."""
    return build_app(config, operator=person, engine=ConsoleEngine(config, embed=lambda: None))


def header(app) -> str:
    return str(app.dashboard.query_one("#status-bar").render())


def incident_row(app, incident_id):
    return app.dashboard.table("incidents").get(incident_id)


@pytest.mark.anyio
async def test_two_consoles_share_one_engine_and_follow_a_takeover(database_url, tmp_path):
    target, receiver = await Target().__aenter__(), Receiver().start()
    # Down from the start: on a loaded machine a starting engine's first check can time out, and
    # against a healthy target that opens (and soon resolves) an incident of its own, whose
    # notifications then fill the channel's burst and hold back the ones this test waits for.
    target.status = 500
    config_path = write_config(tmp_path, target.port, receiver)
    config = load_config(config_path, {})
    active = Serve(config_path, database_url)
    standby = None
    database = open_database(database_url)
    try:
        active.wait_for("serving 1 monitors", 60)
        standby = Serve(config_path, database_url)
        standby.wait_for("standby: the engine is held by a serve on ", 60)
        alice, bob = console(config, "alice"), console(config, "bob")
        async with alice.run_test(size=(120, 30), notifications=True) as pa, \
                bob.run_test(size=(120, 30), notifications=True) as pb:
            for app, pilot in ((alice, pa), (bob, pb)):
                await until(pilot, lambda: f"pid {active.process.pid}" in header(app) and app.dashboard.loaded,
                            "attached to the serving engine", tries=500)

            await until(pa, lambda: Incident.select().where(Incident.active == True).exists(),  # noqa: E712
                        "the incident", tries=500)
            incident = Incident.get(Incident.active == True)  # noqa: E712
            for app, pilot in ((alice, pa), (bob, pb)):
                await until(pilot, lambda: incident_row(app, incident.id) is not None, "the incident on screen")

            table = alice.dashboard.table("incidents")
            table.focus()
            table.move_to(table.visible_rows.index(incident_row(alice, incident.id)))
            await pa.press("a")
            await until(pb, lambda: incident_row(bob, incident.id).acknowledged_by == "alice",
                        "alice's acknowledgement on bob's screen", tries=500)
            table = bob.dashboard.table("incidents")
            table.focus()
            table.move_to(table.visible_rows.index(incident_row(bob, incident.id)))
            await pb.press("a")
            await until(pb, lambda: any("already acknowledged by alice" in t for t in toasts(bob)), "bob's refusal")

            # One engine checks: stored checks are an interval apart, however many consoles watch.
            await until(pa, lambda: CheckResult.select().count() >= 3, "three checks stored", tries=1000)
            checks = [c.checked_at for c in CheckResult.select().order_by(CheckResult.checked_at)]
            assert target.requests <= len(checks) + 2  # the last may not be stored yet: results go in batches
            assert all((b - a).total_seconds() >= INTERVAL / 2 for a, b in zip(checks, checks[1:]))

            active.process.kill()  # kill -9: the standby takes over once the lease expires
            active.process.wait(10)
            standby.wait_for("took over the engine lease", LEASE + 30)
            for app, pilot in ((alice, pa), (bob, pb)):
                await until(pilot, lambda: f"pid {standby.process.pid}" in header(app),
                            "re-attached to the engine that took over", tries=1500)
            target.status = 200  # the new engine resolves the incident the first one opened
            await until(pa, lambda: incident_row(alice, incident.id).active is False, "resolved", tries=1000)

        assert Incident.select().count() == 1  # adopted by the new engine, never opened twice
        for name in ("incident.started", "incident.acknowledged", "incident.resolved"):
            # The acknowledgement may have been in flight from the killed engine: the one that
            # took over sends it once the claim on it has lapsed, which may come after the rest.
            await asyncio.to_thread(lambda: receiver_has(receiver, name))
        events = [r.json["event"] for r in receiver.on("/hook")]
        for name in ("incident.started", "incident.acknowledged", "incident.resolved"):
            assert events.count(name) == 1, events
        holder = running_engine(datetime.now(timezone.utc), LEASE)
        assert holder is not None and holder.pid == standby.process.pid
        standby.process.send_signal(signal.SIGTERM)
        assert standby.process.wait(30) == 0
    finally:
        for process in (active, standby):
            if process is not None:
                process.end()
        database.close()
        receiver.stop()
        await target.__aexit__(None, None, None)


def receiver_has(receiver: Receiver, name: str, tries: int = 300) -> None:
    for _ in range(tries):
        if any(r.json["event"] == name for r in receiver.on("/hook")):
            return
        time.sleep(0.05)
    raise AssertionError(f"the receiver never got {name}")
