"""The engine as the request's principal sees it, and the engine's refusals as HTTP statuses.

Every change made through the API goes through the engine's operations (never straight to the
database), so it is stored, published and audited exactly like the same change from the console:
for an API key with actor type `api_key`, the key's name, and the caller's address and user agent
as context; for the console credential as the person at that console, who names themself in the
`X-Uptime-Operator` header (JSON `{"name", "context", "email"}`), so the audit log shows the
person and their SSH context rather than "console". The credential is readable only by the
engine host's user, so it vouches for the header as much as that user's console would.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
import json

from aiohttp import web

from uptime_tui.api.app_keys import ENGINE
from uptime_tui.api.auth import CONSOLE, PRINCIPAL
from uptime_tui.api.errors import ApiError
from uptime_tui.engine.port import EnginePort
from uptime_tui.operator import OperationRefused, Operator

STATUS_OF_REFUSAL = {"not_found": 404, "conflict": 409, "invalid": 400}
OPERATOR_HEADER = "X-Uptime-Operator"
MAX_NAME = 200


def engine_of(request: web.Request) -> EnginePort:
    """The engine this listener serves."""
    return request.app[ENGINE]


def operator_of(request: web.Request) -> Operator:
    """The Operator acting in this request: its API key, or the person the console names."""
    principal = request[PRINCIPAL]
    if principal.kind == CONSOLE:
        return console_person(request.headers.get(OPERATOR_HEADER))
    agent = request.headers.get("User-Agent")
    if agent is not None:  # headers arrive with undecodable bytes as surrogates; keep it short
        agent = agent.encode("utf-8", "replace").decode("utf-8")[:256]
    return Operator.api_key(principal.name, user_agent=agent, remote_addr=request.remote)


def console_person(header: str | None) -> Operator:
    """The person an X-Uptime-Operator header names; 400 saying what is wrong with it."""
    if header is None:
        raise ApiError(400, f"the console credential acts for a person: send the {OPERATOR_HEADER} header "
                            '(JSON {"name": ..., "context": {...}, "email": ...})')
    try:
        header.encode("utf-8")  # undecodable bytes arrive as surrogates
        value = json.loads(header)
    except (UnicodeEncodeError, ValueError):
        raise ApiError(400, f"the {OPERATOR_HEADER} header is not JSON") from None
    if not isinstance(value, dict):
        raise ApiError(400, f"the {OPERATOR_HEADER} header must be a JSON object")
    name, context, email = value.get("name"), value.get("context", {}), value.get("email")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME or "\x00" in name:
        raise ApiError(400, f"the {OPERATOR_HEADER} header's name must be a non-empty string "
                            f"of at most {MAX_NAME} characters")
    if not isinstance(context, dict):
        raise ApiError(400, f"the {OPERATOR_HEADER} header's context must be a JSON object")
    if "\\u0000" in json.dumps(context):  # PostgreSQL stores no NUL in text
        raise ApiError(400, f"the {OPERATOR_HEADER} header's context holds a NUL character")
    if email is not None and (not isinstance(email, str) or len(email) > MAX_NAME or "\x00" in email):
        raise ApiError(400, f"the {OPERATOR_HEADER} header's email must be a string or null")
    return Operator("user", name.strip(), context, email or None)


@contextmanager
def refusals_as_http(not_found: ApiError | None = None) -> Iterator[None]:
    """An OperationRefused raised inside becomes 404 (`not_found` when given), 409 or 400."""
    try:
        yield
    except OperationRefused as refused:
        if refused.kind == "not_found" and not_found is not None:
            raise not_found
        raise ApiError(STATUS_OF_REFUSAL.get(refused.kind, 400), refused.message)
