"""Errors of the REST API: always JSON `{"error": "..."}` with the right status, never a traceback.

Handlers raise `ApiError`; the middleware turns it, aiohttp's own HTTP exceptions (unknown path,
wrong method, body too large) and anything unexpected into JSON. An unexpected exception is logged
with its traceback on the server and answered with a bare 500, so no input can show a client the
program's insides. Ping endpoints answer with their own plain-text bodies (Healthchecks' format),
which are responses, not exceptions, and pass through untouched.
"""

from __future__ import annotations

import logging

from aiohttp import web

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A refusal with an HTTP status and a message for the client."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def bad_request(message: str) -> ApiError:
    """400 with `message`."""
    return ApiError(400, message)


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """The JSON body every error of the API has."""
    return web.json_response({"error": message}, status=status, headers=headers)


_REASONS = {
    404: "not found",
    405: "method not allowed",
    413: "request body too large",
}


@web.middleware
async def json_errors(request: web.Request, handler) -> web.StreamResponse:
    """Answer every error as JSON."""
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.message, exc.headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k in ("Allow", "WWW-Authenticate")}
        return error_response(exc.status, _REASONS.get(exc.status, exc.reason.lower()), headers)
    except Exception:
        # The route's pattern only: headers carry bearer tokens and ping paths carry tokens.
        resource = request.match_info.route.resource
        log.exception("%s %s failed", request.method, resource.canonical if resource else "?")
        return error_response(500, "internal error")
