"""Real `serve` processes sharing one database: one serves, the others wait as standbys, a stop
while waiting exits 0, and after `kill -9` of the active one a standby takes over once the lease
expires. Bounded waits only; nothing is timed."""

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

from support.network import free_port

ROOT = Path(__file__).resolve().parent.parent
LEASE = 3  # seconds: the shortest lease, so the takeover comes soon after the kill


class Serve:
    """A `serve` process whose log lines are read as they come."""

    def __init__(self, config_path: Path, database_url: str):
        env = {k: v for k, v in os.environ.items() if not k.startswith("UPTIME_TUI_")}
        env["PYTHONPATH"] = str(ROOT)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uptime_tui", "serve", "--config", str(config_path), "--db", database_url],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
        self.lines: queue.Queue = queue.Queue()
        self.said: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, seconds: float) -> str:
        """The first log line containing `text`, waiting at most `seconds`."""
        for line in self.said:
            if text in line:
                return line
        while True:
            try:
                line = self.lines.get(timeout=seconds)
            except queue.Empty:
                raise AssertionError(f"no {text!r} within {seconds} s; said: {self.said}") from None
            self.said.append(line)
            if text in line:
                return line

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


def test_a_second_serve_waits_and_takes_over_after_the_first_is_killed(database_url, tmp_path):
    port = free_port()
    config_path = tmp_path / "config.yaml"
    config_path.write_text(
        f"settings: {{listen: '127.0.0.1:{port}', lease: {LEASE}s, "
        f"console_token_file: '{tmp_path / 'engine.token'}'}}\n"
        "heartbeats: [{id: job, period: 1h, token: job-token-12345}]\n")
    first = Serve(config_path, database_url)
    standbys: list[Serve] = []
    try:
        first.wait_for("serving 0 monitors and 1 heartbeats", 60)
        standbys = [Serve(config_path, database_url) for _ in range(2)]
        for standby in standbys:
            standby.wait_for("standby: the engine is held by a serve on ", 60)
            assert standby.said[-1].endswith(f"pid {first.process.pid}")

        quitter, second = standbys
        quitter.process.send_signal(signal.SIGTERM)
        assert quitter.process.wait(30) == 0
        quitter.wait_for("stopped while standby", 5)

        first.process.kill()  # kill -9: the lease is left as it was, renewed until now
        first.process.wait(10)
        second.wait_for("took over the engine lease", LEASE + 20)
        second.wait_for("serving 0 monitors and 1 heartbeats", 30)
        second.process.send_signal(signal.SIGTERM)
        assert second.process.wait(30) == 0
        assert not any("Traceback" in line for line in second.said + quitter.said), second.said
    finally:
        first.end()
        for standby in standbys:
            standby.end()
