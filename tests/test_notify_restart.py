"""Durability across a crash, and the `notify` commands: a real process killed with SIGKILL while
deliveries are pending, started again, delivers everything; `notify test` and `notify list`
print outcomes and states and never a secret."""

import logging
import re
import signal
import subprocess
import sys
import textwrap

from support.notify import Receiver, add_monitors, start_incident, states, wait_until
from uptime_tui import cli
from uptime_tui.config import load_config
from uptime_tui.notify.delivery import utcnow
from uptime_tui.store import open_database
from uptime_tui.store.models import NotificationDelivery as ND

NOTIFIER_PROCESS = textwrap.dedent("""
    import asyncio, sys
    from uptime_tui.config import load_config
    from uptime_tui.notify import Notifier, NotifierOptions, RetryPolicy
    from uptime_tui.store import open_database
    from uptime_tui.store.writer import Writer

    async def main(config_path, db_path):
        config = load_config(config_path)
        database = open_database(db_path)
        writer = Writer(database, lambda: {}).start()
        options = NotifierOptions(poll_interval=0.05, retry=RetryPolicy(base=0.1, cap=0.3))
        await Notifier(config, database, writer, options=options).start()
        print("started", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main(sys.argv[1], sys.argv[2]))
""")


def write_config(tmp_path, receiver, monitors=20):
    path = tmp_path / "config.yaml"
    listed = "\n".join(f"  - {{id: m{i:02}, name: Web m{i:02}, type: http, url: 'http://127.0.0.1:9/', channels: [hook]}}"
                       for i in range(monitors))
    path.write_text(f"""
settings: {{organization_id: org, team_id: team}}
monitors:
{listed}
channels:
  - id: hook
    webhook: {{url: "{receiver.url('/hook/path-token-9f8e7d')}", secret: whsec-do-not-print}}
    min_interval: 0s
  - id: chat
    apprise: ["{receiver.url('/chat', 'json').replace('json://', 'json://ann:apprise-password-1@')}"]
""")
    return path


def test_pending_deliveries_survive_sigkill_and_go_out_after_the_restart(tmp_path):
    receiver = Receiver()  # down for now
    config_path = write_config(tmp_path, receiver)
    config = load_config(config_path)
    db_path = str(tmp_path / "uptime.db")
    database = open_database(db_path)
    ids = add_monitors(config)
    with database.atomic():
        for i in range(20):
            start_incident(config, f"m{i:02}", ids[f"m{i:02}"], utcnow())
    expected = {f"evt_{e}" for (e,) in ND.select(ND.event).tuples()}
    script = tmp_path / "notifier.py"
    script.write_text(NOTIFIER_PROCESS)
    command = [sys.executable, str(script), str(config_path), db_path]

    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: ND.select().where(ND.attempts >= 1).exists()), "the notifier never tried"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert states() == {"pending": 20}

    receiver.start()
    second = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: states() == {"sent": 20}, timeout=30)
    finally:
        second.send_signal(signal.SIGKILL)
        second.wait(10)
        receiver.stop()
        database.close()
    received = [r.headers.get("Idempotency-Key") for r in receiver.on("/hook/path-token-9f8e7d")]
    assert set(received) == expected


def test_notify_test_and_list_print_outcomes_and_states_without_secrets(tmp_path, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    receiver = Receiver().start()
    config_path = write_config(tmp_path, receiver, monitors=1)
    db = str(tmp_path / "uptime.db")
    run = lambda *args: cli.main(["--config", str(config_path), "--db", db, "notify", *args])  # noqa: E731
    secrets = ("path-token-9f8e7d", "whsec-do-not-print", "apprise-password-1")
    try:
        assert run("test", "hook") == 0
        assert run("test", "chat") == 0
        out = capsys.readouterr().out
        assert f"hook (webhook http://127.0.0.1:{receiver.port}/****): delivered (HTTP 200)" in out
        assert "chat (apprise json://****): delivered" in out
        (request,) = receiver.on("/hook/path-token-9f8e7d")
        assert request.json["event"] == "notification.test" and request.headers.get("X-Uptime-Signature")
        assert receiver.on("/chat")[0].json["title"] == "uptime-tui test notification"
    finally:
        receiver.stop()
    assert run("test", "hook") == 1  # the receiver is down now
    assert run("test", "chat") == 1
    assert run("test", "nope") == 2
    assert run("list") == 0
    assert run("list", "--state", "failed") == 0
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "hook (webhook http://127.0.0.1:" in output and "FAILED: connection refused" in output
    assert "unknown channel 'nope' (channels: chat, hook)" in output
    assert re.search(r"hook\s+0\s+1\s+1\s+webhook http://127.0.0.1:\d+/\*\*\*\*", output)
    assert "notification.test" in output and "test_" in output
    assert "chat (apprise json://****): FAILED: A Connection error occurred" in output
    for secret in secrets:
        assert secret not in output
        assert secret not in caplog.text  # Apprise's own log lines included
