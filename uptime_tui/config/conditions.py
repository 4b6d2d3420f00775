"""Conditions: assertions over a check's result, in the spirit of Gatus (`status == 200`,
`body.status == "UP"`, `response_time < 300ms`, `certificate_expires > 14d`).

A condition is `FACT OPERATOR VALUE`. The facts a probe can record are named in FACTS with their
kind, which says how the value on the right is read (a duration with its unit, a number, a word);
a type lists the facts its probe records (`MonitorType.facts`), so a condition on a fact the type
never has is refused at load, at its line and column.
"""

from __future__ import annotations

# Every fact a probe may record in `Observation.facts`, and its kind. Durations are seconds.
FACTS = {
    "connected": "boolean",            # a connection was made (every type but ping and dns)
    "response_time": "duration",       # the whole check (every type; set by run_check)
    "status": "number",                # the HTTP status code
    "body": "text",                    # the HTTP body (first MiB), or a DNS answer's records
    "header": "text",                  # header.NAME: a response header (names without case)
    "certificate_expires": "duration",  # until the peer certificate's notAfter (negative: expired)
    "dns.rcode": "word",               # NOERROR, NXDOMAIN, SERVFAIL...
    "loss": "number",                  # ping: percent of packets lost, 0 to 100
    "rtt": "duration",                 # ping: the mean round trip
    "result": "text",                  # a database query's first column of its first row
    "rows": "number",                  # a database query's row count
    "banner": "text",                  # ssh and smtp: the server's greeting
    "host_key": "text",                # ssh: the host key's SHA256 fingerprint (SHA256:...)
    "grpc.status": "word",             # SERVING, NOT_SERVING, UNKNOWN, SERVICE_UNKNOWN
    "message": "text",                 # websocket: the reply to the message sent
}

import re
from dataclasses import dataclass, field
from typing import Any

from uptime_tui.config.values import duration, shown, text

COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")
TEXT_OPERATORS = ("contains", "not contains", "matches")
_SHAPE = re.compile(r"\s*(?P<fact>\S+?)\s*(?P<op>==|!=|<=|>=|<|>|\snot\s+contains\s|\scontains\s|\smatches\s)\s*"
                    r"(?P<value>.*?)\s*$")
_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?")
# Facts that are text but whose value on the right may be of any literal kind (a JSON field can
# hold a number or true; a query's result too).
_LOOSE = ("body", "result")


@dataclass(frozen=True)
class Condition:
    """One parsed assertion: `body.status == "UP"` -> fact 'body', path 'status', op '==', "UP"."""

    source: str  # as written, shown beside its last outcome
    fact: str  # a FACTS key
    op: str
    expected: Any  # float (numbers, durations in seconds), bool, str, or a compiled pattern
    path: str | None = None  # body.<path> (JSON path) or header.<name> (lower case)
    finder: Any = field(default=None, compare=False, repr=False)  # the compiled JSON path

    @property
    def subject(self) -> str:
        """What is tested, as written: "body.status", "header.content-type", "status"."""
        return f"{self.fact}.{self.path}" if self.path else self.fact


def condition(value: Any) -> Condition:
    """'FACT OPERATOR VALUE' -> Condition, or ValueError saying what is wrong with it."""
    source = text(value).strip()
    match = _SHAPE.match(f"{source} ") if source else None
    if match is None or not match["value"]:
        raise ValueError(f"expected FACT OPERATOR VALUE such as 'status == 200' or 'body.status == \"UP\"',"
                         f" got {shown(source)}")
    subject, op = match["fact"], " ".join(match["op"].split())
    fact, _, path = subject.partition(".") if not subject.startswith("dns.") and not subject.startswith("grpc.") \
        else (subject, "", "")
    if fact not in FACTS:
        raise ValueError(f"unknown fact {shown(subject)} (facts: {', '.join(_fact_names())})")
    if path and fact not in ("body", "header"):
        raise ValueError(f"{shown(subject)}: only body and header take a path (body.status, header.content-type)")
    if fact == "header" and not path:
        raise ValueError("name the header: header.content-type")
    if match["value"][0] in "=<>!":  # `===`, `=>`, `<>`: not an operator we have, not a value
        raise ValueError(f"{shown(source)}: the operator is one of {', '.join(COMPARISONS + TEXT_OPERATORS)}")
    kind = FACTS[fact]
    finder = _json_path(path) if fact == "body" and path else None
    expected = _expected(kind, fact, op, match["value"], loose=fact in _LOOSE)
    return Condition(source, fact, op, expected, path.lower() if fact == "header" else (path or None), finder)


def _fact_names() -> list[str]:
    return [f"{name}.NAME" if name == "header" else name for name in FACTS] + ["body.PATH"]


def _json_path(path: str):
    """A JSON path into the body (`status`, `data[0].id`), compiled by jsonpath-ng once, here."""
    from jsonpath_ng.exceptions import JSONPathError
    from jsonpath_ng.ext import parse

    try:
        return parse(f"$.{path}")
    except (JSONPathError, Exception) as exc:  # ply raises plain Exceptions on some inputs
        raise ValueError(f"cannot parse the JSON path {shown(path)}: {exc}") from None


def _expected(kind: str, fact: str, op: str, raw: str, loose: bool) -> Any:
    """The value on the right, read as the fact's kind says; operators the kind cannot take refused."""
    allowed = {"duration": COMPARISONS, "number": COMPARISONS, "boolean": ("==", "!="),
               "word": ("==", "!="), "text": COMPARISONS + TEXT_OPERATORS}[kind]
    if op not in allowed:
        raise ValueError(f"{fact} cannot be tested with {op!r} (use {', '.join(allowed)})")
    if op == "matches":
        pattern = _literal(raw)
        try:
            return re.compile(pattern if isinstance(pattern, str) else str(pattern))
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
    if kind == "duration":
        if _NUMBER.fullmatch(raw):
            raise ValueError(f"{fact} is a duration: give a unit, such as {raw}ms or {raw}s")
        sign = -1 if raw.startswith("-") else 1
        return sign * duration(raw.lstrip("-"))
    if kind == "number":
        if not _NUMBER.fullmatch(raw):
            raise ValueError(f"{fact} is a number, got {shown(raw)}")
        return float(raw)
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise ValueError(f"{fact} is true or false, got {shown(raw)}")
        return raw == "true"
    if kind == "word":
        return str(_literal(raw)).upper()
    value = _literal(raw)
    if op in ("<", "<=", ">", ">=") and not isinstance(value, float):
        raise ValueError(f"{op} compares numbers, got {shown(raw)}")
    if op in TEXT_OPERATORS:
        return str(value) if not isinstance(value, float) else raw
    return value if loose or isinstance(value, str) else raw


def _literal(raw: str) -> Any:
    """"UP" or 'UP' -> 'UP'; 200 -> 200.0; true -> True; null -> None; a bare word -> itself."""
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    if _NUMBER.fullmatch(raw):
        return float(raw)
    return {"true": True, "false": False, "null": None}.get(raw, raw)


def conditions_of(facts: tuple[str, ...]) -> str:
    """The facts a type has, for an error: "status, body, header.NAME, response_time"."""
    names = [f"{f}.NAME" if f == "header" else f for f in facts]
    return ", ".join(names + (["body.PATH"] if "body" in facts else []))
