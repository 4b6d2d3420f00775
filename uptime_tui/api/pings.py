"""Heartbeat ping endpoints, following Healthchecks' URLs and Uptime Kuma's push form.

A job that pings Healthchecks switches by changing only the base URL. By token:
`/ping/<token>` (success), `/ping/<token>/start`, `/ping/<token>/fail`, `/ping/<token>/log`,
`/ping/<token>/<exit-status>` (0 success, 1-255 failure). By slug, with `settings.ping_key`:
`/ping/<ping-key>/<slug>` and the same suffixes after the slug. GET, HEAD or POST. Uptime Kuma's
`/api/push/<token>?status=up|down&msg=...&ping=...` is accepted too.

The answers are Healthchecks': 200 `OK`; 404 `not found` for an unknown token, key or slug, a
paused heartbeat, or an unknown suffix; 400 `invalid url format` for an exit status above 255
or a slug with capitals. A `/log` ping keeps its body and changes no state. Healthchecks'
`?create=1` (make the check on its first ping) is not followed: heartbeats come from the YAML,
so an unknown slug is 404 with it too. The slug -> token lookup is done here, from the engine's
config, so the engine only ever sees tokens.
"""

from __future__ import annotations

import hmac
from dataclasses import replace
from typing import Awaitable, Callable

from aiohttp import web

from uptime_tui.api import app_keys
from uptime_tui.api.params import digits
from uptime_tui.engine.pings import Ping
from uptime_tui.engine.port import EnginePort

BODY_LIMIT = 10 * 1024  # bytes of a ping's body that are kept
SUFFIXES = {"": "success", "start": "start", "fail": "fail", "log": "log"}


# Returns False when no (active) heartbeat has this token.
PingHandler = Callable[[Ping], Awaitable[bool]]

_NOT_FOUND = {"status": 404, "text": "not found"}
_INVALID = {"status": 400, "text": "invalid url format"}


def add_routes(app: web.Application, receive: PingHandler) -> None:
    """Mount the ping endpoints on `app`."""
    slugs = _SlugIndex()

    async def ping(request: web.Request) -> web.Response:
        info, engine = request.match_info, request.app.get(app_keys.ENGINE)
        token, slug, suffix = info.get("token"), info.get("slug"), info.get("action", "")
        if slug is not None and not slugs.is_ping_key(engine, info["ping_key"]):
            return web.Response(**_NOT_FOUND)
        if token is not None and "action" in info and slugs.is_ping_key(engine, token):
            slug, suffix = suffix, ""  # /ping/<ping_key>/<slug>: the key is no heartbeat's token
        kind, status = _suffix(suffix)
        if kind is None:
            return web.Response(**(_INVALID if status else _NOT_FOUND))
        if slug is not None:
            if slug != slug.lower():
                return web.Response(**_INVALID)
            token = slugs.token(engine, slug)
        if token is None:
            return web.Response(**_NOT_FOUND)
        accepted = await receive(await _ping_from(request, token, kind, status))
        return web.Response(text="OK") if accepted else web.Response(**_NOT_FOUND)

    async def push(request: web.Request) -> web.Response:
        status = request.query.get("status", "up")
        if status not in ("up", "down"):
            return web.json_response({"ok": False, "msg": "status must be up or down"}, status=400)
        ping_ = await _ping_from(request, request.match_info["token"], "success" if status == "up" else "fail", None)
        if request.query.get("msg"):
            ping_ = replace(ping_, body=_storable(request.query["msg"][:BODY_LIMIT]))
        if not await receive(ping_):
            return web.json_response({"ok": False, "msg": "Monitor not found or not active."}, status=404)
        return web.json_response({"ok": True})

    for method in ("GET", "HEAD", "POST"):
        app.router.add_route(method, "/ping/{token}", ping)
        app.router.add_route(method, "/ping/{token}/{action}", ping)  # or /ping/{ping_key}/{slug}
        app.router.add_route(method, "/ping/{ping_key}/{slug}/{action}", ping)
        app.router.add_route(method, "/api/push/{token}", push)


def _suffix(text: str) -> tuple[str | None, int | None]:
    """(kind, exit status) of what follows the token or slug; (None, 1) when it is an exit status
    out of range (400), (None, None) when it is nothing known (404). Only ASCII digits make an
    exit status (str.isdigit() takes '¹' too, which int() refuses), with any leading zeros."""
    if text in SUFFIXES:
        return SUFFIXES[text], None
    status = digits(text.lstrip("0") or "0")
    if status is None:
        return None, None
    return ("exit", status) if status <= 255 else (None, 1)


class _SlugIndex:
    """Slug -> token through the engine's config, rebuilt when a reload replaces the config."""

    def __init__(self):
        self._config = None
        self._ids: dict[str, str] = {}

    def is_ping_key(self, engine: EnginePort | None, text: str) -> bool:
        key = engine.config.settings.ping_key if engine is not None else None
        # In constant time, as API tokens are compared: the key unlocks every heartbeat.
        return key is not None and hmac.compare_digest(key.encode(), text.encode("utf-8", "surrogatepass"))

    def token(self, engine: EnginePort, slug: str) -> str | None:
        config = engine.config
        if config is not self._config:
            self._ids = {heartbeat.ping_slug: heartbeat.id for heartbeat in config.heartbeats}
            self._config = config
        return engine.heartbeat_token(self._ids.get(slug, ""))


async def _ping_from(request: web.Request, token: str, kind: str, status: int | None) -> Ping:
    body = None
    if request.can_read_body:
        raw = await request.content.read(BODY_LIMIT)  # never more than the limit in memory
        body = _storable(raw.decode("utf-8", errors="replace")) or None
    user_agent = request.headers.get("User-Agent")
    return Ping(token, kind, status, body, request.remote, _storable(user_agent) if user_agent else None)


def _storable(text: str) -> str:
    """Text every database stores: no NUL (PostgreSQL refuses it), no lone surrogates (aiohttp
    reads header bytes that are not UTF-8 as such)."""
    return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")
