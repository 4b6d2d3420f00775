"""What a monitor type is: the interface each `checks/<type>.py` implements, once.

A type owns everything that differs between monitors of different types, so adding one is one
module and one line in `checks/registry.py`:

- its settings, as a frozen dataclass (the monitor's `spec`) that also says what the console and
  the events show as the monitor's target (`target`) and how payloads name the type
  (`payload_type`, Better Stack's vocabulary);
- `read(reader, entry, path) -> spec`: the type's keys of one YAML monitor entry, each problem
  recorded in the reader with its line and column (a value it could not read left at its
  default or None: a config with a problem is refused anyway);
- `probe(monitor, client, seen)`: one check, written into the `Observation` as it goes; the
  caller (`checks.probe.run_check`) owns the clock, the timeout and turning exceptions into causes;
- `facts`: what its probe records in `seen.facts` for conditions to test (`status`, `banner`,
  `dns.rcode`...; see `config.conditions.FACTS`), so a condition on a fact the type never records
  is refused at load, where it is written;
- `requires`: the driver modules its probe imports that are not always installed, each with the
  extra that installs it, so a config using the type without its driver is refused at load with
  the `pip install` line to run.

Config loading imports every type module (to read specs) but never calls a probe, so a type
module keeps httpx, aiohttp and dnspython out of its top-level imports: they load with the first
check, not with the config.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from uptime_tui.checks.client import ProbeClient
    from uptime_tui.checks.observation import Observation
    from uptime_tui.config.model import Monitor
    from uptime_tui.config.values import Reader


class MonitorSpec(Protocol):
    """A type's settings (a frozen dataclass), as the rest of the product sees them."""

    @property
    def target(self) -> str:
        """What is checked, as a person would write it (unredacted: faces redact it)."""

    @property
    def payload_type(self) -> str:
        """The type in payloads' `monitor_type` (http -> "status", tls -> "ssl")."""


@dataclass(frozen=True)
class MonitorType:
    """One monitor type: its name in YAML, its keys, how they are read and how it is checked."""

    name: str  # the YAML `type:` value
    keys: tuple[str, ...]  # its keys, beside the ones every monitor has
    read: Callable[[Reader, dict, tuple], Any]  # -> its spec; problems go to the reader
    probe: Callable[[Monitor, ProbeClient, Observation], Awaitable[None]]
    facts: tuple[str, ...] = ()  # the facts its probe records (response_time and connected: every type)
    requires: tuple[tuple[str, str], ...] = ()  # (module, extra): ("psycopg", "postgres")
