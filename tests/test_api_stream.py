"""The event stream over real HTTP: the hello names the engine, every payload reaches every
client in the engine's order, a client that goes is unsubscribed, a stream is never evicted as an
idle connection, and the listener's stop ends open streams without waiting out a timeout."""

import asyncio
import socket

import httpx
import pytest

from support.api import CONFIG, READ, Clock, feed, open_incident, serving
from support.network import free_port
from support.attached import IDENTITY, as_console, attachable, streaming


async def _until(condition, timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


@pytest.mark.anyio
async def test_two_clients_get_a_checks_and_an_incidents_payloads_in_order(database):
    clock = Clock()
    async with attachable(database, clock) as (runtime, client):
        engine = runtime.engine
        async with streaming(client, as_console(None)) as first, streaming(client, READ) as second:
            assert first.response.headers["content-type"] == "text/event-stream"
            assert await first.next() == ("hello", IDENTITY)
            assert await second.next() == ("hello", IDENTITY)
            await _until(lambda: len(engine._subscribers) == 2)
            await feed(engine, clock, "web", success=False, times=2)  # confirmation 2: down, incident opens
            seen = [await stream.payloads_until(lambda p: p["event"] == "incident.started")
                    for stream in (first, second)]
        assert seen[0] == seen[1]
        events = [p["event"] for p in seen[0]]
        assert events[:2] == ["monitor.checked", "monitor.checked"]
        assert events.index("monitor.down") < events.index("incident.started")
        assert all(p["monitor_name"] == "Web" for p in seen[0] if p["event"].startswith("monitor."))
        assert seen[0][-1]["resource_name"] == "Web"


@pytest.mark.anyio
async def test_a_client_that_goes_is_unsubscribed(database):
    clock = Clock()
    async with attachable(database, clock) as (runtime, client):
        engine = runtime.engine
        async with streaming(client, READ) as stream:
            await stream.next()
            await _until(lambda: len(engine._subscribers) == 1)
        # The client closed its connection without a word: no write has to fail first.
        await _until(lambda: engine._subscribers == [])
        # A raw socket that vanishes mid-stream, too.
        port = runtime.listener.port
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: {READ['Authorization']}\r\n\r\n".encode())
        await writer.drain()
        async with asyncio.timeout(10):
            assert b"event: hello" in await reader.readuntil(b"\n\n")
        assert len(engine._subscribers) == 1
        writer.transport.abort()
        await _until(lambda: engine._subscribers == [])
        await feed(engine, clock, "web")  # publishing to nobody is fine


@pytest.mark.anyio
async def test_a_stream_is_not_evicted_as_idle(database):
    clock = Clock()
    async with attachable(database, clock) as (runtime, client):
        runtime.listener.connections.limit = 2  # the runtime sizes it from the descriptor budget
        async with streaming(client, READ) as stream:
            await stream.next()
            idle = []
            for _ in range(3):  # each one at the cap takes the place of an idle one, never the stream's
                sock = socket.create_connection(("127.0.0.1", runtime.listener.port))
                idle.append(sock)
                await asyncio.sleep(0.05)
            await _until(lambda: runtime.listener.connections.evicted >= 2)
            await feed(runtime.engine, clock, "web")
            _, payload = await stream.next()
            assert payload["event"] == "monitor.checked"
            for sock in idle:
                sock.close()


@pytest.mark.anyio
async def test_the_listeners_stop_ends_open_streams(database):
    clock = Clock()
    async with attachable(database, clock) as (runtime, client):
        async with streaming(client, READ) as stream:
            await stream.next()
            async with asyncio.timeout(4):  # far below aiohttp's own shutdown timeout (60 s)
                await runtime.listener.stop()
            with pytest.raises((EOFError, httpx.HTTPError)):
                await stream.next()
        assert runtime.engine._subscribers == []
        runtime.listener = None  # stopped already: the runtime's stop has only the engine left


@pytest.mark.anyio
async def test_a_stalled_client_never_holds_the_engine(database):
    clock = Clock()
    async with attachable(database, clock) as (runtime, client):
        engine = runtime.engine
        reader, writer = await asyncio.open_connection("127.0.0.1", runtime.listener.port)
        writer.write(f"GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: {READ['Authorization']}\r\n\r\n".encode())
        await writer.drain()
        await _until(lambda: len(engine._subscribers) == 1)
        # The client reads nothing while the engine publishes far more than a socket buffers.
        async with asyncio.timeout(30):
            for _ in range(40):
                engine._publish([{"event": "monitor.checked", "message": "x" * 2000}] * 500)
                await asyncio.sleep(0)
            await feed(engine, clock, "web")
        assert engine._subscribers[0].qsize() <= 10_000
        writer.transport.abort()
        await _until(lambda: engine._subscribers == [])


@pytest.mark.anyio
async def test_health_lists_failing_channels(database):
    clock = Clock()
    # The web monitor notifies a webhook nobody listens on; nothing notifies the quiet one.
    text = CONFIG.replace("degraded_after: 1s}", "degraded_after: 1s, channels: [hook]}") + f"""
channels:
  - {{id: hook, webhook: {{url: "http://127.0.0.1:{free_port()}/"}}}}
  - {{id: quiet, webhook: {{url: "http://127.0.0.1:{free_port()}/"}}}}
"""
    async with serving(database, clock, text) as (engine, client):
        body = (await client.get("/health")).json()
        assert body["channels_failing"] == []
        await open_incident(engine, clock)
        async with asyncio.timeout(20):
            while body["channels_failing"] == []:
                await asyncio.sleep(0.05)
                body = (await client.get("/health")).json()
        assert body["channels_failing"] == ["hook"]
        assert body["status"] == "ok"  # a channel's trouble is not the engine's
