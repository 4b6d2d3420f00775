"""Building blocks of config validation: value parsers and a reader that collects problems.

A parser takes a raw YAML value and returns the typed value or raises `ValueError` with a reason
a person can act on; durations and numbers are read within the ranges in `config.limits`, and a
refused value is echoed cut short (`shown`). The `Reader` applies parsers to mapping keys and
records each failure with the position of the offending value, so validation goes on and reports
everything at once.

Every parser also carries `json_schema`, a JSON Schema fragment of the raw YAML values it takes
(`described`), from which `config.json_schema` builds the schema editors check the file with.
"""

from __future__ import annotations

import difflib
import math
import re
from datetime import datetime
from functools import lru_cache
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from uptime_tui.config import limits
from uptime_tui.config.yamltree import Tree

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")


def render_path(path: tuple) -> str:
    """("monitors", 2, "interval") -> "monitors[2].interval"."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# --- value parsers -------------------------------------------------------------------------------

def described(schema: dict) -> Callable[[Callable], Callable]:
    """Give a parser `json_schema`: the JSON Schema of the raw YAML values it accepts, for editors
    (config.json_schema; a fragment without a description gets the docstring's first line there)."""

    def attach(parse: Callable) -> Callable:
        parse.json_schema = schema
        return parse

    return attach


def like(parse: Callable) -> dict:
    """A parser's schema without its description, for a parser that wraps it (`webhook_url`)."""
    return {key: value for key, value in parse.json_schema.items() if key != "description"}


DURATION_EXAMPLES = "30s, 5m, 1h30m or 2d"
# The duration grammar below as a JSON Schema pattern (ECMA-262): spaces may sit between the parts.
_DURATION_TEXT = r"^\s*(?:[0-9][0-9 ]*(?:\.[0-9 ]*[0-9])? *(?:ms|s|m|h|d|w) *)+\s*$"
_TEXT = {"anyOf": [{"type": "string", "minLength": 1}, {"type": "number"}]}


def _duration_schema(low: float = 0, high: float | None = None) -> dict:
    seconds = {"type": "number", "minimum": low} | ({"maximum": high} if high is not None else {})
    # patternErrorMessage: what yaml-language-server says instead of quoting the pattern
    written = {"type": "string", "pattern": _DURATION_TEXT, "patternErrorMessage": f"a duration such as {DURATION_EXAMPLES}"}
    return {"anyOf": [written, seconds]}


@described(_duration_schema() | {"description": f"A duration such as {DURATION_EXAMPLES} (a bare number is seconds)"})
def duration(value: Any) -> float:
    """'30s', '5m', '1h30m', '2d', '500ms' (or a bare number of seconds) -> seconds; finite, not negative.

    The one duration grammar: the YAML, the API's snooze, the audit filter's `since` and the
    console's snooze dialog all read durations here, and each refusal is a reason that reads after
    the name of what was refused ("interval must be at least 1s, got '0s'"). Text needs a unit, so
    that '2026' in a field that also takes a date is never read as seconds; a bare number of
    seconds comes as a number (YAML or JSON).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"must be a duration such as {DURATION_EXAMPLES}, got {_kind(value)}")
    if isinstance(value, str) and value.strip().startswith("-"):
        raise ValueError(f"must not be negative, got {shown(value)}")
    if isinstance(value, (int, float)):
        try:
            seconds = float(value)
        except OverflowError:  # an int past float's range
            seconds = math.inf
    else:
        text = value.strip().replace(" ", "")
        if not text or _DURATION_PART.sub("", text):
            raise ValueError(f"must be a duration such as {DURATION_EXAMPLES}, got {shown(value)}")
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text))
    if not math.isfinite(seconds):  # YAML's .nan passes any range check; digits past float's range
        raise ValueError(f"must be a finite duration such as {DURATION_EXAMPLES}, got {shown(value)}")
    if seconds < 0:
        raise ValueError(f"must not be negative, got {shown(value)}")
    return seconds


@lru_cache(maxsize=256)  # one parser (and schema) per range, not per value read
def duration_in(bounds: tuple[float, float]) -> Callable[[Any], float]:
    """A duration from `low` to `high` seconds (the ranges are in config.limits)."""
    low, high = bounds
    span = f"from {human_duration(low)} to {human_duration(high)}" if low else f"up to {human_duration(high)}"

    @described(_duration_schema(low, high) | {"description": f"A duration {span}, such as {DURATION_EXAMPLES}"
                                                             " (a bare number is seconds)"})
    def parse(value: Any) -> float:
        seconds = duration(value)
        if seconds < low:
            raise ValueError(f"must be at least {human_duration(low)}, got {shown(value)}")
        if seconds > high:
            raise ValueError(f"must be at most {human_duration(high)}, got {shown(value)}")
        return seconds

    return parse


def human_duration(seconds: float) -> str:
    """86400 -> '1d', 0.1 -> '100ms': a bound written the way the file would write it."""
    for unit in ("d", "h", "m", "s"):
        if seconds >= _UNIT_SECONDS[unit] and seconds % _UNIT_SECONDS[unit] == 0:
            return f"{seconds // _UNIT_SECONDS[unit]:g}{unit}"
    return f"{seconds * 1000:g}ms" if seconds < 1 else f"{seconds:g}s"


@described(_TEXT)
def text(value: Any) -> str:
    """A non-empty string (numbers are accepted and turned into text)."""
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        raise ValueError(f"expected text, got {_kind(value)}")
    result = str(value)
    if not result.strip():
        raise ValueError("must not be empty")
    return result


@described({"anyOf": [{"type": "string", "pattern": _ID.pattern, "patternErrorMessage": "letters, digits, '_', '.',"
                                                                                   " ':', '-' (at most 128)"},
                      {"type": "integer", "minimum": 0}]})
def identifier(value: Any) -> str:
    """An id: letters, digits, and _ . : - ; at most 128 characters."""
    result = text(value)
    if not _ID.match(result):
        raise ValueError(f"{shown(result)} is not a valid id (letters, digits, '_', '.', ':', '-')")
    return result


@described({"type": "boolean"})
def boolean(value: Any) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {_kind(value)}")
    return value


@lru_cache(maxsize=256)
def integer(low: int, high: int | None = None) -> Callable[[Any], int]:
    """A whole number in [low, high]."""
    bounds = {"minimum": low} | ({"maximum": high} if high is not None else {})
    span = f"from {low} to {high}" if high is not None else f"at least {low}"

    @described({"type": "integer", **bounds, "description": f"A whole number {span}"})
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {_kind(value)}")
        if value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise ValueError(f"must be {bounds}, got {shown(value)}")
        return value

    return parse


@described({"type": "integer", "minimum": limits.PORT[0], "maximum": limits.PORT[1]})
def port(value: Any) -> int:
    """A TCP port, 1-65535."""
    return integer(*limits.PORT)(value)


@lru_cache(maxsize=256)
def one_of(*choices: str, uppercase: bool = False) -> Callable[[Any], str]:
    """One of a fixed set of words; suggests the nearest on a typo. With `uppercase`, the words
    are upper case and read in any case (HTTP methods)."""
    words = [*choices, *(c.lower() for c in choices)] if uppercase else list(choices)

    @described({"enum": words, "description": f"One of {', '.join(choices)}"})
    def parse(value: Any) -> str:
        word = text(value).upper() if uppercase else text(value)
        if word not in choices:
            raise ValueError(f"{shown(word)} is not one of {', '.join(choices)}{_suggestion(word, choices)}")
        return word

    return parse


@described({"anyOf": [_TEXT, {"type": "array", "items": _TEXT}]})
def text_list(value: Any) -> tuple:
    """A list of strings (a single string is a list of one)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {_kind(value)}")
    return tuple(text(v) for v in value)


@described({"type": "object", "additionalProperties": _TEXT})
def text_mapping(value: Any) -> dict:
    """A mapping of text to text (HTTP headers)."""
    if not isinstance(value, dict):
        raise ValueError(f"expected a mapping, got {_kind(value)}")
    return {str(k): text(v) for k, v in value.items()}


@described({"type": "string", "minLength": 1, "examples": ["UTC", "Europe/Berlin"]})
def timezone(value: Any) -> str:
    """An IANA time zone name such as Europe/Berlin."""
    name = text(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: 'Europe' is a directory
        raise ValueError(f"unknown time zone {shown(name)} (use an IANA name such as Europe/Berlin or UTC)")
    return name


@described({"type": "string", "minLength": 1, "examples": ["30 2 * * *", "0 3 * * SUN"]})
def cron(value: Any) -> str:
    """A five-field cron expression, checked by cronsim (the parser Healthchecks uses)."""
    from cronsim import CronSim, CronSimError

    expression = text(value).strip()
    try:
        CronSim(expression, datetime(2000, 1, 1))
    except CronSimError as exc:
        raise ValueError(f"cannot parse cron expression {shown(expression)}: {exc}")
    return expression


_STATUS = {"anyOf": [{"type": "integer", "minimum": 100, "maximum": 599},
                     {"type": "string", "pattern": r"^\s*[0-9]{1,3}\s*(?:-\s*(?:[0-9]{1,3}\s*)?)?$",
                      "patternErrorMessage": "a status code such as 200 or a range such as 200-399"}]}


@described({"anyOf": [_STATUS, {"type": "array", "items": _STATUS}],
            "description": 'HTTP status codes: 200, "200-299", or a list of them'})
def status_ranges(value: Any) -> tuple:
    """[200, "200-299", 301] -> ((200, 200), (200, 299), (301, 301))."""
    items = value if isinstance(value, list) else [value]
    ranges = []
    for item in items:
        low, _, high = str(item).partition("-")
        if not (low.strip().isdigit() and (not high or high.strip().isdigit())):
            raise ValueError(f"expected status codes such as 200 or 200-399, got {shown(item)}")
        if len(low.strip()) > 3 or len(high.strip()) > 3:  # before int(), which refuses 4,300 digits
            raise ValueError(f"status codes run from 100 to 599 (low first), got {shown(item)}")
        lo, hi = int(low), int(high or low)
        if not (100 <= lo <= hi <= 599):
            raise ValueError(f"status codes run from 100 to 599 (low first), got {shown(item)}")
        ranges.append((lo, hi))
    return tuple(ranges)


@lru_cache(maxsize=256)
def window_time_in(zone: str) -> Callable[[Any], datetime]:
    """`window_time` in a window's time zone, as a parser."""

    @described({"type": "string", "examples": ["2026-12-05 22:00", "2026-12-05T22:00:00Z"],
                "description": "An ISO 8601 time; without an offset, read in the window's time zone"})
    def parse(value: Any) -> datetime:
        return window_time(value, zone)

    return parse


def window_time(value: Any, zone: str) -> datetime:
    """An ISO 8601 time; without an offset it is read in the window's time zone. Only years
    `config.limits` allows, so no arithmetic on it can overflow (year 9999 at -01:00 would)."""
    if not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(text(value))
        except ValueError:
            raise ValueError(f"expected a time such as 2026-12-01 02:00 or 2026-12-01T02:00:00Z, got {shown(value)}")
    value = value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))
    try:
        year = value.astimezone(ZoneInfo("UTC")).year
    except OverflowError:
        year = value.year
    if not limits.EARLIEST_YEAR <= year <= limits.LATEST_YEAR:
        years = f"{limits.EARLIEST_YEAR} and {limits.LATEST_YEAR}"
        raise ValueError(f"must be between the years {years}, got {shown(value.isoformat())}")
    return value


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", type(None): "nothing"}.get(type(value)) or shown(value)


def shown(value: Any, limit: int = 60) -> str:
    """repr(value), cut short: a refused value can be megabytes long."""
    if isinstance(value, (dict, list)):
        return _kind(value)
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _quoted(key: str) -> str:
    return f"'{key}'" if len(key) <= 60 else f"'{key[:60]}…'"


def _suggestion(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


# --- the reader ----------------------------------------------------------------------------------

class Reader:
    """Reads typed values out of the parsed tree, recording a problem for each bad one."""

    def __init__(self, tree: Tree):
        self.tree = tree
        self.problems: list = []  # (Mark, path, message)

    def problem(self, path: tuple, message: str, at_key: bool = False) -> None:
        """Record a problem at the value of `path` (or at its key)."""
        mark = self.tree.key_marks.get(path) if at_key else None
        self.problems.append((mark or self.tree.mark(path), path, message))

    def mapping(self, value: Any, path: tuple, allowed, required=()) -> dict | None:
        """Check that `value` is a mapping with only `allowed` keys and all `required` ones."""
        if not isinstance(value, dict):
            self.problem(path, f"expected a mapping, got {_kind(value)}")
            return None
        for key in value:
            if key not in allowed:
                # Past the problems a person reads, a suggestion is not worth its cost (difflib).
                hint = _suggestion(key, allowed) if len(self.problems) < limits.MAX_PROBLEMS else ""
                self.problem(path + (key,), f"unknown key {_quoted(key)}{hint}", at_key=True)
        for key in required:
            if key not in value:
                self.problem(path, f"'{key}' is required")
        return value

    def items(self, value: Any, path: tuple, each: dict | None = None) -> list:
        """The entries of a list section (missing -> empty). `each` is the JSON Schema of one entry
        when the entries are not read through this reader (conditions), for config.json_schema."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(path, f"expected a list, got {_kind(value)}")
            return []
        return value

    def get(self, mapping: dict, path: tuple, key: str, parse: Callable[[Any], Any], default: Any = None) -> Any:
        """mapping[key] parsed, or `default` when absent or invalid (then a problem is recorded)."""
        if key not in mapping or mapping[key] is None:
            return default
        try:
            return parse(mapping[key])
        except ValueError as exc:
            self.problem(path + (key,), str(exc))
        except Exception as exc:  # a parser missed a case: still a problem at this value
            self.problem(path + (key,), f"cannot read this value ({type(exc).__name__})")
        return default

    def unique(self, entries: list, path: tuple, label: str, key: str = "id", secret: bool = False) -> None:
        """Report entries of one list that share an id (or name, or token: then never shown)."""
        seen: dict = {}
        for index, entry in enumerate(entries):
            value = entry.get(key) if isinstance(entry, dict) else None
            if value is None or isinstance(value, (dict, list)):  # not an id: reported where it is read
                continue
            if value in seen:
                first = self.tree.mark(path + (seen[value], key)).line
                shown = "" if secret else f" '{value}'"
                self.problem(path + (index, key), f"duplicate {label}{shown} (first defined at line {first})")
            else:
                seen[value] = index

    def reference(self, path: tuple, value: str | None, known, label: str) -> None:
        """Report a reference to something that does not exist."""
        if value is not None and value not in known:
            self.problem(path, f"unknown {label} '{value}'{_suggestion(value, known)}")
