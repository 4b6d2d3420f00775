"""The runtime: what it builds and how it starts and stops, the engine's import hygiene, and the
listener serving an engine through its port only. Real sockets on 127.0.0.1, real SQLite files,
real `serve` processes."""

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
import pytest

from support.api import WRITE, Clock, config, running
from uptime_tui.api.listener import Listener
from uptime_tui.engine.health import EngineHealth
from uptime_tui.operator import OperationRefused, Operator, Outcome
from uptime_tui.runtime import descriptors
from uptime_tui.runtime.assembly import Runtime, RuntimeOptions
from uptime_tui.runtime.engine_thread import EngineThread
from uptime_tui.runtime.serve import serve
from uptime_tui.store import open_database
from uptime_tui.store.outage import DatabaseHealth
from uptime_tui.store.reader import Reader

ROOT = Path(__file__).resolve().parent.parent


def taken_port() -> socket.socket:
    """A listening socket on 127.0.0.1 holding its port (close it when done)."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    return holder


def listening_on(port: int):
    """The API tests' config, listening on `port`."""
    parsed = config()
    return replace(parsed, settings=replace(parsed.settings, listen_port=port))


def writer_threads() -> int:
    return sum(t.name == "uptime-tui-writer" and t.is_alive() for t in threading.enumerate())


@pytest.mark.anyio
async def test_a_runtime_that_cannot_listen_stops_what_it_started(tmp_path):
    holder = taken_port()
    database, before = open_database(str(tmp_path / "u.db")), writer_threads()
    runtime = Runtime(listening_on(holder.getsockname()[1]), database, RuntimeOptions(probes=False), clock=Clock(),
                      listener=Listener)
    try:
        with pytest.raises(OSError):
            await runtime.start()
        assert writer_threads() == before  # the engine's writer was drained and ended
        assert runtime.listener is not None and runtime.notifier is not None
    finally:
        holder.close()
        database.close()


def test_serve_says_why_it_cannot_listen_and_exits_1(tmp_path):
    holder = taken_port()
    config_path = tmp_path / "config.yaml"
    config_path.write_text(f"settings: {{listen: '127.0.0.1:{holder.getsockname()[1]}'}}\n"
                           "heartbeats: [{id: job, period: 1h, token: job-token-12345}]\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("UPTIME_TUI_")}
    try:
        done = subprocess.run([sys.executable, "-m", "uptime_tui", "serve", "--config", str(config_path),
                               "--db", str(tmp_path / "u.db")], capture_output=True, text=True, cwd=ROOT,
                              env=env, timeout=60, stdin=subprocess.DEVNULL)
    finally:
        holder.close()
    assert done.returncode == 1, done.stderr
    assert "cannot serve:" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.anyio
async def test_a_stop_signal_during_start_up_serves_then_stops(tmp_path, caplog):
    config_path = tmp_path / "config.yaml"
    config_path.write_text("heartbeats: [{id: job, period: 1h, token: job-token-12345}]\n")
    database = open_database(str(tmp_path / "u.db"))
    loop = asyncio.get_running_loop()
    try:
        with caplog.at_level(logging.INFO, logger="uptime_tui"):
            async with asyncio.timeout(30):
                await serve(config(config_path.read_text()), database, config_path, [signal.SIGTERM], Listener)
    finally:
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(number)
        database.close()
    said = [r.getMessage() for r in caplog.records if r.name == "uptime_tui"]
    assert said[0].startswith("serving 0 monitors and 1 heartbeats; listening on http://127.0.0.1:")
    assert said[-1] == "stopping"


@pytest.mark.anyio
async def test_health_adds_the_listeners_connections_to_the_engines_health(tmp_path):
    database = open_database(str(tmp_path / "u.db"))
    async with running(database, Clock()) as runtime:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{runtime.listener.port}") as client:
            body = (await client.get("/health")).json()
    database.close()
    cap = runtime.listener.connections
    assert list(body) == ["status", "problems", "database", "checks_skipped", "short_of_descriptors_since",
                          "channels_failing", "listener"]
    assert body["listener"] == {"connections": 1, "limit": cap.limit, "dropped": 0, "idle_closed": 0}
    assert cap.limit == descriptors.plan(runtime.options.engine.max_concurrent).listener_connections


def test_the_engine_thread_reports_why_its_runtime_did_not_start(tmp_path):
    holder = taken_port()
    database = open_database(str(tmp_path / "u.db"))
    thread = EngineThread(lambda: Runtime(listening_on(holder.getsockname()[1]), database,
                                          RuntimeOptions(probes=False, notify=False), listener=Listener))
    try:
        with pytest.raises(OSError):
            thread.start(on_event=lambda payload: None)
        with pytest.raises(RuntimeError, match="not running"):
            thread.call(lambda engine: engine.acknowledge(1, Operator("user", "alice")))
    finally:
        thread.stop()
        holder.close()
        database.close()


@dataclass
class PortOnly:
    """An engine that is nothing but the port the API is given: what the API calls, it records."""

    config: object
    calls: list = field(default_factory=list)

    def clock(self):
        return Clock().now

    def health(self) -> EngineHealth:
        return EngineHealth(DatabaseHealth(True, None, None, 0, 0, 0, 100), 0, None)

    def heartbeat_token(self, heartbeat_id):
        return None

    async def receive_ping(self, ping):
        return False

    async def pause(self, kind, ref, operator):
        self.calls.append(("pause", kind, ref, operator.type, operator.name))
        if ref != "web":
            raise OperationRefused("not_found", f"{kind} {ref} not found")
        return Outcome(f"Monitor Web paused by {operator.name}")

    async def unpause(self, kind, ref, operator):
        self.calls.append(("unpause", kind, ref, operator.type, operator.name))
        raise OperationRefused("conflict", "monitor Web is already running")


@pytest.mark.anyio
async def test_the_api_calls_the_engines_named_operations_and_maps_its_refusals(tmp_path):
    engine, database = PortOnly(config()), open_database(str(tmp_path / "u.db"))
    reads = Reader(database, 1, "test-read")
    listener = Listener("127.0.0.1", 0, engine.receive_ping, engine, reads)
    await listener.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{listener.port}") as client:
            paused = await client.post("/api/v1/monitors/web/pause", headers=WRITE)
            assert (paused.status_code, paused.json()) == (200, {"message": "Monitor Web paused by chat-bot"})
            missing = await client.post("/api/v1/monitors/7/pause", headers=WRITE)
            assert (missing.status_code, missing.json()) == (404, {"error": "monitor 7 not found"})
            running_already = await client.post("/api/v1/monitors/web/unpause", headers=WRITE)
            assert (running_already.status_code, running_already.json()) == (
                409, {"error": "monitor Web is already running"})
            assert (await client.get("/health")).json()["status"] == "ok"
    finally:
        await listener.stop()
        reads.close()
        database.close()
    # A row id first, then the same digits as a YAML id; always as the request's API key.
    assert engine.calls == [("pause", "monitor", "web", "api_key", "chat-bot"),
                            ("pause", "monitor", 7, "api_key", "chat-bot"),
                            ("pause", "monitor", "7", "api_key", "chat-bot"),
                            ("unpause", "monitor", "web", "api_key", "chat-bot")]
