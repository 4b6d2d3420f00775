"""Heartbeat ping endpoints, following Healthchecks' URLs and Uptime Kuma's push form.

A job that pings Healthchecks switches by changing only the base URL:
`/ping/<token>` (success), `/ping/<token>/start`, `/ping/<token>/fail`,
`/ping/<token>/<exit-status>` (0 success, 1-255 failure), by GET, HEAD or POST. Uptime Kuma's
`/api/push/<token>?status=up|down&msg=...&ping=...` is accepted too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable

from aiohttp import web

BODY_LIMIT = 10 * 1024  # bytes of a ping's body that are kept


@dataclass(frozen=True)
class Ping:
    """One ping as received."""

    token: str
    kind: str  # success, start, fail, exit
    exit_status: int | None = None
    body: str | None = None
    remote_addr: str | None = None
    user_agent: str | None = None


# Returns False when no (active) heartbeat has this token.
PingHandler = Callable[[Ping], Awaitable[bool]]


def add_routes(app: web.Application, receive: PingHandler) -> None:
    """Mount the ping endpoints on `app`."""

    async def ping(request: web.Request) -> web.Response:
        token, action = request.match_info["token"], request.match_info.get("action", "")
        if action in ("", "start", "fail"):
            kind, status = (action or "success"), None
        elif action.isdigit() and int(action) <= 255:
            status = int(action)
            kind = "exit"
        else:
            return web.Response(status=400, text="invalid url format")
        accepted = await receive(await _ping_from(request, token, kind, status))
        return web.Response(text="OK") if accepted else web.Response(status=404, text="not found")

    async def push(request: web.Request) -> web.Response:
        status = request.query.get("status", "up")
        if status not in ("up", "down"):
            return web.json_response({"ok": False, "msg": "status must be up or down"}, status=400)
        ping_ = await _ping_from(request, request.match_info["token"], "success" if status == "up" else "fail", None)
        if request.query.get("msg"):
            ping_ = Ping(**{**ping_.__dict__, "body": request.query["msg"][:BODY_LIMIT]})
        if not await receive(ping_):
            return web.json_response({"ok": False, "msg": "Monitor not found or not active."}, status=404)
        return web.json_response({"ok": True})

    for method in ("GET", "HEAD", "POST"):
        app.router.add_route(method, "/ping/{token}", ping)
        app.router.add_route(method, "/ping/{token}/{action}", ping)
        app.router.add_route(method, "/api/push/{token}", push)


async def _ping_from(request: web.Request, token: str, kind: str, status: int | None) -> Ping:
    body = None
    if request.can_read_body:
        raw = await request.content.read(BODY_LIMIT)  # never more than the limit in memory
        body = raw.decode("utf-8", errors="replace") or None
    return Ping(token, kind, status, body, request.remote, request.headers.get("User-Agent"))
