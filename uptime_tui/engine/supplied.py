"""What the runtime hands the engine: how it runs, how a monitor is checked, whom to wake.

The engine knows its probe client and its notifier only by these shapes, so it imports no HTTP
or Apprise library (runtime/assembly.py builds both).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Awaitable, Callable, Protocol

from uptime_tui import config as cfg
from uptime_tui.results import CheckResult
from uptime_tui.rules import monitor_machine


# Runs one check of a monitor; the runtime binds it to its HTTP client and region.
Probe = Callable[[cfg.Monitor], Awaitable[CheckResult]]


class NotifierHandle(Protocol):
    """What the engine needs of the notifier the runtime built (notify.Notifier)."""

    def wake(self) -> None:
        """Outbox rows were committed: deliver now rather than at the next poll."""

    def reload(self, config: cfg.Config) -> None:
        """Use a new config's channels."""

    def channel_health(self) -> dict:
        """Each channel that sent or failed since start, by id (its `failing_since` set while failing)."""


@dataclass
class EngineOptions:
    """How the engine runs (tests shrink the timings)."""

    max_concurrent: int = 256  # checks running at once
    rules: monitor_machine.Rules = field(default_factory=monitor_machine.Rules)
    escalation_tick: float = 5.0  # how often due escalations and snooze ends are looked for
    retention_every: float = 3600.0  # how often old history is rolled up and deleted (also at start)
