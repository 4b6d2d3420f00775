"""A TEST DOUBLE of the listener's console side (interfaces 2-6 of issue 15), for the attached
console's tests while the real one (api/) is built on another branch: `GET /api/v1/engine`,
`GET /api/v1/stream` (Server-Sent Events), `GET /health` with `channels_failing`, and the incident
and pause operations with the console credential and `X-Uptime-Operator`. It serves a real engine
(tests/support/api.py `running`), on 127.0.0.1, in the test's loop. Not product code: the lead
replaces these tests' double with the real listener after the merge.

`cut_streams()` ends every open stream and refuses new ones until `restore_streams()`: an engine
lost and found again, without stopping the engine.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
from datetime import timedelta

from aiohttp import web

from uptime_tui.operator import OperationRefused, Operator

CONSOLE_TOKEN = "console-token-0123456789abcdef"
READ_ONLY_TOKEN = "read-only-token-0123456789abcdef"
STATUS_OF_REFUSAL = {"not_found": 404, "conflict": 409, "invalid": 400}


class ListenerDouble:
    """The double; `url` once started."""

    def __init__(self, engine, ping_every: float = 10.0) -> None:
        self.engine = engine
        self.ping_every = ping_every
        self.identity = {"host": socket.gethostname(), "pid": os.getpid(), "kind": "serve",
                         "version": "test", "started_at": "2026-11-23T06:00:00+00:00", "epoch": 1}
        self.streams_cut = asyncio.Event()
        self.refusing = False
        self.streams_served = 0
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> "ListenerDouble":
        app = web.Application()
        app.router.add_get("/api/v1/engine", self._engine)
        app.router.add_get("/api/v1/stream", self._stream)
        app.router.add_get("/health", self._health)
        app.router.add_post("/api/v1/incidents/{id}/{operation}", self._incident_operation)
        app.router.add_post("/api/v1/{kind}s/{ref}/{operation}", self._pause_operation)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        return self

    async def stop(self) -> None:
        self.cut_streams()
        await self._runner.cleanup()

    def cut_streams(self) -> None:
        self.refusing = True
        self.streams_cut.set()

    def restore_streams(self) -> None:
        self.refusing = False
        self.streams_cut = asyncio.Event()

    def _token(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        if token not in (CONSOLE_TOKEN, READ_ONLY_TOKEN):
            raise web.HTTPUnauthorized(text=json.dumps({"error": "a valid key is needed"}),
                                       content_type="application/json")
        return token

    async def _engine(self, request: web.Request) -> web.Response:
        self._token(request)
        return web.json_response(self.identity)

    async def _health(self, request: web.Request) -> web.Response:
        body = self.engine.health().to_dict()
        body["channels_failing"] = sorted(name for name, health in self.engine.notifier.channel_health().items()
                                          if health.failing_since)
        return web.json_response(body)

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        self._token(request)
        if self.refusing:
            raise web.HTTPServiceUnavailable()
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(f"event: hello\ndata: {json.dumps(self.identity)}\n\n".encode())
        queue = self.engine.subscribe()
        self.streams_served += 1  # counted once subscribed: from now on no event is missed
        cut = asyncio.create_task(self.streams_cut.wait())
        try:
            while not cut.done():
                got = asyncio.create_task(queue.get())
                done, _ = await asyncio.wait([got, cut], timeout=self.ping_every,
                                             return_when=asyncio.FIRST_COMPLETED)
                if got in done:
                    await response.write(f"data: {json.dumps(got.result(), default=str)}\n\n".encode())
                else:
                    got.cancel()
                    if not done:
                        await response.write(b": ping\n\n")
        finally:
            cut.cancel()
            self.engine._subscribers.remove(queue)  # the double's only reach into the engine
        return response

    def _operator(self, request: web.Request) -> Operator:
        if self._token(request) == READ_ONLY_TOKEN:
            raise _error(403, "this console's key is read-only: nothing was changed")
        header = request.headers.get("X-Uptime-Operator")
        if header is None:
            raise _error(400, "X-Uptime-Operator is needed with the console credential")
        person = json.loads(header)
        return Operator("user", person["name"], person.get("context") or {}, person.get("email"))

    async def _incident_operation(self, request: web.Request) -> web.Response:
        operator = self._operator(request)
        incident_id = int(request.match_info["id"])
        body = await request.json() if request.can_read_body else {}
        group = bool(body.get("whole_group", False))
        name = request.match_info["operation"]
        calls = {
            "acknowledge": lambda: self.engine.acknowledge(incident_id, operator, whole_group=group),
            "unsnooze": lambda: self.engine.unsnooze(incident_id, operator, whole_group=group),
            "snooze": lambda: self.engine.snooze(incident_id, operator, whole_group=group,
                                                 duration=timedelta(seconds=float(body["duration"]))),
            "resolve": lambda: self.engine.resolve(incident_id, operator, body["reason"], whole_group=group),
            "reopen": lambda: self.engine.reopen(incident_id, operator, body.get("reason")),
        }
        return await _answer(calls[name]())

    async def _pause_operation(self, request: web.Request) -> web.Response:
        operator = self._operator(request)
        kind, ref = request.match_info["kind"], request.match_info["ref"]
        operation = self.engine.pause if request.match_info["operation"] == "pause" else self.engine.unpause
        return await _answer(operation(kind, int(ref) if ref.isdigit() else ref, operator))


async def _answer(call) -> web.Response:
    try:
        outcome = await call
    except OperationRefused as refused:
        raise _error(STATUS_OF_REFUSAL.get(refused.kind, 400), refused.message)
    return web.json_response({"message": outcome.message, "incident_ids": list(outcome.incident_ids)})


def _error(status: int, message: str) -> web.HTTPException:
    return _HTTP_ERRORS[status](text=json.dumps({"error": message}), content_type="application/json")


_HTTP_ERRORS = {400: web.HTTPBadRequest, 403: web.HTTPForbidden, 404: web.HTTPNotFound, 409: web.HTTPConflict}
