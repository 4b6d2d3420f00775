"""`GET /api/v1/console/...`: what a console's panes and detail screens read, for a console
attached from a machine with no access to the engine's database.

Each endpoint answers `queries.wire.to_wire()` of the very query an embedded console runs (its
panes in tui/panes/, its detail screens), through the listener's read pool, so an attached
console shows exactly what an embedded one would and reads it back with `wire.from_wire` and the
same dataclass. The engine's clock and config stand for the console's own. Read permission.
"""

from __future__ import annotations

from typing import Any, Callable

from aiohttp import web

from uptime_tui.api import params
from uptime_tui.api.app_keys import ENGINE, read
from uptime_tui.api.auth import requires
from uptime_tui.api.errors import ApiError, bad_request
from uptime_tui.queries import dashboard
from uptime_tui.queries.events import load_events
from uptime_tui.queries.heartbeat_detail import heartbeat_detail
from uptime_tui.queries.wire import to_wire

PREFIX = "/api/v1/console"


def _answer(value: Any) -> web.Response:
    return web.json_response(to_wire(value))


@requires("read")
async def monitors(request: web.Request) -> web.Response:
    """The monitors pane's rows (list[MonitorRow])."""
    engine = request.app[ENGINE]
    return _answer(await read(request, dashboard.load_monitor_rows, engine.config, engine.clock()))


@requires("read")
async def monitor_stats(request: web.Request) -> web.Response:
    """The monitors pane's figures by monitor row id (dict[int, MonitorStats])."""
    return _answer(await read(request, dashboard.load_monitor_stats, request.app[ENGINE].clock()))


@requires("read")
async def heartbeats(request: web.Request) -> web.Response:
    """The heartbeats pane's rows (list[HeartbeatRow])."""
    engine = request.app[ENGINE]
    return _answer(await read(request, dashboard.load_heartbeats, engine.config, engine.clock()))


@requires("read")
async def incidents(request: web.Request) -> web.Response:
    """The incidents pane's rows (list[IncidentRow])."""
    return _answer(await read(request, dashboard.load_incidents, request.app[ENGINE].clock()))


@requires("read")
async def events(request: web.Request) -> web.Response:
    """The events pane's rows (list[EventRow])."""
    return _answer(await read(request, load_events))


def _detail(kind: str, query: Callable[[int], Any]):
    missing = ApiError(404, f"{kind} not found")

    @requires("read")
    async def handler(request: web.Request) -> web.Response:
        value = params.digits(request.match_info["id"])
        if value is None:
            raise bad_request(f"invalid {kind} ID")
        found = None if value > params.MAX_ID else await read(request, query, value)
        if found is None:
            raise missing
        return _answer(found)

    handler.__name__ = handler.__qualname__ = f"{kind}_detail"
    handler.__doc__ = f"A {kind}'s detail screen, 404 when there is none."
    return handler


DETAILS = {"incident": dashboard.incident_detail, "monitor": dashboard.monitor_detail,
           "heartbeat": heartbeat_detail}
LISTS = {"monitors": monitors, "monitor-stats": monitor_stats, "heartbeats": heartbeats,
         "incidents": incidents, "events": events}


def add_routes(app: web.Application) -> None:
    """Mount the console's reads."""
    for name, handler in LISTS.items():
        app.router.add_get(f"{PREFIX}/{name}", handler, allow_head=False)
    for kind, query in DETAILS.items():
        app.router.add_get(f"{PREFIX}/{kind}s/{{id}}", _detail(kind, query), allow_head=False)


_ERROR = {"$ref": "#/components/schemas/Error"}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0},
       "description": "The row id"}
_SHAPES = {"monitors": "list[MonitorRow]", "monitor-stats": "dict[int, MonitorStats] by monitor row id",
           "heartbeats": "list[HeartbeatRow]", "incidents": "list[IncidentRow]", "events": "list[EventRow]"}
_DETAIL_SHAPES = {"incident": "IncidentDetail", "monitor": "MonitorDetail", "heartbeat": "HeartbeatDetail"}


def _openapi(summary: str, schema: dict, errors: dict, parameters: list | None = None) -> dict:
    responses = {"200": {"description": "As queries.wire.to_wire writes it",
                         "content": {"application/json": {"schema": schema}}}}
    for status, description in errors.items():
        responses[status] = {"description": description, "content": {"application/json": {"schema": _ERROR}}}
    return {"get": {"summary": summary, "tags": ["console"], "parameters": parameters or [],
                    "responses": responses}}


OPENAPI_PATHS = {
    **{f"{PREFIX}/{name}": _openapi(f"A console pane's rows: {shape}",
                                    {"type": "array"} if shape.startswith("list") else {"type": "object"},
                                    {"401": "No valid API key or console credential"})
       for name, shape in _SHAPES.items()},
    **{f"{PREFIX}/{kind}s/{{id}}": _openapi(f"A console's {kind} detail screen: {shape}", {"type": "object"},
                                           {"400": "The id is not a number",
                                            "401": "No valid API key or console credential",
                                            "404": f"No such {kind}"}, [_ID])
       for kind, shape in _DETAIL_SHAPES.items()},
}
