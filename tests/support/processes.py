"""Real `uptime-tui serve` processes for the tests, their log lines read as they come."""

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
