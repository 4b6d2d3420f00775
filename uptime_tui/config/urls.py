"""Where the config points: listen addresses, host names, http URLs, URL-safe tokens and slugs.
Parsers in the style of config.values: a value in, the typed value out or a ValueError with a
reason; a secret is never echoed in the reason. (A channel kind's URLs, webhook and Apprise, are
checked by the kind's own module in notify/channels/.)
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import Any, Callable
from urllib.parse import urlsplit

from uptime_tui.config.values import described, port, shown, text

_URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+")  # RFC 3986's unreserved characters
_SLUG = re.compile(r"[a-z0-9_-]{1,100}")  # what Healthchecks accepts as a slug
# A DNS label; '_' too, which resolvers take (docker service names, /etc/hosts).
_HOST_LABEL = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")


@described({"type": "string", "pattern": r"^.+:[0-9]{1,5}$", "patternErrorMessage": "host:port such as 127.0.0.1:8787",
            "examples": ["127.0.0.1:8787"],
            "description": "host:port to listen on, such as 127.0.0.1:8787 or [::1]:8787"})
def listen_address(value: Any) -> tuple[str, int]:
    """'127.0.0.1:8787' -> ('127.0.0.1', 8787); '[::1]:8787' -> ('::1', 8787)."""
    address = text(value)
    host, sep, port_text = address.rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise ValueError(f"expected host:port such as 127.0.0.1:8787, got {shown(address)}")
    if len(port_text) > 5:  # int() refuses past 4,300 digits, and no port has more than 5
        raise ValueError(f"must be between 1 and 65535, got {shown(port_text)}")
    return host.strip("[]"), port(int(port_text))


@described({"type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://", "format": "uri",
            "patternErrorMessage": "an http:// or https:// URL"})
def http_url(value: Any) -> str:
    """An http:// or https:// URL with a valid host (and a port in range, if it has one)."""
    return url_of(value, ("http", "https"), "an http:// or https://")


def url_of(value: Any, schemes: tuple[str, ...], named: str) -> str:
    """A URL of one of `schemes` (`named` so in errors) with a valid host (and a port in range,
    if it has one)."""
    url = text(value)
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(f"expected {named} URL with a host, got {shown(url)}")
    try:
        parts.port  # raises on a port out of range
    except ValueError:
        raise ValueError(f"the port in {shown(url)} is not between 1 and 65535")
    if reason := host_problem(parts.hostname):
        raise ValueError(f"the host {shown(parts.hostname)} of the URL is not valid: {reason}")
    return url


@described({"type": "string", "minLength": 1, "pattern": "^(?!.*://)", "patternErrorMessage": "a host name, not a URL"})
def hostname(value: Any) -> str:
    """A host name (international ones too) or an IP address: not a URL, not host:port."""
    host = text(value)
    if "://" in host:
        raise ValueError(f"{shown(host)} is a URL: give the host name alone")
    if reason := host_problem(host):
        raise ValueError(f"{shown(host)} is not a valid host name: {reason}")
    return host


def host_problem(host: str) -> str | None:
    """Why `host` is neither an IP address nor a DNS name a resolver would take, or None."""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    name = host.removesuffix(".")  # a fully qualified name may end in a dot
    if ":" in name:
        return "a port goes in 'port'; an IPv6 address is written bare, such as ::1"
    try:
        name = name.encode("idna").decode("ascii")  # bücher.de -> xn--bcher-kva.de
    except UnicodeError:
        return "a part between dots is empty, longer than 63 characters or not a valid international name"
    labels = name.split(".")
    if not name or len(name) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        return "only letters, digits, '-' and '_' between the dots, no '-' at either end of a part"
    if labels[-1].isdigit():
        return "not a valid IP address"
    return None


@lru_cache(maxsize=16)
def url_token(min_length: int) -> Callable[[Any], str]:
    """A secret that is a segment of a ping URL: URL-safe characters only (letters, digits and
    - . _ ~), so it reads the same in every client and shell. Never echoed."""

    @described({"type": "string", "minLength": min_length, "pattern": f"^{_URL_SAFE.pattern}$",
                "patternErrorMessage": "letters, digits, '-', '.', '_' and '~' only",
                "description": f"A secret of at least {min_length} URL-safe characters (letters, digits, - . _ ~)"})
    def parse(value: Any) -> str:
        token = text(value)
        if len(token) < min_length:
            raise ValueError(f"must be at least {min_length} characters (it is the only secret)")
        if not _URL_SAFE.fullmatch(token):
            raise ValueError("may hold only letters, digits, '-', '.', '_' and '~' (it is part of the ping URL;"
                             " the value is not shown)")
        return token

    return parse


@described({"type": "string", "pattern": f"^{_SLUG.pattern}$",
            "patternErrorMessage": "lowercase letters, digits, '-' and '_' (at most 100)"})
def slug(value: Any) -> str:
    """A Healthchecks slug: lowercase letters, digits, '-' and '_', at most 100 characters."""
    result = text(value)
    if not _SLUG.fullmatch(result):
        raise ValueError(f"{shown(result)} is not a slug (lowercase letters, digits, '-' and '_'; at most 100)")
    return result
