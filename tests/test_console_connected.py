"""The console started with `--connect URL --key KEY` (tui/reads.py HttpReads): no config, no
database of its own; its panes, detail screens and audit log read the listener's API. Through
Pilot, against a real runtime and listener on 127.0.0.1; the console's local reads are made to
fail, so whatever the panes show came over HTTP."""

import asyncio
from dataclasses import replace

import pytest

from support.api import READ_TOKEN, Clock, config, open_incident
from support.pilot import toasts, until
from uptime_tui.api.listener import Listener
from uptime_tui.audit import Filter
from uptime_tui.engine.service import EngineOptions
from uptime_tui.runtime.assembly import Runtime, RuntimeOptions
from uptime_tui.cli import main
from uptime_tui.tui.app import UptimeApp, build_app
from uptime_tui.tui.attached import AttachedEngine, EngineAddress
from uptime_tui.tui.failed_reads import FailedReads
from uptime_tui.tui.reads import HttpReads, RemoteReadFailed, filter_params
from uptime_tui.tui.screens.audit import AuditScreen
from uptime_tui.tui.screens.heartbeat import HeartbeatScreen
from uptime_tui.tui.screens.incident import IncidentScreen
from uptime_tui.tui.screens.monitor import MonitorScreen


def runtime_on(database, clock, port: int = 0) -> Runtime:
    """An engine (no probes) with its listener on 127.0.0.1:`port` (0: any free port)."""
    parsed = config()
    return Runtime(replace(parsed, settings=replace(parsed.settings, listen_port=port)), database, clock=clock,
                   listener=Listener, options=RuntimeOptions(probes=False, engine=EngineOptions(escalation_tick=3600)))


@pytest.fixture
def no_local_reads(monkeypatch):
    """The console has no database: a local read would be a bug."""
    def refuse(*args):
        raise AssertionError("a --connect console read the database")

    monkeypatch.setattr("uptime_tui.tui.reads.read", refuse)


@pytest.mark.anyio
async def test_the_panes_and_an_incident_load_over_http_and_a_failed_read_is_retried(database, no_local_reads):
    clock = Clock()
    runtime = runtime_on(database, clock)
    await runtime.start()
    port = runtime.listener.port
    url = f"http://127.0.0.1:{port}"
    address = EngineAddress(url, READ_TOKEN, console=False)
    app = build_app(None, operator="api key", engine=AttachedEngine(address), clock=clock,
                    reads=HttpReads(url, READ_TOKEN, timeout=2.0))
    app.failed_reads = FailedReads(first=0.05, longest=0.2)
    try:
        async with app.run_test(size=(120, 30), notifications=True) as pilot:
            dashboard = app.dashboard
            monitors, incidents = dashboard.table("monitors"), dashboard.table("incidents")
            await until(pilot, lambda: dashboard.loaded and monitors.rows, "the panes loaded over HTTP")
            assert {m.name for m in monitors.rows} == {"Web", "API", "CDN"}
            heartbeat = dashboard.table("heartbeats").rows[0]
            assert heartbeat.name == "Nightly backup" and heartbeat.next_expected is not None  # the engine's config
            assert app.sub_title == "- · api key"

            incident = await open_incident(runtime.engine, clock)  # learnt from the stream, then read
            await until(pilot, lambda: incidents.get(incident.id) is not None, "the incident row")
            events = dashboard.table("events")
            await until(pilot, lambda: any(not str(e.key).startswith("live:") for e in events.rows),
                        "the events pane read over HTTP")

            incidents.focus()
            incidents.move_to(incidents.visible_rows.index(incidents.get(incident.id)))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, IncidentScreen), "the incident's screen")
            assert app.screen.detail.incident.id == incident.id and app.screen.detail.timeline
            await pilot.press("escape")
            for name, screen in (("monitors", MonitorScreen), ("heartbeats", HeartbeatScreen)):
                dashboard.table(name).focus()
                await pilot.press("enter")
                await until(pilot, lambda: isinstance(app.screen, screen) and app.screen.detail, f"a {name[:-1]}'s screen")
                await pilot.press("escape")
            await pilot.press("L")
            await until(pilot, lambda: isinstance(app.screen, AuditScreen) and app.screen.table.rows, "the audit log")
            await pilot.press("escape")

            await runtime.stop()  # the listener goes away: reads fail, are told, and are tried again
            dashboard.reload()
            failed = lambda: [t for t in toasts(app) if t.startswith("Could not load monitors")]  # noqa: E731
            await until(pilot, lambda: len(failed()) >= 2, "the failed read, told and tried again")
            assert f"cannot reach {url} (GET /api/v1/console/monitors)" in failed()[0]
            assert app.is_running and monitors.rows  # the rows last read stay

            runtime = runtime_on(database, clock, port)  # back on the same address: the panes load again
            await runtime.start()
            dashboard.loaded = False
            await until(pilot, lambda: dashboard.loaded and incidents.get(incident.id) is not None,
                        "the panes read again once the listener is back", tries=400)
    finally:
        await runtime.stop()


@pytest.mark.anyio
async def test_connect_gives_the_console_the_http_reads_and_no_config(database, monkeypatch):
    clock = Clock()
    runtime = runtime_on(database, clock)
    await runtime.start()
    started = []
    monkeypatch.setattr(UptimeApp, "run", lambda app: started.append(app))
    monkeypatch.setattr("uptime_tui.cli._log_to_file", lambda verbose: None)  # the test's logging stays as it is
    try:
        url = f"http://127.0.0.1:{runtime.listener.port}"
        assert await asyncio.to_thread(main, ["--connect", url + "/", "--key", READ_TOKEN]) == 0
        (app,) = started
        assert app.config is None and isinstance(app.reads, HttpReads) and app.reads.url == url
        assert {m.name for m in await asyncio.to_thread(app.reads.monitor_rows, None, clock.now)} == {"Web", "API", "CDN"}
        app.reads.close()
    finally:
        await runtime.stop()


@pytest.mark.anyio
async def test_the_audit_log_and_a_missing_detail_read_over_http(database):
    clock = Clock()
    runtime = runtime_on(database, clock)
    await runtime.start()
    try:
        url = f"http://127.0.0.1:{runtime.listener.port}"
        incident = await open_incident(runtime.engine, clock)
        reads = HttpReads(url, READ_TOKEN)
        try:
            page = await asyncio.to_thread(reads.audit_page, Filter(), 200, None)
            assert page.entries and all("action" in e for e in page.entries)
            assert await asyncio.to_thread(reads.incident_detail, 987654) is None  # 404: it is gone
            assert (await asyncio.to_thread(reads.incident_detail, incident.id)).incident.id == incident.id
            with pytest.raises(RemoteReadFailed, match=r"GET /api/v1/console/monitors answered HTTP 401"):
                await asyncio.to_thread(HttpReads(url, "not-a-key").monitor_rows, None, clock.now)
        finally:
            reads.close()
    finally:
        await runtime.stop()


def test_a_filter_travels_as_the_apis_parameters():
    criteria = Filter(action="incident.*", actor="alice", since=Clock().now)
    assert filter_params(criteria) == {"action": "incident.*", "actor": "alice",
                                       "since": "2026-11-23T09:00:00+00:00"}
