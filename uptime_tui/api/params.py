"""Reading query parameters and JSON bodies: every refusal is a 400 that names the field.

Numbers are ASCII digits only (Python's `int()` would take Arabic-Indic digits and underscores);
times are RFC 3339 with a `T`, seconds and an offset, nothing looser; JSON bodies are read up to a
limit (413 beyond it) and must be objects.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from aiohttp import web

from uptime_tui.api.errors import ApiError, bad_request
from uptime_tui.audit import as_utc

BODY_LIMIT = 64 * 1024  # bytes of a JSON request body
MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
MAX_TEXT = 2000  # characters of a reason

# What str.strip() removes (and so what the engine calls blank), spelled out so the OpenAPI
# pattern and this check agree whatever a regex engine calls \s.
BLANK = "\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
TEXT_PATTERN = f"^[^\x00]*[^{BLANK}\x00][^\x00]*$"  # not blank, no NUL

_DIGITS = re.compile(r"[0-9]+")
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})")


def digits(text: str | None) -> int | None:
    """`text` as a non-negative integer if it is plain ASCII digits, else None."""
    if text is None or not _DIGITS.fullmatch(text):
        return None
    return int(text) if len(text) <= 18 else 10**18  # past every bound, without a huge int()


def clean(text: str, name: str) -> str:
    """Text a database can store and compare: no NUL, valid Unicode, at most MAX_TEXT characters."""
    if "\x00" in text:
        raise bad_request(f"{name} must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise bad_request(f"{name} must be valid Unicode text")
    if len(text) > MAX_TEXT:
        raise bad_request(f"{name} must be at most {MAX_TEXT} characters")
    return text


def query_int(request: web.Request, name: str, default: int | None, low: int, high: int | None,
              message: str | None = None) -> int | None:
    """An integer query parameter within [low, high]."""
    raw = request.query.get(name)
    if raw is None:
        return default
    value = digits(raw)
    if value is None or value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"an integer of at least {low}"
        raise bad_request(message or f"{name} must be {bound}")
    return value


def query_bool(request: web.Request, name: str, default: bool = False) -> bool:
    """`true` or `false`."""
    raw = request.query.get(name)
    if raw is None:
        return default
    if raw not in ("true", "false"):
        raise bad_request(f"{name} must be true or false")
    return raw == "true"


def parse_time(text: str, name: str) -> datetime:
    """An RFC 3339 date-time such as 2026-05-07T09:14:02Z, as an aware UTC datetime."""
    if not _RFC3339.fullmatch(text):
        hint = " (encode + as %2B in a URL)" if " " in text else ""
        raise bad_request(f"{name} must be an RFC 3339 date-time such as 2026-05-07T09:14:02Z{hint}")
    try:
        value = datetime.fromisoformat(text.upper())
    except ValueError:
        raise bad_request(f"{name} is not a valid date-time: {text}")
    return as_utc(value)


def query_time(request: web.Request, name: str) -> datetime | None:
    """An optional RFC 3339 query parameter."""
    raw = request.query.get(name)
    return None if raw is None else parse_time(raw, name)


async def json_body(request: web.Request, *, required: bool = True) -> dict:
    """The request's JSON object (an empty body is `{}` when not `required`)."""
    if request.content_length is not None and request.content_length > BODY_LIMIT:
        raise ApiError(413, f"request body too large (at most {BODY_LIMIT} bytes)")
    raw = bytearray()
    while chunk := await request.content.read(BODY_LIMIT):
        raw += chunk
        if len(raw) > BODY_LIMIT:
            raise ApiError(413, f"request body too large (at most {BODY_LIMIT} bytes)")
    if not raw.strip():
        if required:
            raise bad_request("a JSON object body is required")
        return {}
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError too
        raise bad_request(f"malformed JSON body: {exc}")
    if not isinstance(value, dict):
        raise bad_request("the body must be a JSON object")
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def body_text(body: dict, name: str, *, required: bool) -> str | None:
    """A non-blank string field of at most MAX_TEXT characters."""
    value = body.get(name)
    if value is None:
        if required:
            raise bad_request(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise bad_request(f"{name} must be a string")
    if not re.search(f"[^{BLANK}]", value):
        raise bad_request(f"{name} must not be empty")
    return clean(value, name)


def body_bool(body: dict, name: str, default: bool) -> bool:
    """A boolean field."""
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise bad_request(f"{name} must be true or false")
    return value


# The API's own range for a snooze's length; the engine then holds the snooze to 30 days.
SNOOZE_RANGE = (1.0, timedelta(days=365).total_seconds())


def body_duration(body: dict, name: str) -> timedelta | None:
    """A duration in the config's grammar ("30s", "1h30m") or a number of seconds, 1s to 365d;
    refusals are the config's reasons after the field's name."""
    from uptime_tui.config.values import duration_in

    value = body.get(name)
    if value is None:
        return None
    try:
        return timedelta(seconds=duration_in(SNOOZE_RANGE)(value))
    except ValueError as exc:
        raise bad_request(f"{name} {exc}") from None


def body_time(body: dict, name: str) -> datetime | None:
    """An optional RFC 3339 field."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(f"{name} must be an RFC 3339 date-time such as 2026-05-07T09:14:02Z")
    return parse_time(value, name)
