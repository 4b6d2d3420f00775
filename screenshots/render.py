"""Render every console screen from a recorded demo (fixed clock) to SVG in screenshots/.

    .venv/bin/python screenshots/render.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "tests"))  # the recorded demo and its fixed clock

from uptime_tui.config import load_config  # noqa: E402
from support.clock import FixedClock, seed_start  # noqa: E402
from support.recording import record_demo  # noqa: E402
from uptime_tui.store import open_database  # noqa: E402
from uptime_tui.tui.app import build_app  # noqa: E402

SHOTS = {  # file name -> keys pressed on the loaded dashboard
    "dashboard": [],
    "incident": ["tab", "enter"],
    "monitor": ["down", "enter"],
    "heartbeat": ["tab", "tab", "enter"],
    "audit-log": ["L"],
    "help": ["question_mark"],
    "snooze": ["tab", "s"],
    "resolve": ["tab", "r"],
}


async def render(config, clock_now, size) -> None:
    for name, keys in SHOTS.items():
        app = build_app(config, operator="alice", clock=FixedClock(clock_now))
        async with app.run_test(size=size) as pilot:
            for _ in range(200):
                if app.dashboard.loaded and app.dashboard.table("events").rows:
                    break
                await pilot.pause(0.02)
            app.dashboard.tick()
            await pilot.press(*keys)
            await pilot.pause(0.5)
            suffix = "" if size == (100, 30) else f"-{size[0]}x{size[1]}"
            app.save_screenshot(str(HERE / f"{name}{suffix}.svg"))
            print(f"screenshots/{name}{suffix}.svg")


def main() -> None:
    config = load_config(HERE.parent / "config.example.yaml", env={})
    with tempfile.TemporaryDirectory() as directory:
        database = open_database(str(Path(directory) / "demo.db"))
        clock = FixedClock(seed_start())
        asyncio.run(record_demo(config, database, clock))
        asyncio.run(render(config, clock.now, (100, 30)))
        asyncio.run(render(config, clock.now, (80, 24)))
        database.close()


if __name__ == "__main__":
    main()
