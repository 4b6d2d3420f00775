"""API keys: `Authorization: Bearer <token>`, permissions `read` and `write`.

Keys are read from the engine's current config on every request, so a reload that adds or removes
a key takes effect at once. The presented token is compared with every configured token in
constant time (over SHA-256 digests, so lengths leak nothing either) and without stopping at the
first match. Tokens are never logged nor echoed in an error.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from typing import Awaitable, Callable

from aiohttp import web

from uptime_tui.api.errors import ApiError
from uptime_tui.api.app_keys import ENGINE
from uptime_tui.config import ApiKey

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
KEY: web.RequestKey[ApiKey] = web.RequestKey("api_key", ApiKey)  # the authenticated key

UNAUTHORIZED = ApiError(401, "missing or invalid API key (send Authorization: Bearer <token>)",
                        {"WWW-Authenticate": 'Bearer realm="uptime-tui"'})


def find_key(keys, authorization: str | None) -> ApiKey | None:
    """The configured key whose token is presented in the Authorization header, if any."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    presented = hashlib.sha256(token.strip().encode("utf-8", "surrogateescape")).digest()
    found = None
    for key in keys:
        expected = hashlib.sha256(key.token.encode("utf-8")).digest()
        if hmac.compare_digest(presented, expected) and found is None:
            found = key
    return found


def requires(permission: str) -> Callable[[Handler], Handler]:
    """Wrap a handler so it runs only for a key with `permission` (401 / 403 otherwise)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            key = find_key(request.app[ENGINE].config.api_keys, request.headers.get("Authorization"))
            if key is None:
                raise UNAUTHORIZED
            if permission not in key.permissions:
                raise ApiError(403, f"the API key '{key.name}' lacks the {permission} permission")
            request[KEY] = key
            return await handler(request)

        return guarded

    return decorate
