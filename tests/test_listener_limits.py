"""The listener's limits (connections, idle and slow clients), the descriptor budget, the engine's
own faults kept apart from the monitors', and GET /health. Real sockets on 127.0.0.1."""

import asyncio
import logging
import resource
import sqlite3

import httpx
import pytest

from support.api import Clock, feed, serving
from uptime_tui.api.listener import Listener
from uptime_tui.results import CheckResult as ProbeResult
from uptime_tui.runtime import descriptors
from uptime_tui.store import open_database
from uptime_tui.store.models import CheckResult, Event

pytestmark = pytest.mark.anyio


async def ok_ping(ping) -> bool:
    return True


async def closed_by_server(reader: asyncio.StreamReader, within: float) -> bool:
    """Whether the server ends the connection within `within` seconds."""
    try:
        async with asyncio.timeout(within):
            return await reader.read(1024) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


async def test_at_the_cap_a_new_connection_takes_the_place_of_the_oldest_idle_one():
    listener = Listener("127.0.0.1", 0, ok_ping, max_connections=5, idle_timeout=30)
    await listener.start()
    try:
        idle = [await asyncio.open_connection("127.0.0.1", listener.port) for _ in range(5)]
        await asyncio.sleep(0.1)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{listener.port}") as client:
            assert (await client.get("/ping/some-token")).status_code == 200  # not locked out
        for reader, _ in idle[:1]:  # the oldest idle one made room for the ping
            assert await closed_by_server(reader, 5), "the oldest idle connection was kept"
        assert listener.connections.evicted >= 1 and listener.connections.refused == 0
        assert listener.connections.open <= 5
        for _, writer in idle:
            writer.close()
    finally:
        await listener.stop()


async def test_when_every_connection_is_busy_a_new_one_is_dropped():
    release = asyncio.Event()

    async def slow_ping(ping) -> bool:
        await release.wait()
        return True

    listener = Listener("127.0.0.1", 0, slow_ping, max_connections=3, idle_timeout=30)
    await listener.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{listener.port}", timeout=10) as client:
            busy = [asyncio.create_task(client.get("/ping/some-token")) for _ in range(3)]
            for _ in range(100):
                await asyncio.sleep(0.02)
                if sum(c.busy for c in listener.connections._open) == 3:
                    break
            reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
            assert await closed_by_server(reader, 5)
            assert listener.connections.refused == 1
            release.set()
            assert [r.status_code for r in await asyncio.gather(*busy)] == [200, 200, 200]
            writer.close()
    finally:
        await listener.stop()


async def test_idle_and_slow_clients_are_timed_out():
    listener = Listener("127.0.0.1", 0, ok_ping, idle_timeout=0.5)
    await listener.start()
    try:
        silent_reader, silent = await asyncio.open_connection("127.0.0.1", listener.port)
        slow_reader, slow = await asyncio.open_connection("127.0.0.1", listener.port)
        for chunk in (b"GET /ping/x HTTP/1.1\r\n", b"Host: 127.0.0.1\r\n", b"X-Slow: 1\r\n"):
            slow.write(chunk)  # a request head that never ends (slowloris)
            await asyncio.sleep(0.2)
        assert await closed_by_server(silent_reader, 5)
        assert await closed_by_server(slow_reader, 5)
        silent.close()
        slow.close()
        for _ in range(50):
            await asyncio.sleep(0.05)
            if listener.connections.open == 0:
                break
        assert listener.connections.open == 0
    finally:
        await listener.stop()


def test_the_soft_descriptor_limit_is_raised_and_shared_out():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2048:
        pytest.skip(f"the hard limit ({hard}) leaves nothing to raise")
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
        budget = descriptors.plan(256)
        assert budget.soft_before == 1024 and budget.soft > 1024
        assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == budget.soft
        assert budget.reserved_for_checks >= 512
        assert budget.listener_connections <= (budget.soft - budget.reserved_for_checks) // 2
        assert "raised from 1024" in budget.describe()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_under_systemds_default_limit_the_listener_leaves_the_checks_their_share(monkeypatch):
    monkeypatch.setattr(resource, "setrlimit", lambda *a: (_ for _ in ()).throw(ValueError("not allowed")))
    monkeypatch.setattr(resource, "getrlimit", lambda kind: (1024, 1024))
    budget = descriptors.plan(256)
    assert budget.soft == 1024
    assert budget.listener_connections + budget.reserved_for_checks < 1024


async def test_a_check_the_engine_could_not_run_for_lack_of_descriptors_is_not_the_monitors(tmp_path, monkeypatch, caplog):
    database, clock = open_database(str(tmp_path / "uptime.db")), Clock()
    async with serving(database, clock) as (engine, client):
        monitor = engine.monitors["web"].item
        fault = "the engine ran out of file descriptors (Too many open files)"

        async def out_of_descriptors(monitor):
            return ProbeResult(monitor.id, False, fault, 0.0, None, None, "local", clock.now,
                               engine_fault=fault)

        monkeypatch.setattr(engine, "probe", out_of_descriptors)
        with caplog.at_level(logging.ERROR, logger="uptime_tui.engine.health"):
            for _ in range(5):
                await engine._check(monitor)
        assert engine.monitors["web"].state.status != "down"
        assert Event.select().where(Event.name == "monitor.down").count() == 0
        assert CheckResult.select().count() == 0
        answer = await client.get("/health")
        assert answer.status_code == 503 and answer.json()["checks_skipped"] == 5
        assert sum("out of file descriptors" in r.getMessage() for r in caplog.records) == 1

        async def fine(monitor):
            return ProbeResult(monitor.id, True, None, 0.01, 5.0, 200, "local", clock.now)

        monkeypatch.setattr(engine, "probe", fine)
        await engine._check(monitor)
        assert (await client.get("/health")).status_code == 200
    database.close()


async def test_health_says_when_the_database_is_unreachable(tmp_path, monkeypatch):
    import uptime_tui.store.database as store_database

    monkeypatch.setitem(store_database.SQLITE_PRAGMAS, "busy_timeout", 50)
    path = str(tmp_path / "uptime.db")
    database, clock = open_database(path), Clock()
    async with serving(database, clock) as (engine, client):
        healthy = await client.get("/health")
        assert healthy.status_code == 200 and healthy.json()["database"]["reachable"] is True
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        await feed(engine, clock, "api", times=2)
        for _ in range(100):
            answer = await client.get("/health")
            if answer.status_code == 503:
                break
            await asyncio.sleep(0.05)
        body = answer.json()
        assert answer.status_code == 503 and body["status"] == "degraded"
        assert body["database"]["reachable"] is False and "locked" in body["database"]["last_error"]
        assert body["problems"][0].startswith("database unreachable")
        other.execute("COMMIT")
        other.close()
        await feed(engine, clock, "api")
        for _ in range(100):
            if (await client.get("/health")).status_code == 200:
                break
            await asyncio.sleep(0.05)
        assert (await client.get("/health")).status_code == 200
    database.close()


async def test_the_header_names_the_engines_own_problems():
    from collections import Counter

    from textual.app import App

    from uptime_tui.tui.widgets.status_bar import StatusBar, Summary

    class Header(App):
        def compose(self):
            yield StatusBar()

    async with Header().run_test() as pilot:
        bar = pilot.app.query_one(StatusBar)
        bar.show(Summary(Counter(up=3), Counter(), 0, 0, "local", "09:00:00Z",
                         engine_problems=("database unreachable since 08:59:40Z",)))
        assert "⚠ database unreachable since 08:59:40Z" in bar.render().plain
