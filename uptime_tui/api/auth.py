"""Who calls: `Authorization: Bearer <token>` names an API key (permissions `read`, `write`) or,
on an engine a console may attach to, the console credential (read and write, as the principal
"console"; the person acting is named per request, api/operator.py).

Keys are read from the engine's current config on every request, so a reload that adds or removes
a key takes effect at once. The console credential is the token the runtime wrote to a file only
this host's user can read, handed to the listener at start. The presented token is compared with
the console token and every configured token in constant time (over SHA-256 digests, so lengths
leak nothing either) and without stopping at the first match. Tokens are never logged nor echoed
in an error.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from dataclasses import dataclass
from typing import Awaitable, Callable

from aiohttp import web

from uptime_tui.api.app_keys import CONSOLE_TOKEN, ENGINE
from uptime_tui.api.errors import ApiError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CONSOLE = "console"  # the principal of the console credential


@dataclass(frozen=True)
class Principal:
    """Who authenticated a request: an API key (by its name) or the console credential."""

    kind: str  # api_key | console
    name: str
    permissions: frozenset


PRINCIPAL: web.RequestKey[Principal] = web.RequestKey("principal", Principal)

UNAUTHORIZED = ApiError(401, "missing or invalid API key (send Authorization: Bearer <token>)",
                        {"WWW-Authenticate": 'Bearer realm="uptime-tui"'})


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()


def find_principal(keys, console_token: str | None, authorization: str | None) -> Principal | None:
    """The console credential or the configured key presented in the Authorization header, if any."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    presented = _digest(token.strip())
    found = None
    if console_token and hmac.compare_digest(presented, _digest(console_token)):
        found = Principal(CONSOLE, CONSOLE, frozenset({"read", "write"}))
    for key in keys:
        if hmac.compare_digest(presented, _digest(key.token)) and found is None:
            found = Principal("api_key", key.name, frozenset(key.permissions))
    return found


def requires(permission: str) -> Callable[[Handler], Handler]:
    """Wrap a handler so it runs only for a principal with `permission` (401 / 403 otherwise)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            principal = find_principal(request.app[ENGINE].config.api_keys, request.app.get(CONSOLE_TOKEN),
                                       request.headers.get("Authorization"))
            if principal is None:
                raise UNAUTHORIZED
            if permission not in principal.permissions:
                raise ApiError(403, f"the API key '{principal.name}' lacks the {permission} permission")
            request[PRINCIPAL] = principal
            return await handler(request)

        return guarded

    return decorate
