"""Config monitors built in tests with flat settings, as the YAML writes them, or loaded from one
YAML entry through the validator."""

from __future__ import annotations

import dataclasses

from uptime_tui.checks.dns import DnsSpec
from uptime_tui.checks.http import HttpSpec, KeywordSpec
from uptime_tui.checks.tcp import TcpSpec
from uptime_tui.checks.tls import TlsSpec
from uptime_tui.config import ConfigInvalid, Monitor, parse_config

SPECS = {"http": HttpSpec, "keyword": KeywordSpec, "tcp": TcpSpec, "dns": DnsSpec, "tls": TlsSpec}
COMMON = {f.name for f in dataclasses.fields(Monitor)}


def monitor(type: str = "http", *, id: str = "m", name: str | None = None, **settings) -> Monitor:
    """`monitor("tcp", host="db", port=5432, interval=5)`: each setting goes to the monitor or to
    its type's spec; a type without a spec here (`gopher`) gets none."""
    common = {k: v for k, v in settings.items() if k in COMMON}
    own = {k: v for k, v in settings.items() if k not in COMMON}
    spec = SPECS[type](**own) if type in SPECS else None
    return Monitor(id=id, name=name if name is not None else id, type=type, spec=spec, **common)


def loaded(entry: str) -> Monitor:
    """The one monitor of a config whose only entry holds `entry` (the items of a YAML flow
    mapping, `id` given): at line 2, column 5 of c.yaml."""
    [monitor] = parse_config(f"monitors:\n  - {{{entry}}}\n", "c.yaml", {}).monitors
    return monitor


def refused(entry: str) -> list[str]:
    """The problems that make the validator refuse `loaded(entry)`, as it prints them."""
    try:
        loaded(entry)
    except ConfigInvalid as invalid:
        return [str(p) for p in invalid.problems]
    raise AssertionError(f"accepted: {entry}")
