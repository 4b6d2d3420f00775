"""The console lists what the database holds (Pilot, a real SQLite file)."""

import pytest
from textual.widgets import DataTable

from uptime_tui.config import load_config
from uptime_tui.store import open_database
from uptime_tui.store.sync import sync_definitions
from uptime_tui.tui.app import build_app


@pytest.mark.anyio
async def test_lists_monitors_and_heartbeats_and_quits(tmp_path):
    from pathlib import Path

    config = load_config(Path(__file__).resolve().parent.parent / "config.example.yaml", env={})
    database = open_database(str(tmp_path / "uptime.db"))
    sync_definitions(config)
    app = build_app(config, operator="alice")
    async with app.run_test(size=(100, 30)) as pilot:
        monitors = app.query_one("#monitors", DataTable)
        for _ in range(50):  # the rows arrive from a thread worker
            if monitors.row_count:
                break
            await pilot.pause(0.05)
        assert monitors.row_count == len(config.monitors)
        assert app.query_one("#heartbeats", DataTable).row_count == len(config.heartbeats)
        assert "Demo web (healthy)" in [monitors.get_row_at(i)[1] for i in range(monitors.row_count)]
        await pilot.press("q")
    assert app.return_code == 0
    database.close()


@pytest.mark.anyio
async def test_live_status_from_the_engine_thread(tmp_path):
    import socket

    from uptime_tui.config import parse_config
    from uptime_tui.engine.runner import EngineThread
    from uptime_tui.engine.service import Engine, EngineOptions
    from uptime_tui.store.models import Incident

    with socket.socket() as s:  # a port that was just free: connections are refused
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    config = parse_config(f"""
monitors:
  - {{id: db, name: DB, type: tcp, host: 127.0.0.1, port: {closed}, interval: 1s, timeout: 500ms, confirmation: 1}}
""", "c.yaml", {})
    database = open_database(str(tmp_path / "uptime.db"))
    engine = EngineThread(lambda: Engine(config, database, options=EngineOptions(listen=False)))
    app = build_app(config, operator="alice", engine=engine)
    async with app.run_test(size=(100, 30)) as pilot:
        monitors = app.query_one("#monitors", DataTable)
        status = ""
        for _ in range(100):  # bounded: ~10 s for sync, one check and the event
            if monitors.row_count:
                status = str(monitors.get_row_at(0)[0])
                if "down" in status:
                    break
            await pilot.pause(0.1)
        assert "✖ down" in status
        await pilot.press("q")
    assert Incident.select().where(Incident.active == True).count() == 1  # noqa: E712
    database.close()
