"""How long the database goes without an engine when the active `serve` is killed with -9.

Two `serve` processes share one SQLite file (or `--db` PostgreSQL URL): one active, one standby.
Each round kills the active one with SIGKILL and times how long the standby takes to log that it
took over; a fresh standby is then started beside the new active one. The baseline printed beside
the numbers is the configured lease: a standby polls every third of it, so a takeover is expected
between about 2/3 of the lease (the holder renewed a third of a lease before the kill) and the
lease plus a poll.

    .venv/bin/python bench/takeover.py                 # 10 kills, lease 3s, SQLite
    .venv/bin/python bench/takeover.py --kills 20 --lease 6 --db postgresql://...
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import socket
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Serve:
    """A `serve` process; `wait_for(text)` returns the monotonic time the line was read."""

    def __init__(self, config: Path, db: str):
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uptime_tui", "serve", "--config", str(config), "--db", db], cwd=ROOT,
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.put((time.monotonic(), line))

    def wait_for(self, text: str, seconds: float = 60.0) -> float:
        deadline = time.monotonic() + seconds
        while True:
            at, line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if text in line:
                return at

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--lease", type=float, default=3.0, help="settings.lease, in seconds (at least 3)")
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--seed", type=int, default=1, help="the random moments of the kills")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        config = Path(directory) / "config.yaml"
        config.write_text(f"settings: {{listen: '127.0.0.1:{free_port()}', lease: {args.lease}s, "
                          f"console_token_file: '{Path(directory) / 'engine.token'}'}}\n"
                          "heartbeats: [{id: job, period: 1h, token: job-token-12345}]\n")
        db = args.db or str(Path(directory) / "uptime.db")
        active = Serve(config, db)
        active.wait_for("serving")
        standby = Serve(config, db)
        standby.wait_for("standby:")
        takeovers = []
        try:
            chance = random.Random(args.seed)
            for kill in range(args.kills):
                time.sleep(chance.uniform(0, args.lease))  # any moment of the renewal and poll cycle
                killed_at = time.monotonic()
                active.kill()
                took = standby.wait_for("took over the engine lease", args.lease * 3 + 30) - killed_at
                takeovers.append(took)
                print(f"kill {kill + 1}: taken over after {took:.2f} s", flush=True)
                active, standby = standby, Serve(config, db)
                standby.wait_for("standby:")
        finally:
            active.kill()
            standby.kill()
    print(f"takeover after kill -9, {len(takeovers)} kills: p50 {percentile(takeovers, 50):.2f} s, "
          f"p99 {percentile(takeovers, 99):.2f} s, mean {statistics.fmean(takeovers):.2f} s; "
          f"baseline: settings.lease {args.lease:.0f} s (standby polls every {args.lease / 3:.1f} s)")


if __name__ == "__main__":
    main()
