"""Shared by the console tests (no tests here): a database holding ten minutes of the demo."""

import asyncio
from pathlib import Path

from uptime_tui.config import load_config
from support.clock import FixedClock, seed_start
from support.recording import record_demo
from uptime_tui.store import open_database

ROOT = Path(__file__).resolve().parents[2]


def recorded_demo(directory: Path):
    """Record the demo into `directory`/demo.db: (config, the database's path, the moment it ends)."""
    path = directory / "demo.db"
    config = load_config(ROOT / "config.example.yaml", env={})
    database = open_database(str(path))
    clock = FixedClock(seed_start())
    asyncio.run(record_demo(config, database, clock))
    database.close()
    return config, path, clock.now
