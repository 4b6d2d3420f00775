"""End to end: the real console, engine and probes against a real local target. The target
goes down, the incident appears, `a` acknowledges it, `r` resolves it with a reason, and the
audit log screen shows both under the operator's name."""

import pytest

from uptime_tui.config import parse_config
from uptime_tui.runtime.assembly import Runtime
from uptime_tui.runtime.engine_thread import EngineThread
from uptime_tui.store import open_database
from uptime_tui.store.models import AuditEntry, Incident
from uptime_tui.tui.app import build_app
from uptime_tui.tui.dialogs.resolve import ResolveDialog
from uptime_tui.tui.screens.audit import AuditScreen

from support.pilot import lines, until
from support.network import Target


@pytest.mark.anyio
async def test_target_down_incident_acknowledged_resolved_and_audited(tmp_path):
    async with Target() as target:
        config = parse_config(f"""
settings: {{listen: "127.0.0.1:9", region: e2e}}
monitors:
  - {{id: shop, name: Shop, type: http, url: "http://127.0.0.1:{target.port}/", interval: 1s, timeout: 1s,
     confirmation: 1, recovery: 1}}
""", "e2e.yaml", {})
        database = open_database(str(tmp_path / "uptime.db"))
        engine = EngineThread(lambda: Runtime(config, database))
        app = build_app(config, operator="alice", engine=engine)
        try:
            async with app.run_test(size=(100, 30), notifications=True) as pilot:
                monitors = app.dashboard.table("monitors")
                await until(pilot, lambda: any("● up" in line and "Shop" in line for line in lines(monitors)),
                            "the monitor to come up", tries=300)
                target.status = 503
                incidents = app.dashboard.table("incidents")
                await until(pilot, lambda: any("Shop" in line and "★ new" in line for line in lines(incidents)),
                            "the incident row", tries=300)
                assert any("✖ down" in line for line in lines(monitors))
                await pilot.press("tab")
                assert app.focused is incidents
                await pilot.press("a")
                await until(pilot, lambda: any("✓ ack alice" in line for line in lines(incidents)), "the acknowledgement")
                await pilot.press("r")
                await until(pilot, lambda: isinstance(app.screen, ResolveDialog))
                await pilot.press(*"fixed", "enter")
                await until(pilot, lambda: any("✔ resolved" in line for line in lines(incidents)), "the resolution")
                incident = Incident.get()
                assert (incident.acknowledged_by, incident.resolved_by, incident.resolution_reason) == ("alice", "alice", "fixed")
                await pilot.press("L")
                await until(pilot, lambda: isinstance(app.screen, AuditScreen) and app.screen.table.rows)
                shown = lines(app.screen.table)
                assert any("alice (user)" in line and "incident.acknowledged" in line for line in shown)
                assert any("alice (user)" in line and "incident.resolved" in line for line in shown)
                assert {e.actor_name for e in AuditEntry.select().where(AuditEntry.action.in_(
                    ["incident.acknowledged", "incident.resolved"]))} == {"alice"}
                await pilot.press("escape", "q")
        finally:
            database.close()
