"""The REST API mounted beside the pings: incidents, alerts, operations, audit, the engine and its
event stream, the console's reads, Prometheus metrics, OpenAPI."""

from __future__ import annotations

from aiohttp import web

from uptime_tui.api import (alerts, app_keys, audit, console_reads, health, incidents, metrics, openapi,
                            operations, stream)
from uptime_tui.engine.port import EnginePort
from uptime_tui.queries.pool import ReadPool


def add_routes(app: web.Application, engine: EnginePort, reads: ReadPool, *,
               console_token: str | None = None, identity: dict | None = None) -> None:
    """Mount every API endpoint on `app`, serving `engine`, reading through `reads`; the console
    credential and the engine's identity when a console may attach."""
    app_keys.install(app, engine, reads, console_token=console_token, identity=identity)
    document = openapi.document()

    async def openapi_json(request: web.Request) -> web.Response:
        return web.json_response(document)

    incidents.add_routes(app)
    operations.add_routes(app)
    alerts.add_routes(app)
    audit.add_routes(app)
    health.add_routes(app)
    metrics.add_routes(app)
    stream.add_routes(app)
    console_reads.add_routes(app)
    app.router.add_get("/api/openapi.json", openapi_json, allow_head=False)
