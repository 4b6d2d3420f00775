"""The OpenAPI 3.0 document served at `/api/openapi.json`: every endpoint the listener answers.

It is the contract the fuzz test holds the server to (tests/test_api_fuzz.py): every status,
content type and body the server can send for a request is listed here, and every input the
schemas call valid is accepted, except where a description says why not (a snooze must end in
the future and within 30 days, which a schema cannot say).
"""

from __future__ import annotations

from uptime_tui import __version__
from uptime_tui.api import console_reads, health, metrics, stream
from uptime_tui.api.operator import OPERATOR_HEADER
from uptime_tui.api.openapi_schemas import DURATION_PATTERN, REASON, SCHEMAS, WHOLE_GROUP, ref
from uptime_tui.api.params import BODY_LIMIT

ERRORS = {
    "400": "Malformed input; the message names the parameter or field (or, with the console credential, "
           f"what is wrong with the {OPERATOR_HEADER} header)",
    "401": "No valid API key or console credential (send Authorization: Bearer <token>)",
    "403": "The key lacks the write permission",
    "404": "Not found",
    "409": "The change conflicts with the incident's state (already acknowledged, resolved ...)",
    "413": f"The body is larger than {BODY_LIMIT} bytes",
}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _responses(ok: dict, *errors: str) -> dict:
    responses = {"200": ok}
    for status in errors:
        responses[status] = _json(ref("Error"), ERRORS[status])
    return responses


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


def _body(properties: dict, required: list[str] | None = None, *, optional: bool = False, **extra) -> dict:
    schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = required
    return {"required": not optional, "content": {"application/json": {"schema": schema}}}


ID_PATH = _path("id", {"type": "integer", "minimum": 0}, "The incident id (digits)")
LIMIT = _query("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}, "Page size")
EXIT_STATUS = "0*([0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-5])"
SUFFIX = f"^(start|fail|log|{EXIT_STATUS})$"
# After a token a suffix; after the ping key a slug (lowercase; all digits only as an exit status,
# since more than 255 after a token is a 400).
SUFFIX_OR_SLUG = f"^(start|fail|log|{EXIT_STATUS}|[a-z0-9_-]*[a-z_-][a-z0-9_-]*)$"
OPERATION_ERRORS = ("400", "401", "403", "404", "409", "413")
# Who acts, when the console credential authenticates (API keys act as themselves and ignore it).
OPERATOR = {"name": OPERATOR_HEADER, "in": "header", "required": False, "schema": {"type": "string"},
            "description": 'With the console credential, required: the person acting, JSON {"name": str, '
                           '"context": {...}, "email": str|null}; the audit log names them. Ignored for API keys.'}


def _incident_operation(summary: str, body: dict | None) -> dict:
    operation = {"summary": summary, "tags": ["operations"], "parameters": [ID_PATH, OPERATOR],
                 "responses": _responses(_json(ref("OperationOutcome"), "The incident after the change"),
                                         *OPERATION_ERRORS)}
    operation["requestBody"] = body or _body({}, optional=True)
    return operation


def _pause_operation(kind: str, verb: str) -> dict:
    return {"summary": f"{verb.capitalize()} a {kind}", "tags": ["operations"],
            "parameters": [_path("ref", {"type": "string", "minLength": 1},
                                 f"The {kind}'s integer id or its YAML id"), OPERATOR],
            "requestBody": _body({}, optional=True),
            "responses": _responses(_json(ref("Message"), "What was done"), *OPERATION_ERRORS)}


def _incident_paths() -> dict:
    listing = {
        "summary": "List incidents, newest first", "tags": ["incidents"],
        "parameters": [
            _query("monitor_id", {"type": "integer", "minimum": 0}, "Only this monitor's incidents"),
            _query("heartbeat_id", {"type": "integer", "minimum": 0}, "Only this heartbeat's incidents"),
            _query("type", {"type": "string", "enum": ["down", "degraded", "flapping"]}, "Incident type"),
            _query("started_after", {"type": "string", "format": "date-time"}, "Strictly after (RFC 3339)"),
            _query("started_before", {"type": "string", "format": "date-time"}, "Strictly before (RFC 3339)"),
            LIMIT,
            _query("offset", {"type": "integer", "minimum": 0, "default": 0}, "Skip this many"),
        ],
        "responses": _responses(_json(ref("IncidentList"), "A page; total counts the filtered set"),
                                "400", "401"),
    }
    one = {"summary": "Get an incident", "tags": ["incidents"], "parameters": [ID_PATH],
           "responses": _responses(_json(ref("IncidentEnvelope"), "The incident"), "400", "401", "404")}
    snooze = _body({
        "duration": {"oneOf": [{"type": "number", "minimum": 1, "maximum": 2592000},
                               {"type": "string", "pattern": DURATION_PATTERN}],
                     "description": "Seconds, or text such as 30m or 1h30m"},
        "until": {"type": "string", "format": "date-time"},
        "cancel_on_updates": {"type": "boolean", "default": True},
        "whole_group": WHOLE_GROUP,
    }, oneOf=[{"required": ["duration"]}, {"required": ["until"]}],
        description="Either duration or until; the snooze must end in the future and within 30 days "
                    "(400 otherwise)")
    return {
        "/api/v1/incidents": {"get": listing},
        "/api/v1/incidents/{id}": {"get": one},
        "/api/v1/incidents/{id}/acknowledge": {"post": _incident_operation(
            "Acknowledge an incident", _body({"whole_group": WHOLE_GROUP}, optional=True))},
        "/api/v1/incidents/{id}/snooze": {"post": _incident_operation("Snooze an incident", snooze)},
        "/api/v1/incidents/{id}/unsnooze": {"post": _incident_operation(
            "End a snooze", _body({"whole_group": WHOLE_GROUP}, optional=True))},
        "/api/v1/incidents/{id}/resolve": {"post": _incident_operation(
            "Resolve an incident", _body({"reason": REASON, "whole_group": WHOLE_GROUP}, ["reason"]))},
        "/api/v1/incidents/{id}/reopen": {"post": _incident_operation(
            "Reopen a resolved incident", _body({"reason": REASON}, optional=True))},
    }


def _other_paths() -> dict:
    alerts = {
        "summary": "List alerts, newest first", "tags": ["alerts"],
        "parameters": [
            _query("withClosed", {"type": "boolean", "default": False}, "Include closed alerts"),
            _query("nextId", {"type": "string", "pattern": "^[0-9]+$"}, "Only alerts older than this one"),
            _query("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 100}, "At most 100"),
        ],
        "responses": _responses(_json(ref("AlertList"), "Alerts"), "400", "401"),
    }
    close = {
        "summary": "Close an alert (resolves its incident)", "tags": ["alerts"],
        "parameters": [_path("id", {"type": "string"}, "The alert id"), OPERATOR],
        "requestBody": _body({"reason": REASON}, ["reason"]),
        "responses": _responses(_json(ref("Alert"), "The alert after closing"), *OPERATION_ERRORS),
    }
    text = {"type": "string", "maxLength": 2000, "pattern": r"^[^\x00]*$", "description": "empty: no filter"}
    # The duration alternative is a part of the grammar the server reads (audit.parse_time): every
    # string it matches is accepted, a duration ago past the calendar's start meaning all of it.
    when = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"},
                      {"type": "string", "pattern": r"^([0-9]{1,9}(\.[0-9]{1,9})?(ms|s|m|h|d|w)){1,4}$"}],
            "description": "RFC 3339, an ISO 8601 date (UTC), or a duration ago: 24h, 1h30m, 7d"}
    audit = {
        "summary": "Audit entries, newest first (Accept: text/csv for the whole export)", "tags": ["audit"],
        "parameters": [
            _query("target", text, "A target's id, name or type:id"),
            _query("action", text, "An action or a glob such as incident.*"),
            _query("actor", text, "The actor's id or name"),
            _query("actor_type", {"type": "string", "enum": ["user", "api_key", "system", "workflow", "alert"]},
                   "Actor type"),
            _query("since", when, "From this time (inclusive)"),
            _query("until", when, "Before this time"),
            _query("text", text, "A substring of the message, any case"),
            LIMIT,
            _query("before_id", {"type": "integer", "minimum": 0}, "Entries older than this id"),
            _query("after_id", {"type": "integer", "minimum": 0}, "Entries newer than this id"),
        ],
        "responses": _responses({"description": "A page of entries, or the CSV export", "content": {
            "application/json": {"schema": ref("AuditPage")},
            "text/csv": {"schema": {"type": "string"}}}}, "400", "401"),
    }
    paths = {"/api/v0/alerts": {"get": alerts}, "/api/v0/alerts/{id}/close": {"post": close},
             "/api/v1/audit": {"get": audit}}
    for kind in ("monitor", "heartbeat"):
        for verb in ("pause", "unpause"):
            paths[f"/api/v1/{kind}s/{{ref}}/{verb}"] = {"post": _pause_operation(kind, verb)}
    return paths


def _ping_paths() -> dict:
    text = {"text/plain": {"schema": {"type": "string"}}}
    text_or_json = {**text, "application/json": {"schema": ref("Error")}}
    token = _path("token", {"type": "string", "minLength": 1}, "The heartbeat's token")

    def ping(summary: str, parameters: list, bad: str | None) -> dict:
        responses = {"200": {"description": "Recorded", "content": text},
                     "404": {"description": "No active heartbeat has this token (or slug), or the suffix is "
                                            "none of start, fail, log, 0-255", "content": text_or_json}}
        if bad:
            responses["400"] = {"description": bad, "content": text}
        op = {"summary": summary, "tags": ["pings"], "security": [], "parameters": parameters,
              "responses": responses}
        body = {"required": False, "description": "Output of the job; the first 10 KB are kept",
                "content": {"text/plain": {"schema": {"type": "string"}}}}
        return {"get": op, "head": op, "post": {**op, "requestBody": body}}

    action = _path("action", {"type": "string", "pattern": SUFFIX_OR_SLUG},
                   "After a token: start, fail, log (keeps the body, changes nothing) or an exit status 0-255; "
                   "after settings.ping_key in place of the token: a heartbeat's slug (a success ping)")
    by_slug = [_path("ping_key", {"type": "string", "minLength": 1}, "settings.ping_key"),
               _path("slug", {"type": "string", "pattern": "^[a-z0-9_-]+$"}, "The heartbeat's slug"),
               _path("action", {"type": "string", "pattern": SUFFIX}, "start, fail, log or an exit status 0-255")]
    kuma = {"type": "object", "properties": {"ok": {"type": "boolean"}, "msg": {"type": "string"}}, "required": ["ok"]}
    push_params = [token, _query("status", {"type": "string", "enum": ["up", "down"], "default": "up"}, "up or down"),
                   _query("msg", {"type": "string"}, "A message kept with the ping"),
                   _query("ping", {"type": "string"}, "Accepted and ignored")]
    push = {"summary": "Uptime Kuma push", "tags": ["pings"], "security": [], "parameters": push_params,
            "responses": {"200": _json(kuma, "Recorded"), "400": _json(kuma, "status is not up or down"),
                          "404": {"description": "No active heartbeat has this token",
                                  "content": {"application/json": {"schema": {"oneOf": [kuma, ref("Error")]}}}}}}
    return {
        "/ping/{token}": ping("Heartbeat success ping", [token], None),
        "/ping/{token}/{action}": ping("Heartbeat start, fail, log or exit-status ping, or a success ping by slug",
                                       [token, action], "An exit status above 255, or a slug with capitals"),
        "/ping/{ping_key}/{slug}/{action}": ping("Heartbeat start, fail, log or exit-status ping by slug", by_slug,
                                                 "An exit status above 255, or a slug with capitals"),
        "/api/push/{token}": {method: push for method in ("get", "head", "post")},
    }


def document() -> dict:
    """The whole OpenAPI document."""
    paths = {**_incident_paths(), **_other_paths(), **_ping_paths(), **stream.OPENAPI_PATHS, **console_reads.OPENAPI_PATHS,
             "/health": health.OPENAPI_PATH, "/metrics": metrics.OPENAPI_PATH,
             "/api/openapi.json": {"get": {
        "summary": "This document", "tags": ["meta"], "security": [],
        "responses": {"200": _json({"type": "object"}, "The OpenAPI document")}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "uptime-tui HTTP API", "version": __version__,
                 "description": "Incidents (as a public uptime incidents API has them), alerts (Mackerel's alerts API), operations, audit "
                                "log, heartbeat pings, the engine's identity and event stream, Prometheus metrics. API keys come from the YAML's api_keys; "
                                "a console on the engine's host authenticates with the console credential and names "
                                f"the person acting in the {OPERATOR_HEADER} header."},
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
