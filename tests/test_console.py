"""The console through Pilot: press what a person presses, then look at the database, the audit
log and the screen. A real SQLite file and a real engine thread (probes off, fake clock: check
results are fed in as the probes would deliver them)."""

import asyncio
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from textual import events

from uptime_tui.results import CheckResult
from uptime_tui.config import load_config, parse_config
from uptime_tui.engine.pings import Ping
from uptime_tui.engine.service import EngineOptions
from uptime_tui.operator import Operator
from uptime_tui.runtime.assembly import Runtime, RuntimeOptions
from uptime_tui.runtime.engine_thread import EngineThread
from uptime_tui.store import open_database
from support.clock import FixedClock
from uptime_tui.ping_urls import curl_line, ping_url
from uptime_tui.store.models import AuditEntry, Heartbeat, Incident, Monitor
from uptime_tui.store.sync import sync_definitions
from uptime_tui.queries import dashboard as queries
from uptime_tui.tui.app import build_app
from uptime_tui.tui.dialogs.resolve import ResolveDialog
from uptime_tui.tui.dialogs.snooze import SnoozeDialog
from uptime_tui.tui.screens.dashboard import DashboardScreen
from uptime_tui.tui.widgets.pane_table import PaneTable

from support.console import recorded_demo
from support.api import Clock
from support.network import free_port
from support.pilot import lines, toasts, until


CONFIG = """
settings: {listen: "127.0.0.1:9", organization_id: org, team_id: team, group_window: 2m, region: test}
monitors:
  - {id: web, name: Web, type: http, url: "http://127.0.0.1:9/", interval: 1h, confirmation: 2}
  - {id: api, name: API, type: http, url: "http://127.0.0.1:9/api", interval: 1h, group: edge}
  - {id: cdn, name: CDN, type: http, url: "http://127.0.0.1:9/cdn", interval: 1h, group: edge}
  - {id: solo, name: Solo, type: http, url: "http://127.0.0.1:9/solo", interval: 1h}
heartbeats:
  - {id: job, name: Nightly job, period: 1h, grace: 1m, token: job-token-12345}
"""


@asynccontextmanager
async def console(tmp_path, text=CONFIG, size=(100, 30)):
    """The app with its engine thread, started and loaded; yields (app, pilot, clock)."""
    clock = Clock()
    config = parse_config(text, "c.yaml", {})
    database = open_database(str(tmp_path / "uptime.db"))
    engine = EngineThread(lambda: Runtime(config, database, clock=clock, options=RuntimeOptions(
        probes=False, engine=EngineOptions(escalation_tick=3600))))
    app = build_app(config, operator="alice", engine=engine, clock=clock)
    async with app.run_test(size=size, notifications=True) as pilot:
        await until(pilot, lambda: engine.engine is not None and app.dashboard.loaded
                    and app.dashboard.table("monitors").rows, "the engine and the first load")
        yield app, pilot, clock
    database.close()


async def feed(app, clock, key, success, times=1):
    """Check results of one monitor, through the engine's loop (as a probe would)."""
    async def run(engine):
        monitor = engine.monitors[key].item
        for _ in range(times):
            await engine.record_result(monitor, CheckResult(
                key, success, None if success else "HTTP 503", 0.05, 10.0, 200 if success else 503,
                "test", clock.now))
            clock.advance(seconds=1)
    await asyncio.wrap_future(app.engine.call(run))


async def open_incident(app, pilot, clock, key="web") -> Incident:
    await feed(app, clock, key, False, times=2)
    incident = Incident.get(Incident.resource_key == key, Incident.active == True)  # noqa: E712
    await until(pilot, lambda: app.dashboard.table("incidents").get(incident.id) is not None, "the incident row")
    return incident


async def focus_incident(app, pilot, incident_id):
    table = app.dashboard.table("incidents")
    table.focus()
    table.move_to(table.visible_rows.index(table.get(incident_id)))
    await pilot.pause()


def audit_by(action):
    return [(e.actor_type, e.actor_name) for e in AuditEntry.select().where(AuditEntry.action == action)]


@pytest.mark.anyio
async def test_dashboard_shows_every_pane_and_the_header(tmp_path):
    async with console(tmp_path) as (app, pilot, clock):
        await feed(app, clock, "solo", True, times=3)
        await open_incident(app, pilot, clock, "web")
        monitors = app.dashboard.table("monitors")
        # The statuses come with the rows, the uptimes and times with the results' read after them.
        wanted = ("✖ down", "● up", "Solo", "100%", "50 ms")
        await until(pilot, lambda: all(w in "\n".join(lines(monitors)) for w in wanted), "every monitor's figures")
        shown = "\n".join(lines(monitors))
        assert any(c in shown for c in "▁▂▃▄▅▆▇█")  # the sparkline
        web = next(line for line in lines(monitors) if "Web" in line)
        assert "✖ down" in web and "0.00%" in web
        incidents = "\n".join(lines(app.dashboard.table("incidents")))
        assert "★ new" in incidents and "Web" in incidents and "HTTP 503" in incidents
        assert "Nightly job" in "\n".join(lines(app.dashboard.table("heartbeats")))
        await until(pilot, lambda: "incident.started" in "\n".join(lines(app.dashboard.table("events"))))
        app.dashboard.tick()
        header = str(app.dashboard.query_one("#status-bar").render())
        assert "✖1 down" in header and "1 open 1 unack" in header and "test 09:" in header
        await pilot.press("q")
    assert app.return_code == 0


@pytest.mark.anyio
async def test_a_acknowledges_and_writes_the_audit_log_as_the_operator(tmp_path):
    async with console(tmp_path) as (app, pilot, clock):
        incident = await open_incident(app, pilot, clock)
        await focus_incident(app, pilot, incident.id)
        await pilot.press("a")
        await until(pilot, lambda: Incident.get_by_id(incident.id).acknowledged_by == "alice", "the acknowledgement")
        assert audit_by("incident.acknowledged") == [("user", "alice")]
        await until(pilot, lambda: any("✓ ack alice" in line for line in lines(app.dashboard.table("incidents"))))
        await until(pilot, lambda: any("acknowledged" in t for t in toasts(app)), "the toast")
        await pilot.press("a")  # a second time: refused, and the toast says by whom
        await until(pilot, lambda: any("already acknowledged by alice" in t for t in toasts(app)))
        assert len(audit_by("incident.acknowledged")) == 1


@pytest.mark.anyio
async def test_the_events_pane_shows_each_change_once_with_its_actor(tmp_path):
    """The engine's event and the audit entry of one change are one line (they were two)."""
    async with console(tmp_path) as (app, pilot, clock):
        incident = await open_incident(app, pilot, clock)
        await focus_incident(app, pilot, incident.id)
        await pilot.press("a")
        await until(pilot, lambda: Incident.get_by_id(incident.id).acknowledged_by == "alice", "the acknowledgement")
        events = app.dashboard.table("events")
        await until(pilot, lambda: any(r.key.startswith("event:") and r.title == "incident.acknowledged by alice"
                                       for r in events.rows), "the reload of the tail")
        names = [r.name for r in events.rows]
        assert names.count("incident.started") == names.count("incident.acknowledged") == 1
        assert next(r for r in events.rows if r.name == "incident.started").actor == "alert"
        assert any("incident.acknowledged by alice" in line for line in lines(events))


@pytest.mark.anyio
async def test_a_load_read_before_an_acknowledgement_does_not_take_it_back(tmp_path):
    """A reload that read the database just before the acknowledgement committed arrives after
    it: the row keeps showing the acknowledgement (it flickered back to new, seen in the bench)."""
    async with console(tmp_path) as (app, pilot, clock):
        incident = await open_incident(app, pilot, clock)
        await focus_incident(app, pilot, incident.id)
        table = app.dashboard.table("incidents")
        stale, number = queries.load_incidents(clock.now), table.reads_started  # a read in flight
        await pilot.press("a")
        await until(pilot, lambda: Incident.get_by_id(incident.id).acknowledged_by == "alice", "the acknowledgement")
        await until(pilot, lambda: table.get(incident.id).acknowledged_by == "alice" and not table.get(incident.id).pending)
        app.dashboard.post_message(DashboardScreen.Loaded({"incidents": stale}, {"incidents": number}))
        await pilot.pause(0.1)
        assert any("✓ ack alice" in line for line in lines(table))


@pytest.mark.anyio
async def test_an_acknowledgement_the_engine_refuses_is_taken_back(tmp_path):
    async with console(tmp_path) as (app, pilot, clock):
        incident = await open_incident(app, pilot, clock)
        await focus_incident(app, pilot, incident.id)
        table = app.dashboard.table("incidents")
        row = table.get(incident.id)

        settle = app.dashboard.show_acknowledging(row, "alice", whole_group=False)  # what "a" does first
        assert any("… acknowledging" in line for line in lines(table))
        settle(False)  # the engine said no
        assert row.acknowledged_by is None and any("★ new" in line for line in lines(table))

        # Another console acknowledged it a moment ago; this pane has not heard of it yet.
        Incident.update(acknowledged_by="bob", acknowledged_at=clock.now).where(Incident.id == incident.id).execute()
        await pilot.press("a")
        await until(pilot, lambda: any("already acknowledged by bob" in t for t in toasts(app)), "the refusal")
        await until(pilot, lambda: any("✓ ack bob" in line for line in lines(table)), "the truth from the reload")
        assert not any("alice" in line for line in lines(table)) and audit_by("incident.acknowledged") == []


@pytest.mark.anyio
async def test_the_header_says_when_notifications_fail(tmp_path):
    closed = free_port()  # nothing listens there: every delivery fails
    text = CONFIG.replace("confirmation: 2}", "confirmation: 2, channels: [hook]}") + f"""
channels:
  - {{id: hook, webhook: {{url: "http://127.0.0.1:{closed}/hook"}}, events: ["incident.*"], min_interval: 0s}}
"""
    async with console(tmp_path, text) as (app, pilot, clock):
        header = lambda: str(app.dashboard.query_one("#status-bar").render())  # noqa: E731
        assert "notify failing" not in header()
        await open_incident(app, pilot, clock)
        await until(pilot, lambda: "⚠ notify failing: hook" in header(), "the failing channel in the header")


@pytest.mark.anyio
async def test_a_on_a_monitor_acts_on_its_open_incident(tmp_path):
    async with console(tmp_path) as (app, pilot, clock):
        incident = await open_incident(app, pilot, clock)
        monitors = app.dashboard.table("monitors")
        monitors.focus()
        monitors.move_to(monitors.visible_rows.index(monitors.get(incident.resource_id)))
        await pilot.press("a")
        await until(pilot, lambda: Incident.get_by_id(incident.id).acknowledged_by == "alice")


@pytest.mark.anyio
async def test_s_snoozes_for_a_chosen_or_typed_duration(tmp_path):
    async with console(tmp_path) as (app, pilot, clock):
        incident = await open_incident(app, pilot, clock)
        await focus_incident(app, pilot, incident.id)
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SnoozeDialog), "the snooze dialog")
        await pilot.press("down", "down", "enter")  # 1h is highlighted; two down is 8h
        await until(pilot, lambda: Incident.get_by_id(incident.id).snoozed_until == clock.now + timedelta(hours=8))
        assert audit_by("incident.snoozed") == [("user", "alice")]
        await until(pilot, lambda: any("z snoozed 8h00m" in line for line in lines(app.dashboard.table("incidents"))))

        await pilot.press("s", "6", *"90m", "enter")  # custom
        await until(pilot, lambda: Incident.get_by_id(incident.id).snoozed_until == clock.now + timedelta(minutes=90))
        await pilot.press("s", "escape")  # cancelled: nothing changes
        await pilot.pause(0.1)
        assert app.screen is app.dashboard and len(audit_by("incident.snoozed")) == 2


@pytest.mark.anyio
async def test_r_needs_a_reason_then_resolves_and_o_reopens(tmp_path):
    async with console(tmp_path) as (app, pilot, clock):
        incident = await open_incident(app, pilot, clock)
        await focus_incident(app, pilot, incident.id)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ResolveDialog), "the resolve dialog")
        await pilot.press("enter")  # no reason: refused in the dialog
        await pilot.pause()
        assert isinstance(app.screen, ResolveDialog)
        assert "a reason is required" in str(app.screen.query_one("#resolve-error").render())
        await pilot.press(*"fixed", "enter")
        await until(pilot, lambda: not Incident.get_by_id(incident.id).active, "the resolution")
        row = Incident.get_by_id(incident.id)
        assert (row.resolved_by, row.resolution_reason) == ("alice", "fixed")
        assert audit_by("incident.resolved") == [("user", "alice")]
        await until(pilot, lambda: any("✔ resolved" in line for line in lines(app.dashboard.table("incidents"))))

        await pilot.press("o")
        await until(pilot, lambda: Incident.get_by_id(incident.id).active, "the reopening")
        assert audit_by("incident.reopened") == [("user", "alice")]


@pytest.mark.anyio
async def test_keys_act_on_the_whole_group(tmp_path):
    async with console(tmp_path) as (app, pilot, clock):
        await feed(app, clock, "api", False, times=2)
        await feed(app, clock, "cdn", False, times=2)
        group = list(Incident.select().where(Incident.active == True))  # noqa: E712
        assert len(group) == 2 and len({i.group_id for i in group}) == 1
        await until(pilot, lambda: all(app.dashboard.table("incidents").get(i.id) for i in group)
                    and all(app.dashboard.table("incidents").get(i.id).group_id for i in group))
        await focus_incident(app, pilot, group[0].id)
        await pilot.press("a")
        await until(pilot, lambda: all(Incident.get_by_id(i.id).acknowledged_by == "alice" for i in group))


@pytest.mark.anyio
async def test_p_pauses_and_resumes_the_selected_monitor(tmp_path):
    async with console(tmp_path) as (app, pilot, clock):
        monitors = app.dashboard.table("monitors")
        monitors.focus()
        monitors.move_to([m.name for m in monitors.visible_rows].index("Solo"))
        await pilot.press("p")
        await until(pilot, lambda: Monitor.get(Monitor.key == "solo").paused, "the pause")
        await until(pilot, lambda: any("‖ paused" in line and "Solo" in line for line in lines(monitors)))
        assert audit_by("monitor.paused") == [("user", "alice")]
        await pilot.press("p")
        await until(pilot, lambda: not Monitor.get(Monitor.key == "solo").paused, "the resumption")
        assert audit_by("monitor.unpaused") == [("user", "alice")]


@pytest.mark.anyio
async def test_slash_filters_the_focused_pane_and_tab_moves_between_panes(tmp_path):
    async with console(tmp_path) as (app, pilot, clock):
        monitors = app.dashboard.table("monitors")
        assert app.focused is monitors
        await pilot.press("slash", *"cd")
        assert [m.name for m in monitors.visible_rows] == ["CDN"] and "/ cd▏" in lines(monitors)[0]
        await pilot.press("enter")
        assert not monitors.filtering and "filter: cd" in lines(monitors)[0]
        await pilot.press("slash", "backspace", "x", "ctrl+u", *"ap")
        assert [m.name for m in monitors.visible_rows] == ["API"]
        await pilot.press("escape")
        assert len(monitors.visible_rows) == 4 and app.focused is monitors and not monitors.filtering
        await pilot.press("tab")
        assert app.focused is app.dashboard.table("incidents")
        await pilot.press("tab", "tab", "shift+tab")
        assert app.focused is app.dashboard.table("heartbeats")


@pytest.mark.anyio
async def test_keys_that_arrive_at_once_go_where_they_were_meant(tmp_path):
    """A paste, tmux send-keys or a fast typist over SSH: the keys after "/" are the filter's,
    and the ones after enter or esc move in the pane again (none of them is taken as a command)."""
    async with console(tmp_path) as (app, pilot, clock):
        monitors = app.dashboard.table("monitors")
        for key in ("slash", "p", "i", "enter", "j", "slash", "o", "escape", "j"):
            app.post_message(events.Key(key, "/" if key == "slash" else (key if len(key) == 1 else None)))
        await until(pilot, lambda: monitors.cursor == 2 and not monitors.filtering, "the keys to be handled")
        assert monitors.filter_text == "" and len(monitors.visible_rows) == 4
        assert Monitor.select().where(Monitor.paused == True).count() == 0  # noqa: E712 ("p" was typed, not pressed)
        assert not toasts(app)  # "o" (reopen) was typed in the filter too


@pytest.mark.anyio
async def test_enter_opens_incident_and_monitor_details(tmp_path):
    async with console(tmp_path) as (app, pilot, clock):
        incident = await open_incident(app, pilot, clock)
        await focus_incident(app, pilot, incident.id)
        await pilot.press("enter")
        from uptime_tui.tui.screens.incident import IncidentScreen
        from uptime_tui.tui.screens.monitor import MonitorScreen

        await until(pilot, lambda: isinstance(app.screen, IncidentScreen) and app.screen.detail is not None)
        timeline = app.screen.query_one("#timeline")
        assert "incident.started" in "\n".join(lines(timeline))
        assert len(app.screen.query_one("#evidence").rows) == 2
        await pilot.press("a")  # the keys work on the detail screen too
        await until(pilot, lambda: Incident.get_by_id(incident.id).acknowledged_by == "alice")
        await until(pilot, lambda: "incident.acknowledged" in "\n".join(lines(timeline)), "the timeline to follow")
        await pilot.press("escape")
        assert app.screen is app.dashboard

        monitors = app.dashboard.table("monitors")
        monitors.focus()
        monitors.move_to(monitors.visible_rows.index(monitors.get(incident.resource_id)))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, MonitorScreen) and app.screen.detail is not None)
        assert len(app.screen.query_one("#results").rows) == 2
        assert len(app.screen.query_one("#monitor-incidents").rows) == 1
        await pilot.press("enter")  # the monitor's incident
        await until(pilot, lambda: isinstance(app.screen, IncidentScreen) and app.screen.key == incident.id)
        await pilot.press("escape")
        assert isinstance(app.screen, MonitorScreen)
        await pilot.press("escape")
        assert app.screen is app.dashboard


def screen_text(app) -> str:
    """The whole screen as text, line by line."""
    return "\n".join("".join(s.text for s in strip) for strip in app.screen._compositor.render_strips())


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A database holding ten minutes of the demo (config.example.yaml), and the moment it ends."""
    return recorded_demo(tmp_path_factory.mktemp("demo"))


@pytest.mark.anyio
async def test_enter_on_a_heartbeat_shows_its_ping_url_curl_line_and_pings(recorded):
    from uptime_tui.tui.screens.heartbeat import HeartbeatScreen

    config, path, now = recorded
    database = open_database(str(path))
    app = build_app(config, operator="alice", clock=FixedClock(now))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            heartbeats = app.dashboard.table("heartbeats")
            await until(pilot, lambda: app.dashboard.loaded and heartbeats.rows, "the first load")
            await pilot.press("tab", "tab")
            assert app.focused is heartbeats
            for name in ("Demo job (every 10s)", "Nightly backup"):  # a token from the YAML, a generated one
                row = next(h for h in heartbeats.rows if h.name == name)
                heartbeats.move_to(heartbeats.visible_rows.index(row))
                await pilot.press("enter")
                await until(pilot, lambda: isinstance(app.screen, HeartbeatScreen) and app.screen.key == row.id
                            and app.screen.detail is not None, f"the detail of {name}")
                await pilot.pause()
                token = Heartbeat.get_by_id(row.id).token
                shown = screen_text(app)
                assert ping_url(config.settings, token) in shown  # whole, at 80 columns
                first, _, rest = curl_line(config.settings, token).rpartition(" http")
                assert first in shown and f"http{rest}" in shown  # wrapped at the space, not cut
                pings = app.screen.query_one("#pings", PaneTable)
                if name.startswith("Demo job"):
                    assert token == "demo-job-token-0001"
                    assert pings.rows and all("● success" in line and "demo run" in line
                                              for line in lines(pings)[2:2 + len(pings.rows)] if line.strip())
                    assert [p[1] for p in pings.rows] == sorted((p[1] for p in pings.rows), reverse=True)
                else:
                    assert not pings.rows and "no pings yet" in shown  # not the demo job's, still drawn
                    assert "cron 30 2 * * * Europe/Berlin, grace 30m" in shown
                await pilot.press("escape")
                assert app.screen is app.dashboard and app.focused is heartbeats
    finally:
        database.close()


@pytest.mark.anyio
async def test_the_heartbeat_screen_follows_pings_and_p_pauses_it(tmp_path):
    from uptime_tui.tui.screens.heartbeat import HeartbeatScreen

    async with console(tmp_path) as (app, pilot, clock):
        heartbeats = app.dashboard.table("heartbeats")
        heartbeats.focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, HeartbeatScreen) and app.screen.detail is not None)
        pings = app.screen.query_one("#pings", PaneTable)
        assert not pings.rows and "every 1h, grace 1m" in screen_text(app)
        await asyncio.wrap_future(app.engine.call(lambda e: e.receive_ping(Ping(
            "job-token-12345", "exit", 3, body="\npg_dump: error: connection failed\nmore", remote_addr="10.0.0.7"))))
        await until(pilot, lambda: pings.rows, "the ping to show")
        line = lines(pings)[2]
        assert "✖ exit" in line and " 3 " in line and "10.0.0.7" in line and "pg_dump: error" in line
        incidents = app.screen.query_one("#heartbeat-incidents", PaneTable)
        await until(pilot, lambda: incidents.rows, "its incident")
        await pilot.press("p")
        await until(pilot, lambda: Heartbeat.get(Heartbeat.key == "job").paused, "the pause")
        await until(pilot, lambda: "‖ paused" in screen_text(app), "the status to follow", tries=500)
        await pilot.press("p")
        await until(pilot, lambda: not Heartbeat.get(Heartbeat.key == "job").paused, "the resumption")
        await pilot.press("enter")  # its incident
        from uptime_tui.tui.screens.incident import IncidentScreen
        await until(pilot, lambda: isinstance(app.screen, IncidentScreen) and app.screen.key == incidents.rows[0].id)
        await pilot.press("escape", "escape")
        assert app.screen is app.dashboard


@pytest.mark.anyio
async def test_audit_log_filters_and_exports_csv(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    async with console(tmp_path) as (app, pilot, clock):
        incident = await open_incident(app, pilot, clock)
        await focus_incident(app, pilot, incident.id)
        await pilot.press("a")
        await until(pilot, lambda: Incident.get_by_id(incident.id).acknowledged_by == "alice")
        await pilot.press("L")
        from uptime_tui.tui.screens.audit import AuditScreen

        await until(pilot, lambda: isinstance(app.screen, AuditScreen) and app.screen.table.rows)
        table = app.screen.table
        assert len(table.rows) == AuditEntry.select().count()
        await pilot.press("slash", *"actor=alice", "enter")
        await until(pilot, lambda: len(table.rows) == 1)
        assert table.rows[0]["action"] == "incident.acknowledged" and table.rows[0]["actor"]["name"] == "alice"
        await pilot.press("x")
        await until(pilot, lambda: list(tmp_path.glob("uptime-tui-audit-*.csv")), "the CSV file")
        exported = next(tmp_path.glob("uptime-tui-audit-*.csv")).read_bytes().decode()
        assert exported.count("\r\n") == 2 and "incident.acknowledged" in exported

        other = await open_incident(app, pilot, clock, "solo")  # meanwhile, from another console:
        await asyncio.wrap_future(app.engine.call(lambda e: e.acknowledge(other.id, Operator.person("alice"))))
        await until(pilot, lambda: len(table.rows) == 2, "the new entry on the open audit log")
        await pilot.press("escape")
        assert app.screen is app.dashboard


@pytest.mark.anyio
async def test_help_lists_every_key_and_the_palette_runs_actions(tmp_path):
    async with console(tmp_path) as (app, pilot, clock):
        await pilot.press("question_mark")
        from uptime_tui.tui.screens.help import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        listed = {key for key, _description in app.screen.rows}
        assert {"a", "s", "r", "o", "p", "L", "?", "q", "enter", "/", "tab / shift+tab"} <= listed
        await pilot.press("escape")

        incident = await open_incident(app, pilot, clock)
        await focus_incident(app, pilot, incident.id)
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"ackn")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(pilot, lambda: Incident.get_by_id(incident.id).acknowledged_by == "alice", "the palette action")


@pytest.mark.anyio
async def test_no_redraw_while_a_dialog_covers_the_panes(tmp_path):
    async with console(tmp_path) as (app, pilot, clock):
        incident = await open_incident(app, pilot, clock)
        await focus_incident(app, pilot, incident.id)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ResolveDialog))
        monitors = app.dashboard.table("monitors")
        await feed(app, clock, "solo", True)
        await until(pilot, lambda: monitors.stale, "the update to be deferred")
        await pilot.press("escape")
        await until(pilot, lambda: not monitors.stale, "the repaint on return")


@pytest.mark.anyio
async def test_lists_the_database_without_an_engine(tmp_path):
    config = load_config(Path(__file__).resolve().parent.parent / "config.example.yaml", env={})
    database = open_database(str(tmp_path / "uptime.db"))
    sync_definitions(config)
    app = build_app(config, operator="alice")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        monitors = app.dashboard.table("monitors")
        await until(pilot, lambda: monitors.rows)
        assert len(monitors.rows) == len(config.monitors)
        assert len(app.dashboard.table("heartbeats").rows) == len(config.heartbeats)
        assert any("Demo web" in line for line in lines(monitors))
        await pilot.press("p")  # no engine: said so, nothing changes
        assert any("not running" in t for t in toasts(app))
        await pilot.press("q")
    database.close()
