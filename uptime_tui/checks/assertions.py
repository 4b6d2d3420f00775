"""Conditions judged against what a check found (`Observation.facts`).

Every condition is judged, failed or not, so the console can show the last outcome of each; the
failed ones are named in the cause: `body.status is "DOWN", expected "UP"`.
"""

from __future__ import annotations

import json
from typing import Any

from uptime_tui.config.conditions import Condition
from uptime_tui.config.values import human_duration

_ABSENT = object()
_SHOWN = 60  # an actual value is shown cut to this many characters
_COMPARE = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def judge(conditions: tuple[Condition, ...], facts: dict) -> tuple[tuple[bool, str], ...]:
    """(passed, what was found) for each condition, in order; `what was found` is short text."""
    parsed_body: list = []  # the body parsed as JSON once, for every body.<path> condition
    return tuple(_judge(c, facts, parsed_body) for c in conditions)


def failures(conditions: tuple[Condition, ...], outcomes: tuple[tuple[bool, str], ...]) -> list[str]:
    """The cause's words for each failed condition."""
    return [_failure(c, found) for c, (passed, found) in zip(conditions, outcomes) if not passed]


def _judge(c: Condition, facts: dict, parsed_body: list) -> tuple[bool, str]:
    actual = _actual(c, facts, parsed_body)
    if isinstance(actual, _Missing):
        return False, actual.reason
    return _holds(c, actual), _show(c, actual)


class _Missing:
    """Why a fact has no value for this check ("not JSON", "absent")."""

    def __init__(self, reason: str):
        self.reason = reason


def _actual(c: Condition, facts: dict, parsed_body: list) -> Any:
    if c.fact == "connected":
        return bool(facts.get("connected", False))
    value = facts.get(c.fact, _ABSENT)
    if value is _ABSENT:
        return _Missing("not known")
    if c.fact == "header":
        return value.get(c.path, _Missing("absent"))
    if c.fact == "body" and c.finder is not None:
        if not parsed_body:
            try:
                parsed_body.append(json.loads(value))
            except ValueError:
                parsed_body.append(_Missing("not JSON"))
        document = parsed_body[0]
        if isinstance(document, _Missing):
            return document
        found = [m.value for m in c.finder.find(document)]
        return found[0] if len(found) == 1 else (found if found else _Missing("absent"))
    return value


def _holds(c: Condition, actual: Any) -> bool:
    expected = c.expected
    if c.op == "matches":
        return expected.search(_as_text(actual)) is not None
    if c.op in ("contains", "not contains"):
        return (expected in _as_text(actual)) == (c.op == "contains")
    if isinstance(expected, float) and not isinstance(actual, bool):
        try:
            actual = float(actual)
        except (TypeError, ValueError):
            return c.op == "!="
    elif isinstance(expected, str) and not isinstance(actual, str):
        actual = _as_text(actual)
    if isinstance(expected, str) and c.fact in ("dns.rcode", "grpc.status"):
        actual = actual.upper()
    try:
        return _COMPARE[c.op](actual, expected)
    except TypeError:  # None < 5
        return c.op == "!="


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value) if isinstance(value, (list, dict)) else str(value)


def _show(c: Condition, actual: Any) -> str:
    if c.fact in ("response_time", "rtt", "certificate_expires") and isinstance(actual, (int, float)):
        return _duration(actual)
    if c.fact == "loss":
        return f"{actual:g}%"
    if c.fact == "body" and c.finder is None:
        return f"{len(actual):,} characters"  # the body itself is no cause
    text = json.dumps(actual) if isinstance(actual, str) else _as_text(actual)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def _duration(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 1:
        return f"{sign}{seconds * 1000:.0f}ms"
    if seconds < 120:
        return f"{sign}{seconds:.3g}s"
    return sign + human_duration(round(seconds / 60) * 60 if seconds < 7200 else round(seconds / 3600) * 3600)


def _failure(c: Condition, found: str) -> str:
    if c.op == "matches":
        return f"{c.subject} does not match {json.dumps(c.expected.pattern)}" + (
            f" ({found})" if found in ("not known", "absent", "not JSON") else "")
    if found in ("not known", "absent"):
        return f"{c.subject} is {found}, expected {c.op} {_expected(c)}"
    if found == "not JSON":
        return f"{c.subject}: the body is not JSON"
    if c.op in ("contains", "not contains"):
        verb = "to contain" if c.op == "contains" else "not to contain"
        return f"{c.subject} is {found}, expected {verb} {json.dumps(c.expected)}"
    if c.op == "==":
        return f"{c.subject} is {found}, expected {_expected(c)}"
    return f"{c.subject} is {found}, expected {c.op} {_expected(c)}"


def _expected(c: Condition) -> str:
    if c.fact in ("response_time", "rtt", "certificate_expires"):
        return _duration(c.expected)
    if isinstance(c.expected, str):
        return c.expected if c.fact in ("dns.rcode", "grpc.status") else json.dumps(c.expected)
    return _as_text(c.expected)
