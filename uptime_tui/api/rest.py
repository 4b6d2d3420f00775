"""The REST API mounted beside the pings: incidents, alerts, operations, audit, OpenAPI."""

from __future__ import annotations

from aiohttp import web

from uptime_tui.api import alerts, app_keys, audit, health, incidents, openapi, operations
from uptime_tui.engine.port import EnginePort
from uptime_tui.queries.pool import ReadPool


def add_routes(app: web.Application, engine: EnginePort, reads: ReadPool) -> None:
    """Mount every API endpoint on `app`, serving `engine`, reading through `reads`."""
    app_keys.install(app, engine, reads)
    document = openapi.document()

    async def openapi_json(request: web.Request) -> web.Response:
        return web.json_response(document)

    incidents.add_routes(app)
    operations.add_routes(app)
    alerts.add_routes(app)
    audit.add_routes(app)
    health.add_routes(app)
    app.router.add_get("/api/openapi.json", openapi_json, allow_head=False)
