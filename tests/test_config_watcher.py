"""The config watcher outlives broken files and a failing reload: each refusal is logged, and the
next valid edit is applied without a SIGHUP. A real engine on a real SQLite file."""

import asyncio
from contextlib import asynccontextmanager
import logging
import os

import pytest

from uptime_tui.config import load_config
from uptime_tui.runtime.config_watcher import ConfigWatcher
from uptime_tui.engine.service import Engine
from uptime_tui.store import open_database


def config_text(name: str) -> str:
    return f"monitors:\n  - {{id: web, name: {name}, type: http, url: 'http://127.0.0.1:9/', interval: 1m}}\n"


BOMB = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 9))

# Each broken file, and a piece of the problem the watcher must log for it.
BROKEN = [
    (b"monitors:\n  - id: {a: 1}\n    type: http\n    url: http://x/\n",
     "monitors[0].id: expected text, got a mapping"),
    (b"monitors:\n  - id: [a]\n    type: http\n    url: http://x/\n", "monitors[0].id: expected text, got a list"),
    (b"maintenance: [{id: w, tags: [x], start: 2026-13-45, end: 2026-01-01 11:00}]\n", "month must be in 1..12"),
    (b"monitors: [{id: web, type: http, url: 'http://x/', confirmation: " + b"9" * 5000 + b"}]\n",
     "more than 4,300 digits"),
    (BOMB.encode(), "values once its aliases are expanded"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8 text"),
    (b"monitors: [\x00]\n", "cannot read character #x0000"),
]


class EngineFailingOnce(Engine):
    """A real engine whose first reload fails, as one would on a database that went away."""

    failed = False

    async def reload(self, config):
        if not self.failed:
            self.failed = True
            raise RuntimeError("the database went away")
        return await super().reload(config)


async def until(condition, what: str) -> None:
    async with asyncio.timeout(20):  # bounded; the watcher polls every 20 ms
        while not condition():
            await asyncio.sleep(0.01)


class Editor:
    """Writes the file with a modification time that always moves on (coarse clocks tie)."""

    def __init__(self, path):
        self.path, self.stamp = path, os.stat(path).st_mtime_ns

    def write(self, data: bytes) -> None:
        self.path.write_bytes(data)
        self.stamp += 1_000_000_000
        os.utime(self.path, ns=(self.stamp, self.stamp))


@asynccontextmanager
async def watched(engine_class, tmp_path, config_path):
    """A started engine on the config, and a watcher polling its file every 20 ms."""
    database = open_database(str(tmp_path / "uptime.db"))
    engine = engine_class(load_config(config_path, {}), database)
    await engine.start()
    watcher = ConfigWatcher(config_path, engine, interval=0.02)
    watching = asyncio.create_task(watcher.run())
    try:
        yield engine, watcher, watching
    finally:
        watching.cancel()
        await engine.stop()
        database.close()


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(config_text("Web"))
    return path


@pytest.mark.anyio
async def test_the_watcher_survives_every_broken_file_and_applies_the_next_valid_edit(tmp_path, config_path, caplog):
    caplog.set_level(logging.INFO, logger="uptime_tui.runtime.config_watcher")
    async with watched(Engine, tmp_path, config_path) as (engine, watcher, watching):
        editor = Editor(config_path)
        for data, expected in BROKEN:
            editor.write(data)
            await until(lambda: any(expected in str(p) for p in watcher.problems), expected)
            assert not watching.done()
            assert any(expected in r.getMessage() and r.getMessage().startswith("config not reloaded: ")
                       for r in caplog.records), expected
        editor.write(config_text("Web edited").encode())
        await until(lambda: engine.config.monitors[0].name == "Web edited", "the valid edit applied")
        assert watcher.problems == [] and not watching.done()
    assert not any(r.exc_info for r in caplog.records if r.levelno >= logging.ERROR)


@pytest.mark.anyio
async def test_the_watcher_survives_an_engine_whose_reload_raises(tmp_path, config_path, caplog):
    caplog.set_level(logging.INFO, logger="uptime_tui.runtime.config_watcher")
    async with watched(EngineFailingOnce, tmp_path, config_path) as (engine, watcher, watching):
        editor = Editor(config_path)
        editor.write(config_text("First").encode())
        await until(lambda: engine.failed and watcher.problems, "the failed reload reported")
        [line] = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
        assert line == (f"config not reloaded: {config_path}:0:0: the engine failed while applying it "
                        "(unexpected RuntimeError)")
        editor.write(config_text("Second").encode())
        await until(lambda: engine.config.monitors[0].name == "Second", "the next edit applied")
        assert watcher.problems == [] and not watching.done()
