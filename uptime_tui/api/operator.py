"""Calling the engine facade as the request's API key, and its refusals as HTTP statuses.

Every change made through the API goes through `Engine` (never straight to the database), so it
is stored, published and audited exactly like the same change from the console, with actor type
`api_key`, the key's name, and the caller's address and user agent as context.
"""

from __future__ import annotations

from aiohttp import web

from uptime_tui.api.auth import KEY
from uptime_tui.api.errors import ApiError
from uptime_tui.api.app_keys import ENGINE
from uptime_tui.engine.operation_store import OperationRefused, Operator

STATUS_OF_REFUSAL = {"not_found": 404, "conflict": 409, "invalid": 400}


def operator_of(request: web.Request) -> Operator:
    """The engine's Operator for the key that authenticated this request."""
    agent = request.headers.get("User-Agent")
    if agent is not None:  # headers arrive with undecodable bytes as surrogates; keep it short
        agent = agent.encode("utf-8", "replace").decode("utf-8")[:256]
    return Operator.api_key(request[KEY].name, user_agent=agent, remote_addr=request.remote)


async def operate(request: web.Request, method: str, *args, not_found: ApiError | None = None, **kwargs):
    """`engine.<method>(*args, operator, **kwargs)`; OperationRefused becomes 404, 409 or 400."""
    engine = request.app[ENGINE]
    try:
        return await getattr(engine, method)(*args, operator_of(request), **kwargs)
    except OperationRefused as refused:
        if refused.kind == "not_found" and not_found is not None:
            raise not_found
        raise ApiError(STATUS_OF_REFUSAL.get(refused.kind, 400), refused.message)
