"""Operations: acknowledge, snooze, unsnooze, resolve and reopen incidents; pause and unpause
monitors and heartbeats. Each needs the `write` permission and is one named operation of the engine (engine/port.py).

Incident operations answer `{message, incident_ids, incident}` with the incident as it is after
the change; pause and unpause answer `{message}`. The engine's refusals keep their wording:
404 (no such incident or resource), 409 (already acknowledged, already resolved, not snoozed ...),
400 (a snooze that ends in the past ...).
"""

from __future__ import annotations

from aiohttp import web

from uptime_tui.api import params
from uptime_tui.api.auth import requires
from uptime_tui.api.errors import ApiError, bad_request
from uptime_tui.api.incidents import NOT_FOUND, incident_body, incident_id
from uptime_tui.api.operator import engine_of, operator_of, refusals_as_http


async def _answer(request: web.Request, outcome) -> web.Response:
    body = {"message": outcome.message, "incident_ids": list(outcome.incident_ids)}
    body.update(await incident_body(request, incident_id(request)))
    return web.json_response(body)


@requires("write")
async def acknowledge(request: web.Request) -> web.Response:
    """Acknowledge (optionally the whole group): escalation stops."""
    target = incident_id(request)
    body = await params.json_body(request, required=False)
    with refusals_as_http(NOT_FOUND):
        outcome = await engine_of(request).acknowledge(
            target, operator_of(request), whole_group=params.body_bool(body, "whole_group", False))
    return await _answer(request, outcome)


@requires("write")
async def snooze(request: web.Request) -> web.Response:
    """Snooze for `duration` ("30m" or seconds) or `until` an RFC 3339 time."""
    target = incident_id(request)
    body = await params.json_body(request)
    duration, until = params.body_duration(body, "duration"), params.body_time(body, "until")
    if (duration is None) == (until is None):
        raise bad_request("give either duration or until")
    with refusals_as_http(NOT_FOUND):
        outcome = await engine_of(request).snooze(
            target, operator_of(request), duration=duration, until=until,
            cancel_on_updates=params.body_bool(body, "cancel_on_updates", True),
            whole_group=params.body_bool(body, "whole_group", False))
    return await _answer(request, outcome)


@requires("write")
async def unsnooze(request: web.Request) -> web.Response:
    """End a snooze now."""
    target = incident_id(request)
    body = await params.json_body(request, required=False)
    with refusals_as_http(NOT_FOUND):
        outcome = await engine_of(request).unsnooze(
            target, operator_of(request), whole_group=params.body_bool(body, "whole_group", False))
    return await _answer(request, outcome)


@requires("write")
async def resolve(request: web.Request) -> web.Response:
    """Resolve by hand with a required reason."""
    target = incident_id(request)
    body = await params.json_body(request)
    reason = params.body_text(body, "reason", required=True)
    with refusals_as_http(NOT_FOUND):
        outcome = await engine_of(request).resolve(
            target, operator_of(request), reason, whole_group=params.body_bool(body, "whole_group", False))
    return await _answer(request, outcome)


@requires("write")
async def reopen(request: web.Request) -> web.Response:
    """Reopen a resolved incident (an optional reason goes on its timeline)."""
    target = incident_id(request)
    body = await params.json_body(request, required=False)
    with refusals_as_http(NOT_FOUND):
        outcome = await engine_of(request).reopen(
            target, operator_of(request), params.body_text(body, "reason", required=False))
    return await _answer(request, outcome)


def _pause_handler(kind: str, method: str):
    async def handler(request: web.Request) -> web.Response:
        raw = request.match_info["ref"]
        await params.json_body(request, required=False)  # none expected; a malformed one is refused
        engine, operator = engine_of(request), operator_of(request)
        operation = engine.pause if method == "pause" else engine.unpause
        number = params.digits(raw)
        refs = ([number] if number is not None and number <= params.MAX_ID else []) + [raw]
        for i, ref in enumerate(refs):  # a row id first, then the YAML id (which may be digits too)
            try:
                with refusals_as_http():
                    outcome = await operation(kind, ref, operator)
                break
            except ApiError as exc:
                if exc.status != 404 or i == len(refs) - 1:
                    raise
        return web.json_response({"message": outcome.message})

    handler.__name__ = handler.__qualname__ = f"{method}_{kind}"
    handler.__doc__ = f"{method.capitalize()} a {kind} by row id or YAML id."
    return requires("write")(handler)


def add_routes(app: web.Application) -> None:
    """Mount the operation endpoints."""
    for name, handler in (("acknowledge", acknowledge), ("snooze", snooze), ("unsnooze", unsnooze),
                          ("resolve", resolve), ("reopen", reopen)):
        app.router.add_post(f"/api/v1/incidents/{{id}}/{name}", handler)
    for kind in ("monitor", "heartbeat"):
        for method in ("pause", "unpause"):
            app.router.add_post(f"/api/v1/{kind}s/{{ref}}/{method}", _pause_handler(kind, method))
