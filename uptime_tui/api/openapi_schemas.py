"""The JSON Schemas of the OpenAPI document's bodies (components/schemas), one per shape."""

from __future__ import annotations

from uptime_tui.api.params import TEXT_PATTERN


def nullable(schema: dict) -> dict:
    """`schema` or null (OpenAPI 3.0 spelling)."""
    return {**schema, "nullable": True}


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
DURATION_PATTERN = r"^\s*([0-9]+(\.[0-9]+)?\s*(ms|s|m|h|d|w)\s*)+$"


def obj(properties: dict, required: list[str] | None = None, *, additional: bool = True) -> dict:
    """An object schema whose listed properties are all required unless `required` says otherwise."""
    schema = {"type": "object", "properties": properties,
              "required": list(properties) if required is None else required}
    if not schema["required"]:
        del schema["required"]
    if not additional:
        schema["additionalProperties"] = False
    return schema


def ref(name: str) -> dict:
    """A reference to components/schemas/name."""
    return {"$ref": f"#/components/schemas/{name}"}


EVIDENCE = obj({
    "region": STRING, "timestamp": TIME, "status_code": nullable(INTEGER),
    "ttfb_ms": nullable(INTEGER), "cause": nullable(STRING),
})

_INCIDENT_PROPERTIES = {
    "id": INTEGER,
    "monitor_id": nullable({**INTEGER, "description": "null for a heartbeat's incident"}),
    "heartbeat_id": nullable({**INTEGER, "description": "null for a monitor's incident"}),
    "account_id": nullable({**STRING, "description": "settings.organization_id"}),
    "type": {"type": "string", "enum": ["down", "degraded", "flapping"]},
    "started_at": TIME,
    "resolved_at": {**TIME, "description": "absent while the incident is ongoing"},
    "evidence": {"type": "array", "items": ref("Evidence")},
    "created_at": TIME,
    "updated_at": TIME,
    "name": STRING,
    "cause": nullable(STRING),
    "resource": obj({"type": {"type": "string", "enum": ["monitor", "heartbeat"]}, "id": INTEGER,
                     "key": STRING, "name": STRING}),
    "status": {"type": "string", "description": "current level: critical, warning, unknown or ok"},
    "severity": {"type": "string", "description": "the highest level reached"},
    "active": BOOLEAN,
    "flapping": BOOLEAN,
    "maintenance": BOOLEAN,
    "acknowledged_by": nullable(STRING),
    "acknowledged_at": nullable(TIME),
    "snooze": obj({"snoozed": BOOLEAN, "end_time": nullable(TIME), "by": nullable(STRING),
                   "cancel_on_incident_updates": BOOLEAN}),
    "escalation": obj({"policy": nullable(STRING), "level": INTEGER}),
    "group_id": nullable(INTEGER),
    "group_key": nullable(STRING),
    "resolved_by": nullable(STRING),
    "resolution_reason": nullable(STRING),
}
INCIDENT = obj(_INCIDENT_PROPERTIES, [k for k in _INCIDENT_PROPERTIES if k != "resolved_at"])

INCIDENT_LIST = obj({
    "incidents": {"type": "array", "items": ref("Incident")},
    "total": {"type": "integer", "minimum": 0},
    "limit": {"type": "integer", "minimum": 1, "maximum": 100},
    "offset": {"type": "integer", "minimum": 0},
})

ALERT = obj({
    "id": {"type": "string", "pattern": "^[0-9]+$"},
    "status": {"type": "string", "enum": ["OK", "CRITICAL", "WARNING", "UNKNOWN"]},
    "monitorId": {**STRING, "description": "the YAML id of the monitor or heartbeat"},
    "type": {"type": "string", "enum": ["external", "check"]},
    "message": STRING,
    "reason": {**STRING, "description": "why it closed; closed alerts only"},
    "openedAt": {**INTEGER, "description": "Unix time"},
    "closedAt": {**INTEGER, "description": "Unix time; closed alerts only"},
}, ["id", "status", "monitorId", "type", "openedAt"])

ALERT_LIST = obj({
    "alerts": {"type": "array", "items": ref("Alert"), "maxItems": 100},
    "nextId": {**STRING, "description": "present only when older alerts remain"},
}, ["alerts"])

OUTCOME = obj({"message": STRING, "incident_ids": {"type": "array", "items": INTEGER},
               "incident": ref("Incident")})
MESSAGE = obj({"message": STRING})
ERROR = obj({"error": STRING})

AUDIT_ENTRY = obj({
    "id": INTEGER, "version": INTEGER, "created_at": TIME,
    "actor": obj({"type": STRING, "id": STRING, "name": STRING, "metadata": {"type": "object"}}),
    "action": STRING,
    "targets": {"type": "array", "items": obj({"type": STRING, "id": STRING, "name": STRING}, [])},
    "context": {"type": "object"}, "message": STRING, "previous_hash": STRING, "hash": STRING,
})
AUDIT_PAGE = obj({
    "entries": {"type": "array", "items": ref("AuditEntry")},
    "next_before_id": nullable({**INTEGER, "description": "pass as before_id for older entries"}),
    "next_after_id": nullable({**INTEGER, "description": "pass as after_id for newer entries"}),
})

# Not blank, no NUL (no database stores it), at most 2,000 characters.
REASON = {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": TEXT_PATTERN}
WHOLE_GROUP = {"type": "boolean", "default": False, "description": "apply to every open incident of its group"}

SCHEMAS = {
    "Evidence": EVIDENCE, "Incident": INCIDENT, "IncidentList": INCIDENT_LIST,
    "IncidentEnvelope": obj({"incident": ref("Incident")}), "Alert": ALERT, "AlertList": ALERT_LIST,
    "OperationOutcome": OUTCOME, "Message": MESSAGE, "Error": ERROR, "AuditEntry": AUDIT_ENTRY,
    "AuditPage": AUDIT_PAGE,
}
