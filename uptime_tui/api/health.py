"""`GET /health`: whether the engine can do its job (200) or not (503), and why.

No key is needed, so a load balancer, systemd or a monitoring system can poll it; it shows no
secret (the database's error text never carries the password: the URL is not in it).
"""

from __future__ import annotations

from aiohttp import web

from uptime_tui.api import app_keys


async def health(request: web.Request) -> web.Response:
    """The engine's health report and the listener's connections; 503 while the database is
    unreachable or descriptors ran out (a full listener sheds connections, it is not down)."""
    report = request.app[app_keys.ENGINE].health()
    cap = request.app[app_keys.CONNECTIONS]
    body = report.to_dict()
    body["listener"] = {"connections": cap.open, "limit": cap.limit, "dropped": cap.refused,
                        "idle_closed": cap.evicted}
    return web.json_response(body, status=200 if report.ok else 503)


def add_routes(app: web.Application) -> None:
    """Mount `/health`."""
    app.router.add_get("/health", health, allow_head=False)


OPENAPI_PATH = {"get": {
    "summary": "The engine's own health: its database, file descriptors, listener, and the notification "
               "channels whose last delivery failed (channels_failing, channel ids)",
    "tags": ["health"], "security": [],
    "responses": {
        "200": {"description": "The engine can do its job",
                "content": {"application/json": {"schema": {"type": "object"}}}},
        "503": {"description": "The database is unreachable or the engine ran out of file descriptors",
                "content": {"application/json": {"schema": {"type": "object"}}}},
    },
}}
