"""Snapshots (pytest-textual-snapshot) of every screen and dialog at 80x24, from a recorded
demo with a fixed clock. Update after an intended change: pytest --snapshot-update."""


import pytest

from support.console import recorded_demo
from support.clock import FixedClock
from uptime_tui.store import open_database
from uptime_tui.tui.app import build_app

SIZE = (80, 24)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A database holding ten minutes of the demo, and the moment it ends."""
    return recorded_demo(tmp_path_factory.mktemp("snapshots"))


@pytest.fixture
def app(recorded):
    config, path, now = recorded
    database = open_database(str(path))
    yield build_app(config, operator="alice", clock=FixedClock(now))
    database.close()


async def loaded(pilot):
    """Wait (bounded) until the workers delivered the dashboard."""
    dashboard = pilot.app.dashboard
    for _ in range(200):
        if dashboard.loaded and dashboard.table("incidents").rows and dashboard.table("events").rows:
            break
        await pilot.pause(0.02)
    dashboard.tick()
    await pilot.pause()


async def settle(pilot):
    from textual.widgets import Input

    for _ in range(20):  # detail screens read in workers too
        await pilot.pause(0.05)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False  # a blinking cursor would make the snapshot flaky
    await pilot.pause()


def test_dashboard(snap_compare, app):
    assert snap_compare(app, terminal_size=SIZE, run_before=loaded)


def test_incident_detail(snap_compare, app):
    async def before(pilot):
        await loaded(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_monitor_detail(snap_compare, app):
    async def before(pilot):
        await loaded(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_heartbeat_detail(snap_compare, app):
    async def before(pilot):
        await loaded(pilot)
        await pilot.press("tab", "tab", "enter")  # the demo job: its token is in the YAML, not random
        await settle(pilot)
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_audit_log(snap_compare, app):
    async def before(pilot):
        await loaded(pilot)
        await pilot.press("L")
        await settle(pilot)
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_help(snap_compare, app):
    async def before(pilot):
        await loaded(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_snooze_dialog(snap_compare, app):
    async def before(pilot):
        await loaded(pilot)
        await pilot.press("tab", "s")
        await settle(pilot)
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_resolve_dialog(snap_compare, app):
    async def before(pilot):
        await loaded(pilot)
        await pilot.press("tab", "r")
        await settle(pilot)
    assert snap_compare(app, terminal_size=SIZE, run_before=before)


def test_filter_bar(snap_compare, app):
    async def before(pilot):
        await loaded(pilot)
        await pilot.press("slash", *"demo")
        await settle(pilot)
    assert snap_compare(app, terminal_size=SIZE, run_before=before)
