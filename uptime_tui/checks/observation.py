"""What a probe has learnt so far, filled in as it goes.

The dispatcher owns the clock and the timeout; a probe writes into an `Observation` step by step,
so a check cut short by its timeout still reports what it saw (e.g. the status code).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Observation:
    """The mutable findings of one check in progress."""

    success: bool = False
    cause: str | None = None
    ttfb_ms: float | None = None
    status_code: int | None = None
    degraded: bool = False
    # What conditions may test, by fact name (`status`, `body`, `banner`, `dns.rcode`...): a probe
    # records each as soon as it knows it, in the units of `config.conditions.FACTS`.
    facts: dict[str, Any] = field(default_factory=dict)

    def passed(self, warning: str | None = None) -> None:
        """Mark the check passed; a `warning` makes it degraded."""
        self.success, self.cause, self.degraded = True, warning, warning is not None

    def failed(self, cause: str) -> None:
        """Mark the check failed with a human-readable cause."""
        self.success, self.cause, self.degraded = False, cause, False
