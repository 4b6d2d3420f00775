"""`GET /api/v1/engine` (who the engine is) and `GET /api/v1/stream` (its events, live).

A console attached to an engine in another process follows it through the stream: Server-Sent
Events (the WHATWG HTML standard's `text/event-stream`), first `event: hello` with the engine's
identity, then every event payload the engine publishes as one `data:` line of JSON, and a `: ping`
comment every PING_EVERY seconds so either side notices a connection that died without a word.

Each client reads its own `subscribe()` queue, which the engine never waits for (a stalled client
loses its oldest payloads), and which is given back when the client leaves: its connection's end
is watched (api/connections.py), not only noticed at the next failed write. The listener's stop
closes every stream at once (the application's shutdown signal), so an open stream never holds
the engine's stop for aiohttp's shutdown timeout.
"""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from uptime_tui.api import app_keys
from uptime_tui.api.auth import requires

PING_EVERY = 10.0  # seconds between keep-alive comments
CLOSING: web.AppKey[asyncio.Event] = web.AppKey("streams_closing", asyncio.Event)


def _identity(request: web.Request) -> dict:
    return request.app.get(app_keys.IDENTITY) or {}


@requires("read")
async def engine(request: web.Request) -> web.Response:
    """The engine's identity: host, pid, kind, version, started_at and the lease's epoch."""
    return web.json_response(_identity(request))


def _event(data: dict, name: str | None = None) -> bytes:
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {json.dumps(data, separators=(',', ':'), default=str)}\n\n".encode()


@requires("read")
async def stream(request: web.Request) -> web.StreamResponse:
    """The hello, then the engine's event payloads until the client, or the listener, goes."""
    port = request.app[app_keys.ENGINE]
    closing = request.app[CLOSING]
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                           "X-Accel-Buffering": "no"})
    queue = port.subscribe()
    ending = asyncio.ensure_future(closing.wait())
    payload: asyncio.Future | None = None
    try:
        await response.prepare(request)
        await response.write(_event(_identity(request), "hello"))
        # The cap's own future for this connection: waited on, never cancelled here.
        lost = request.app[app_keys.CONNECTIONS].until_lost(request.transport)
        while not (lost.done() or ending.done()):
            payload = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait([payload, lost, ending], timeout=PING_EVERY,
                                         return_when=asyncio.FIRST_COMPLETED)
            if payload not in done:
                payload.cancel()
                if not done:
                    await response.write(b": ping\n\n")
                continue
            batch = [payload.result()]
            while not queue.empty():  # a burst goes out in one write
                batch.append(queue.get_nowait())
            await response.write(b"".join(_event(p) for p in batch))
    except ConnectionError:
        pass  # the client went while we wrote: nothing to answer
    finally:
        port.unsubscribe(queue)
        ending.cancel()
        if payload is not None:
            payload.cancel()
    return response


async def _close_streams(app: web.Application) -> None:
    app[CLOSING].set()


def add_routes(app: web.Application) -> None:
    """Mount `/api/v1/engine` and `/api/v1/stream`; the application's shutdown ends the streams."""
    app[CLOSING] = asyncio.Event()
    app.on_shutdown.append(_close_streams)
    app.router.add_get("/api/v1/engine", engine, allow_head=False)
    app.router.add_get("/api/v1/stream", stream, allow_head=False)


_IDENTITY_SCHEMA = {"type": "object", "description": "Empty when the engine runs without a lease", "properties": {
    "host": {"type": "string"}, "pid": {"type": "integer"},
    "kind": {"type": "string", "enum": ["serve", "console"]}, "version": {"type": "string"},
    "started_at": {"type": "string", "format": "date-time"}, "epoch": {"type": "integer"}}}
# Each event of the stream, as a reader parses it: the hello is named, payloads are not.
_SSE_EVENT = {"type": "object", "properties": {"event": {"type": "string", "enum": ["hello"]},
                                               "data": {"type": "string", "description": "JSON"}},
              "required": ["data"]}
_UNAUTHORIZED = {"description": "No valid API key or console credential",
                 "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

OPENAPI_PATHS = {
    "/api/v1/engine": {"get": {
        "summary": "Which engine answers: its host, process, kind, version, start and lease epoch",
        "tags": ["engine"],
        "responses": {"200": {"description": "The engine's identity",
                              "content": {"application/json": {"schema": _IDENTITY_SCHEMA}}},
                      "401": _UNAUTHORIZED},
    }},
    "/api/v1/stream": {"get": {
        "summary": "The engine's events as Server-Sent Events, until the client or the engine goes",
        "description": "First `event: hello` whose data is the engine's identity (as /api/v1/engine), then "
                       "each event payload as a `data:` line of JSON, in the order the engine published "
                       f"them; a `: ping` comment every {PING_EVERY:g} seconds. A client that reads too "
                       "slowly loses its oldest payloads, never holds the engine back.",
        "tags": ["engine"],
        "responses": {"200": {"description": "The stream",
                              "content": {"text/event-stream": {"schema": _SSE_EVENT}}},
                      "401": _UNAUTHORIZED},
    }},
}
