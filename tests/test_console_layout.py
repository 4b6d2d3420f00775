"""What fits where: toasts at 80x24, the audit log's entries read whole, the incidents'
resource and cause at 200 columns, one Events line per change. From a recorded demo with a
fixed clock, through Pilot."""


import pytest
from textual.widgets import Static
from textual.widgets._toast import Toast

from support.console import recorded_demo
from support.clock import FixedClock
from uptime_tui.queries.events import load_events
from uptime_tui.store import open_database
from uptime_tui.store.models import AuditEntry, Event
from uptime_tui.tui.app import build_app
from uptime_tui.tui.screens.audit import AuditScreen
from uptime_tui.tui.screens.help import HelpScreen



@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A database holding ten minutes of the demo, and the moment it ends."""
    return recorded_demo(tmp_path_factory.mktemp("layout"))


@pytest.fixture
def database(recorded):
    database = open_database(str(recorded[1]))
    yield database
    database.close()


async def loaded(app, pilot):
    for _ in range(200):
        if app.dashboard.loaded and app.dashboard.table("incidents").rows and app.dashboard.table("events").rows:
            return
        await pilot.pause(0.02)
    raise AssertionError("the dashboard did not load")


def screen_lines(app) -> list[str]:
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]


def shown_toasts(app) -> list:
    return [toast for toast in app.screen.query(Toast) if toast.region.height]


@pytest.mark.anyio
async def test_toasts_at_80x24_are_one_or_two_lines_at_the_bottom_right(recorded, database):
    config, _path, now = recorded
    app = build_app(config, operator="alice", clock=FixedClock(now))
    long = "Monitor Demo database (down) went down: connection refused by 127.0.0.1:8799 " * 3
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await loaded(app, pilot)
        for screen_keys in ((), ("question_mark",)):  # on the dashboard, and over a dialog
            await pilot.press(*screen_keys)
            app.notify(long, severity="error")
            app.notify("incident #3 acknowledged by alice", title="Done")
            app.notify(long, title="Not done", severity="warning")
            await pilot.pause(0.3)
            toasts = shown_toasts(app)
            assert len(toasts) == 1, "only the newest shows"
            region = toasts[0].region
            assert region.height == 2 and region.right == 80 and region.bottom == 23  # above the footer
            assert region.width <= 40
            text = screen_lines(app)[region.y + 1][region.x:]
            assert text.rstrip().endswith("…") and "Monitor Demo database" in text  # cut, not wrapped
            app.clear_notifications()
        assert isinstance(app.screen, HelpScreen)


@pytest.mark.anyio
async def test_toasts_on_a_tall_terminal_show_whole(recorded, database):
    config, _path, now = recorded
    app = build_app(config, operator="alice", clock=FixedClock(now))
    async with app.run_test(size=(200, 50), notifications=True) as pilot:
        await loaded(app, pilot)
        app.notify("a message long enough to wrap " * 4, severity="error")
        app.notify("incident #3 acknowledged by alice", title="Done")
        await pilot.pause(0.3)
        assert len(shown_toasts(app)) == 2 and max(t.region.height for t in shown_toasts(app)) > 2


@pytest.mark.anyio
async def test_the_audit_log_shows_the_selected_entry_whole(recorded, database):
    config, _path, now = recorded
    app = build_app(config, operator="alice", clock=FixedClock(now))
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(app, pilot)
        await pilot.press("L")
        for _ in range(100):
            if isinstance(app.screen, AuditScreen) and app.screen.table.rows:
                break
            await pilot.pause(0.02)
        await pilot.pause()
        table, detail = app.screen.table, app.screen.query_one("#audit-detail", Static)
        for press in range(3):
            entry = table.selected
            region = detail.region
            shown = " ".join(line[region.x:region.right].strip()
                             for line in screen_lines(app)[region.y:region.bottom])
            actor = f"{entry['actor']['name']} ({entry['actor']['type']})"
            assert entry["message"] in shown and entry["action"] in shown and actor in shown
            assert len(entry["message"]) > 30  # longer than its column: it is read here, not there
            row_line = screen_lines(app)[table.region.y + 2 + table.cursor - table.top]
            assert entry["action"] in row_line and len(row_line) <= 80  # the action whole, no sideways scrolling
            await pilot.press("down")


@pytest.mark.anyio
async def test_incident_resource_and_cause_get_the_room_at_200_columns(recorded, database):
    config, _path, now = recorded
    app = build_app(config, operator="alice", clock=FixedClock(now))
    async with app.run_test(size=(200, 50)) as pilot:
        await loaded(app, pilot)
        await pilot.pause()
        table = app.dashboard.table("incidents")
        shown = "\n".join("".join(s.text for s in table.render_line(y)) for y in range(table.size.height))
        for row in table.rows:
            assert row.resource_name in shown and (row.cause or row.type) in shown


def test_the_events_tail_has_one_line_per_change_with_its_actor(database):
    rows = load_events()
    changes = Event.select().where(Event.name != "monitor.checked").count()
    assert len(rows) == changes  # every audit entry of the demo mirrors one of its events
    assert AuditEntry.select().count() > 0 and all(r.source == "event" for r in rows)
    titles = [r.title for r in rows]
    assert titles.count("incident.acknowledged by alice") == 1
    assert titles.count("incident.snoozed by alice") == 1
    started = [r for r in rows if r.name == "incident.started"]
    assert len(started) == Event.select().where(Event.name == "incident.started").count()
    assert {r.actor for r in started} == {"alert"}
    assert {r.actor for r in rows if r.name == "monitor.created"} == {"system"}
    assert all(r.actor is None for r in rows if r.name in ("monitor.down", "heartbeat.checked"))
