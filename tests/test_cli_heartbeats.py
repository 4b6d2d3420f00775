"""`uptime-tui heartbeats`: each heartbeat with its ping URL, the generated token included."""

import asyncio

from uptime_tui.cli import main
from uptime_tui.config import load_config
from uptime_tui.engine.service import Engine
from uptime_tui.store import open_database

CONFIG = """
settings: {listen: "127.0.0.1:8787"}
heartbeats:
  - {id: backup, name: Nightly backup, period: 1d, grace: 1h}
  - {id: report, name: Report, schedule: "0 8 * * MON", grace: 10m, token: report-token-1234}
"""


def engine_started_once(config_path, db):
    """What a first start does: sync the YAML, generating the tokens it does not give."""
    async def start_stop():
        engine = Engine(load_config(config_path), open_database(db))
        await engine.start()
        await engine.stop()

    asyncio.run(start_stop())


def test_heartbeats_lists_ping_urls_with_generated_tokens(tmp_path, capsys):
    config, db = tmp_path / "c.yaml", str(tmp_path / "u.db")
    config.write_text(CONFIG)
    assert main(["heartbeats", "--config", str(config), "--db", db]) == 0
    before = capsys.readouterr().out
    assert "http://127.0.0.1:8787/ping/report-token-1234" in before
    assert "(generated when the engine first starts)" in before

    engine_started_once(config, db)
    from uptime_tui.store.models import Heartbeat

    token = Heartbeat.get(Heartbeat.key == "backup").token
    assert main(["heartbeats", "--config", str(config), "--db", db]) == 0
    out = capsys.readouterr().out
    assert f"http://127.0.0.1:8787/ping/{token}" in out
    assert "every 1d, grace 1h" in out and "cron 0 8 * * MON UTC, grace 10m" in out
    assert "curl -fsS -m 10 --retry 5 --data-binary @job.log http://127.0.0.1:8787/ping/" in out


def test_public_url_names_where_jobs_reach_the_listener(tmp_path, capsys):
    config, db = tmp_path / "c.yaml", str(tmp_path / "u.db")
    config.write_text(CONFIG.replace('settings: {listen: "127.0.0.1:8787"}',
                                     'settings: {listen: "0.0.0.0:8787", public_url: "https://uptime.example.com/"}'))
    assert main(["heartbeats", "--config", str(config), "--db", db]) == 0
    assert "https://uptime.example.com/ping/report-token-1234" in capsys.readouterr().out


def test_with_a_ping_key_the_slug_urls_are_listed_too(tmp_path, capsys):
    config, db = tmp_path / "c.yaml", str(tmp_path / "u.db")
    config.write_text(CONFIG.replace('settings: {listen: "127.0.0.1:8787"}',
                                     'settings: {listen: "127.0.0.1:8787", ping_key: ping-key-0123456789ab}'))
    assert main(["heartbeats", "--config", str(config), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8787/ping/ping-key-0123456789ab/backup" in out
