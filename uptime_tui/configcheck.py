"""Building blocks of config validation: value parsers and a reader that collects problems.

A parser takes a raw YAML value and returns the typed value or raises `ValueError` with a reason
a person can act on. The `Reader` applies parsers to mapping keys and records each failure with
the position of the offending value, so validation goes on and reports everything at once.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from uptime_tui.yamltree import Tree

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

def duration(value: Any) -> float:
    """'30s', '5m', '1h30m', '2d' (or a bare number of seconds) -> seconds."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration like 30s, 5m, 1h, 2d, got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        text = str(value).strip().replace(" ", "")
        if not text or _DURATION_PART.sub("", text):
            raise ValueError(f"expected a duration like 30s, 5m, 1h, 2d, got {value!r}")
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text))
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative, got {value!r}")
    return seconds


def positive_duration(minimum: float = 1.0) -> Callable[[Any], float]:
    """A duration of at least `minimum` seconds."""

    def parse(value: Any) -> float:
        if isinstance(value, str) and value.strip().startswith("-"):
            raise ValueError(f"a duration cannot be negative, got {value!r}")
        seconds = duration(value)
        if seconds < minimum:
            raise ValueError(f"must be at least {minimum:g}s, got {value!r}")
        return seconds

    return parse


def text(value: Any) -> str:
    """A non-empty string (numbers are accepted and turned into text)."""
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        raise ValueError(f"expected text, got {_kind(value)}")
    result = str(value)
    if not result.strip():
        raise ValueError("must not be empty")
    return result


def identifier(value: Any) -> str:
    """An id: letters, digits, and _ . : - ; at most 128 characters."""
    result = text(value)
    if not _ID.match(result):
        raise ValueError(f"{result!r} is not a valid id (letters, digits, '_', '.', ':', '-')")
    return result


def boolean(value: Any) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def integer(low: int, high: int | None = None) -> Callable[[Any], int]:
    """A whole number in [low, high]."""

    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {value!r}")
        if value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise ValueError(f"must be {bounds}, got {value}")
        return value

    return parse


def port(value: Any) -> int:
    """A TCP port, 1-65535."""
    return integer(1, 65535)(value)


def one_of(*choices: str) -> Callable[[Any], str]:
    """One of a fixed set of words; suggests the nearest on a typo."""

    def parse(value: Any) -> str:
        word = text(value)
        if word not in choices:
            raise ValueError(f"{word!r} is not one of {', '.join(choices)}{_suggestion(word, choices)}")
        return word

    return parse


def text_list(value: Any) -> tuple:
    """A list of strings (a single string is a list of one)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {_kind(value)}")
    return tuple(text(v) for v in value)


def text_mapping(value: Any) -> dict:
    """A mapping of text to text (HTTP headers)."""
    if not isinstance(value, dict):
        raise ValueError(f"expected a mapping, got {_kind(value)}")
    return {str(k): text(v) for k, v in value.items()}


def timezone(value: Any) -> str:
    """An IANA time zone name such as Europe/Berlin."""
    name = text(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin or UTC)")
    return name


def cron(value: Any) -> str:
    """A five-field cron expression, checked by cronsim (the parser Healthchecks uses)."""
    from cronsim import CronSim, CronSimError
    from datetime import datetime

    expression = text(value).strip()
    try:
        CronSim(expression, datetime(2000, 1, 1))
    except CronSimError as exc:
        raise ValueError(f"cannot parse cron expression {expression!r}: {exc}")
    return expression


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", type(None): "nothing"}.get(type(value), repr(value))


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
                self.problem(path + (key,), f"unknown key '{key}'{_suggestion(key, allowed)}", at_key=True)
        for key in required:
            if key not in value:
                self.problem(path, f"'{key}' is required")
        return value

    def items(self, value: Any, path: tuple) -> list:
        """The entries of a list section (missing -> empty)."""
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
            return default

    def unique(self, entries: list, path: tuple, label: str, key: str = "id", secret: bool = False) -> None:
        """Report entries of one list that share an id (or name, or token: then never shown)."""
        seen: dict = {}
        for index, entry in enumerate(entries):
            value = entry.get(key) if isinstance(entry, dict) else None
            if value is None:
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
