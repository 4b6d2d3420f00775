"""Gatus conditions (`[STATUS] == 200`, `[BODY].status == UP`, `[RESPONSE_TIME] < 300`) in our
syntax (`status == 200`, `body.status == "UP"`, `response_time < 300ms`).

`translate` answers a `Translated`: our condition and the monitor it belongs on ("self", or "tls"
for a certificate condition, since our http monitors record no certificate fact), or the reason
it cannot be carried over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SHAPE = re.compile(r"^\s*(?P<left>.+?)\s*(?P<op>==|!=|<=|>=|<|>)\s*(?P<right>.*?)\s*$")
_BODY_PATH = re.compile(r"^\[BODY\](?:\.(?P<path>[A-Za-z0-9_.\[\]-]+))?$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w))+$")
_FUNCTION = re.compile(r"^(?P<name>len|has|pat|any)\((?P<arg>.*)\)$")
# Facts our types record, for the placeholders that differ by type (see config/conditions.py).
CONNECTS = ("http", "keyword", "tcp", "tls", "ssh", "smtp", "grpc", "websocket")


@dataclass(frozen=True)
class Translated:
    condition: str | None = None
    on: str = "self"  # or "tls": a separate certificate monitor
    reason: str | None = None  # why it is not carried over
    status: tuple | None = None  # (op, number) of a [STATUS] condition, to widen accepted_status


def translate(source: str, monitor_type: str) -> Translated:
    shape = _SHAPE.match(source)
    if shape is None:
        return Translated(reason="not a comparison we can read")
    left, op, right = shape["left"], shape["op"], shape["right"]
    if _FUNCTION.match(left):
        name = _FUNCTION.match(left)["name"]
        return Translated(reason=f"{name}() on the left has no counterpart in our conditions")
    if left == "[STATUS]":
        if monitor_type not in ("http", "keyword") or not _NUMBER.match(right):
            return _any_or(right, "[STATUS] is only an http fact here, compared with a number")
        return Translated(f"status {op} {right}", status=(op, int(float(right))))
    if left == "[RESPONSE_TIME]":
        if not _NUMBER.match(right):
            return Translated(reason="[RESPONSE_TIME] is compared with milliseconds")
        return Translated(f"response_time {op} {right}ms")
    if left == "[CERTIFICATE_EXPIRATION]":
        value = right if _DURATION.match(right) else None
        if value is None:
            return Translated(reason="[CERTIFICATE_EXPIRATION] is compared with a duration such as 48h")
        if monitor_type in ("http", "keyword"):
            return Translated(f"certificate_expires {op} {value}", on="tls")
        if monitor_type in ("tls", "smtp", "grpc"):
            return Translated(f"certificate_expires {op} {value}")
        return Translated(reason=f"our {monitor_type} monitors record no certificate")
    if left == "[DNS_RCODE]":
        if monitor_type != "dns":
            return Translated(reason="[DNS_RCODE] is only recorded by dns monitors")
        return Translated(f"dns.rcode {op} {right.upper()}")
    if left == "[CONNECTED]":
        if right not in ("true", "false") or op not in ("==", "!="):
            return Translated(reason="[CONNECTED] is compared with true or false")
        wanted = (right == "true") == (op == "==")
        if monitor_type == "ping":  # Gatus' icmp is "connected" when an echo came back
            return Translated("loss < 100" if wanted else "loss == 100")
        if monitor_type not in CONNECTS:
            return Translated(reason=f"our {monitor_type} monitors record no connection")
        return Translated(f"connected == {'true' if wanted else 'false'}")
    body = _BODY_PATH.match(left)
    if body:
        if monitor_type not in ("http", "keyword", "dns"):
            return Translated(reason=f"our {monitor_type} monitors record no body")
        fact = "body" + (f".{body['path']}" if body["path"] else "")
        return _body(fact, op, right)
    if left in ("[DOMAIN_EXPIRATION]", "[IP]", "[RESULT]", "[ERROR]"):
        return Translated(reason=f"{left} has no counterpart in our facts")
    return Translated(reason=f"{left} is not a placeholder we know")


def _body(fact: str, op: str, right: str) -> Translated:
    function = _FUNCTION.match(right)
    if function and function["name"] == "pat" and op in ("==", "!="):
        if op == "!=":
            return Translated(reason="!= pat() has no counterpart (our matches has no negation)")
        return Translated(f'{fact} matches "{_glob_regex(function["arg"])}"')
    if function:
        return _any_or(right, f"{function['name']}() on the right has no counterpart in our conditions")
    if _NUMBER.match(right) or right in ("true", "false"):
        return Translated(f"{fact} {op} {right}")
    if op not in ("==", "!="):
        return Translated(reason=f"{op} with text has no counterpart in our conditions")
    # Our reader strips the quotes and keeps what is between them as is (no escapes).
    return Translated(f'{fact} {op} "{right.strip(chr(34))}"')


def _any_or(right: str, reason: str) -> Translated:
    if right.startswith("any("):
        return Translated(reason="any() (one of several values) has no counterpart in our conditions")
    return Translated(reason=reason)


def _glob_regex(glob: str) -> str:
    """Gatus' pat(): `*` is any text, the whole value must match."""
    return "^" + ".*".join(re.escape(part) for part in glob.split("*")) + "$"
