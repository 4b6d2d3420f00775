"""`GET /api/v0/alerts` and `POST /api/v0/alerts/{id}/close`, as Mackerel's alerts API (Mackerel) describes.

An alert is an incident seen the Mackerel way: `id` is the incident id as a string, `status` its
current level in capitals (a closed alert is `OK`), `monitorId` the YAML id of its monitor or
heartbeat (unique across both, unlike the integer row ids), `type` `external` for a monitor (a
check from outside, Mackerel's external monitoring) and `check` for a heartbeat (a job reporting
in, Mackerel's check monitoring), `message` the cause, `reason` why it closed (closed alerts
only), `openedAt` / `closedAt` Unix seconds. Alerts come newest first by id, which is the order
they were opened in; `nextId` appears only when older alerts remain.

Closing an alert resolves its incident through the engine (audited as the API key).
"""

from __future__ import annotations

from aiohttp import web

from uptime_tui.api import params
from uptime_tui.api.auth import requires
from uptime_tui.api.errors import ApiError, bad_request
from uptime_tui.api.operator import engine_of, operator_of, refusals_as_http
from uptime_tui.api.app_keys import read
from uptime_tui.queries import incidents
from uptime_tui.queries.incidents import IncidentRecord

STATUSES = {"critical": "CRITICAL", "warning": "WARNING", "ok": "OK", "unknown": "UNKNOWN"}
NOT_FOUND = ApiError(404, "alert not found")


def alert_json(row: IncidentRecord) -> dict:
    """An incident as a Mackerel alert."""
    alert = {
        "id": str(row.id),
        "status": "OK" if not row.active else STATUSES.get(row.status, "UNKNOWN"),
        "monitorId": row.resource_key,
        "type": "external" if row.resource_type == "monitor" else "check",
        "openedAt": int(row.started_at.timestamp()),
    }
    if row.cause:
        alert["message"] = row.cause
    if not row.active:
        alert["reason"] = row.resolution_reason or ""
        alert["closedAt"] = int((row.resolved_at or row.updated_at).timestamp())
    return alert


@requires("read")
async def list_alerts(request: web.Request) -> web.Response:
    """Open alerts (all with withClosed=true), newest first, at most `limit` (default and max 100)."""
    with_closed = params.query_bool(request, "withClosed")
    raw_next = request.query.get("nextId")
    before = params.digits(raw_next) if raw_next is not None else None
    if raw_next is not None and before is None:
        raise bad_request("nextId must be an alert id")
    limit = params.query_int(request, "limit", 100, 1, 100, "limit must be between 1 and 100")
    rows = await read(request, incidents.latest_incidents, not with_closed, before, limit + 1)
    body: dict = {"alerts": [alert_json(r) for r in rows[:limit]]}
    if len(rows) > limit:
        body["nextId"] = str(rows[limit - 1].id)
    return web.json_response(body)


def _load(alert_id: int) -> IncidentRecord | None:
    return incidents.incident(alert_id, with_evidence=False)


@requires("write")
async def close_alert(request: web.Request) -> web.Response:
    """Resolve the alert's incident with a required reason; answer the alert as it is now."""
    alert_id = params.digits(request.match_info["id"])
    if alert_id is None or await read(request, _load, alert_id) is None:
        raise NOT_FOUND
    body = await params.json_body(request)
    reason = params.body_text(body, "reason", required=True)
    with refusals_as_http(NOT_FOUND):
        await engine_of(request).resolve(alert_id, operator_of(request), reason)
    row = await read(request, _load, alert_id)
    if row is None:  # deleted in between
        raise NOT_FOUND
    return web.json_response(alert_json(row))


def add_routes(app: web.Application) -> None:
    """Mount the alert endpoints."""
    app.router.add_get("/api/v0/alerts", list_alerts, allow_head=False)
    app.router.add_post("/api/v0/alerts/{id}/close", close_alert)
