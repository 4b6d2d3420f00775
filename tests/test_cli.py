"""The command line, run as a user runs it."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args, env_extra=None, cwd=ROOT):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("UPTIME_TUI_")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "uptime_tui", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=60, stdin=subprocess.DEVNULL)


def test_version():
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("uptime-tui ")


@pytest.mark.parametrize("command", [[], ["console"], ["check-config"]])
def test_every_subcommand_has_help(command):
    result = run(*command, "--help")
    assert result.returncode == 0 and "usage: uptime-tui" in result.stdout and "--config" in result.stdout


def test_check_config_accepts_the_example():
    result = run("check-config", "config.example.yaml")
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout and "monitors: 7" in result.stdout


def test_check_config_takes_the_config_option_and_environment(tmp_path):
    (tmp_path / "config.yaml").write_text("monitors: []\n")
    assert run("check-config", cwd=tmp_path).returncode == 0  # ./config.yaml
    other = tmp_path / "other.yaml"
    other.write_text("monitors: [{id: a}]\n")
    assert run("check-config", "--config", str(other), cwd=tmp_path).returncode == 2
    assert run("check-config", cwd=tmp_path, env_extra={"UPTIME_TUI_CONFIG": str(other)}).returncode == 2


BROKEN = """monitors:
  - id: web
    type: http
    url: http://127.0.0.1/
    intervl: 5s
  - id: db
    type: tcp
    host: 127.0.0.1
    port: 70000
    policy: missing
"""


def test_a_broken_config_prints_every_problem_and_exits_2(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    result = run("check-config", str(path))
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(path))]
    assert [line.split(":")[1] for line in lines] == ["5", "9", "10"]
    assert "3 problems" in result.stderr and "Traceback" not in result.stderr


def test_a_broken_config_leaves_the_database_untouched(tmp_path):
    good, broken, db = tmp_path / "good.yaml", tmp_path / "broken.yaml", tmp_path / "uptime.db"
    good.write_text("monitors: [{id: web, type: http, url: 'http://127.0.0.1:9/'}]\n")
    broken.write_text(BROKEN)
    assert run("console", "--config", str(broken), "--db", str(db)).returncode == 2
    assert not db.exists()  # refused before anything was opened

    from uptime_tui.store import open_database
    from uptime_tui.store.sync import sync_definitions
    from uptime_tui.config import load_config

    database = open_database(str(db))
    sync_definitions(load_config(good))
    database.close()
    before = db.read_bytes()
    assert run("console", "--config", str(broken), "--db", str(db)).returncode == 2
    assert db.read_bytes() == before


def test_an_unusable_database_is_a_message_not_a_traceback(tmp_path):
    result = run("console", "--config", "config.example.yaml", "--db", "mysql://nowhere/x")
    assert result.returncode == 1
    assert "cannot open the database" in result.stderr and "Traceback" not in result.stderr


def test_serve_runs_headless_reloads_and_stops_on_sigterm(tmp_path):
    import os
    import signal
    import socket
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = tmp_path / "config.yaml"
    config.write_text(f"settings: {{listen: '127.0.0.1:{port}'}}\n"
                      "heartbeats: [{id: job, period: 1h, token: job-token-12345}]\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("UPTIME_TUI_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "uptime_tui", "serve", "--config", str(config), "--db", str(tmp_path / "u.db")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, stdin=subprocess.DEVNULL)
    try:
        for _ in range(100):  # bounded: up to ~10 s for the listener to come up
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/ping/job-token-12345", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert response.status_code == 200
        config.write_text(config.read_text().replace("period: 1h", "period: 1h, intervl: 5s"))
        process.send_signal(signal.SIGHUP)
        time.sleep(1.5)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "heartbeat.created" in output and "serving 0 monitors and 1 heartbeats" in output
    assert "config not reloaded" in output and "unknown key 'intervl'" in output
    assert "Traceback" not in output


def test_a_stop_during_start_up_ends_serve_cleanly(tmp_path, monkeypatch, caplog):
    import logging
    import os
    import signal

    from uptime_tui import cli

    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    opened = cli.open_store

    def open_then_stopped(args):  # systemd stops the unit while the database is being opened
        os.kill(os.getpid(), signal.SIGTERM)
        return opened(args)

    monkeypatch.setattr(cli, "open_store", open_then_stopped)
    monkeypatch.setattr(cli, "configure_logging", lambda handler, verbose=False: None)
    config = tmp_path / "c.yaml"
    config.write_text("monitors: [{id: web, type: tcp, host: 127.0.0.1, port: 9}]\n")
    try:
        with caplog.at_level(logging.INFO):
            code = cli.main(["serve", "--config", str(config), "--db", str(tmp_path / "u.db")])
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
    assert code == 0 and "stopped before the engine started" in caplog.text


def test_a_listing_cut_short_by_its_reader_ends_without_a_traceback(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("heartbeats: [" + ", ".join(f"{{id: h{i}, period: 1h, token: token-{i:05d}}}" for i in range(2000)) + "]\n")
    pipeline = subprocess.run(
        f"{sys.executable} -m uptime_tui heartbeats --config {config} --db {tmp_path / 'u.db'} | head -1",
        shell=True, capture_output=True, text=True, timeout=60)
    assert pipeline.stdout.startswith("ID") and "Traceback" not in pipeline.stderr
