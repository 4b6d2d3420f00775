"""The engine as the request's API key sees it, and the engine's refusals as HTTP statuses.

Every change made through the API goes through the engine's operations (never straight to the
database), so it is stored, published and audited exactly like the same change from the console,
with actor type `api_key`, the key's name, and the caller's address and user agent as context.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web

from uptime_tui.api.app_keys import ENGINE
from uptime_tui.api.auth import KEY
from uptime_tui.api.errors import ApiError
from uptime_tui.engine.port import EnginePort
from uptime_tui.operator import OperationRefused, Operator

STATUS_OF_REFUSAL = {"not_found": 404, "conflict": 409, "invalid": 400}


def engine_of(request: web.Request) -> EnginePort:
    """The engine this listener serves."""
    return request.app[ENGINE]


def operator_of(request: web.Request) -> Operator:
    """The Operator for the key that authenticated this request."""
    agent = request.headers.get("User-Agent")
    if agent is not None:  # headers arrive with undecodable bytes as surrogates; keep it short
        agent = agent.encode("utf-8", "replace").decode("utf-8")[:256]
    return Operator.api_key(request[KEY].name, user_agent=agent, remote_addr=request.remote)


@contextmanager
def refusals_as_http(not_found: ApiError | None = None) -> Iterator[None]:
    """An OperationRefused raised inside becomes 404 (`not_found` when given), 409 or 400."""
    try:
        yield
    except OperationRefused as refused:
        if refused.kind == "not_found" and not_found is not None:
            raise not_found
        raise ApiError(STATUS_OF_REFUSAL.get(refused.kind, 400), refused.message)
