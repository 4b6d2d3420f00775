"""`GET /api/v1/incidents` and `GET /api/v1/incidents/{id}`, shaped as a public
uptime incidents API describes (incidents with per-region evidence).

The reference's fields keep their names and meaning: `id`, `monitor_id`, `account_id`, `type`,
`started_at`, `resolved_at` (absent while ongoing), `evidence` (one entry per failing check:
`region`, `timestamp`, `status_code`, `ttfb_ms`), `created_at`. Ours are added beside them and
never change those: `heartbeat_id` (a heartbeat's incident has `monitor_id: null`), the fields of
BigPanda's incident object (`status`, `severity`, `active`, `flapping`, `maintenance`, `snooze`),
who acknowledged and resolved it, its escalation and its group. `account_id` is the configured
`settings.organization_id` (null when unset): one installation is one account.
"""

from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web

from uptime_tui.api import params
from uptime_tui.api.auth import requires
from uptime_tui.api.errors import ApiError, bad_request
from uptime_tui.api.app_keys import ENGINE, read
from uptime_tui.queries import incidents
from uptime_tui.queries.incidents import Evidence, IncidentCriteria, IncidentRecord

TYPES = ("down", "degraded", "flapping")
NOT_FOUND = ApiError(404, "incident not found")


def rfc3339(value: datetime | None) -> str | None:
    """UTC with a Z, fractional seconds only when there are some."""
    if value is None:
        return None
    return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat() + "Z"


def evidence_json(row: Evidence) -> dict:
    """One failing check behind an incident."""
    return {
        "region": row.region, "timestamp": rfc3339(row.timestamp), "status_code": row.status_code,
        "ttfb_ms": None if row.ttfb_ms is None else round(row.ttfb_ms), "cause": row.cause,
    }


def incident_json(row: IncidentRecord, now: datetime, account: str | None) -> dict:
    """An incident as the API shows it."""
    monitor = row.resource_type == "monitor"
    body = {
        "id": row.id,
        "monitor_id": row.resource_id if monitor else None,
        "heartbeat_id": None if monitor else row.resource_id,
        "account_id": account,
        "type": row.type,
        "started_at": rfc3339(row.started_at),
        "resolved_at": rfc3339(row.resolved_at),
        "evidence": [evidence_json(e) for e in row.evidence],
        "created_at": rfc3339(row.created_at),
        "updated_at": rfc3339(row.updated_at),
        "name": row.name,
        "cause": row.cause,
        "resource": {"type": row.resource_type, "id": row.resource_id, "key": row.resource_key,
                     "name": row.resource_name},
        "status": row.status,
        "severity": row.severity,
        "active": row.active,
        "flapping": row.flapping,
        "maintenance": row.maintenance,
        "acknowledged_by": row.acknowledged_by,
        "acknowledged_at": rfc3339(row.acknowledged_at),
        "snooze": {
            "snoozed": row.snoozed_until is not None and row.snoozed_until > now,
            "end_time": rfc3339(row.snoozed_until),
            "by": row.snoozed_by,
            "cancel_on_incident_updates": row.snooze_cancel_on_updates,
        },
        "escalation": {"policy": row.escalation_policy, "level": row.escalation_level},
        "group_id": row.group_id,
        "group_key": row.group_key,
        "resolved_by": row.resolved_by,
        "resolution_reason": row.resolution_reason,
    }
    if row.resolved_at is None:
        del body["resolved_at"]  # absent, not null, while ongoing, as the incidents API says
    return body


def account_of(request: web.Request) -> str | None:
    """The organization id the incidents belong to."""
    return request.app[ENGINE].config.settings.organization_id or None


def _resource_id(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    value = params.digits(raw)
    if value is None:
        raise bad_request(f"{name} must be an integer")
    return value  # past 32 bits it names no row, and the query finds nothing


@requires("read")
async def list_incidents(request: web.Request) -> web.Response:
    """Incidents, newest first, filtered and paginated; `total` counts the filtered set."""
    monitor_id, heartbeat_id = _resource_id(request, "monitor_id"), _resource_id(request, "heartbeat_id")
    kind = request.query.get("type")
    if kind is not None and kind not in TYPES:
        raise bad_request(f"type must be one of {', '.join(TYPES)}")
    criteria = IncidentCriteria(monitor_id, heartbeat_id, kind, params.query_time(request, "started_after"),
                                params.query_time(request, "started_before"))
    limit = params.query_int(request, "limit", 50, 1, 100, "limit must be between 1 and 100")
    offset = params.query_int(request, "offset", 0, 0, None, "offset must be a non-negative integer")
    page = await read(request, incidents.incident_page, criteria, limit, offset)
    now, account = request.app[ENGINE].clock(), account_of(request)
    return web.json_response({
        "incidents": [incident_json(r, now, account) for r in page.incidents],
        "total": page.total, "limit": limit, "offset": offset,
    })


def incident_id(request: web.Request) -> int:
    """The `{id}` of the path: 400 when not a number, 404 when past any id the database holds."""
    value = params.digits(request.match_info["id"])
    if value is None:
        raise bad_request("invalid incident ID")
    if value > params.MAX_ID:
        raise NOT_FOUND
    return value


async def incident_body(request: web.Request, incident_id_: int) -> dict:
    """`{incident: ...}` for an id, or 404."""
    found = await read(request, incidents.incident, incident_id_)
    if found is None:
        raise NOT_FOUND
    return {"incident": incident_json(found, request.app[ENGINE].clock(), account_of(request))}


@requires("read")
async def get_incident(request: web.Request) -> web.Response:
    """One incident under an `incident` key."""
    return web.json_response(await incident_body(request, incident_id(request)))


def add_routes(app: web.Application) -> None:
    """Mount the incident read endpoints."""
    app.router.add_get("/api/v1/incidents", list_incidents, allow_head=False)
    app.router.add_get("/api/v1/incidents/{id}", get_incident, allow_head=False)
