"""What a face may ask of the engine: its operations, pings, its events, its health and figures, and the config it runs.

The listener (api/) serves an engine through this interface only, by named methods, so the API
cannot reach the engine's database, writer or tracked state, and an engine in another process
could stand behind the same interface later. The console calls the same operations through the
runtime's engine thread.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Iterator, Protocol

from uptime_tui.config import Config
from uptime_tui.engine.health import EngineHealth
from uptime_tui.engine.metrics import EngineReading, MonitorReading
from uptime_tui.engine.pings import Ping
from uptime_tui.operator import Operator, Outcome


class EnginePort(Protocol):
    """The engine as its faces see it. Operations raise `operator.OperationRefused`."""

    @property
    def config(self) -> Config:
        """The configuration running now (a reload replaces it)."""

    def clock(self) -> datetime:
        """The engine's now (a fixed clock in tests)."""

    def health(self) -> EngineHealth:
        """The engine's own state: its database and its file descriptors."""

    def monitor_readings(self) -> Iterator[MonitorReading]:
        """Every monitor's labels, status and in-memory figures (read at once, on the loop)."""

    def engine_reading(self) -> EngineReading:
        """The engine's own counts: checks recorded and started, and the scheduler's total lag."""

    def subscribe(self) -> asyncio.Queue:
        """A queue of every event payload published from now on (a full one loses its oldest)."""

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        """Stop publishing to a queue `subscribe()` gave."""

    def heartbeat_token(self, heartbeat_id: str) -> str | None:
        """The token a heartbeat's pings carry (the YAML's, or the one generated for it)."""

    async def receive_ping(self, ping: Ping) -> bool:
        """A ping; False when no active heartbeat has its token."""

    async def acknowledge(self, incident_id: int, operator: Operator, *, whole_group: bool = False) -> Outcome:
        """Acknowledge an incident (or its whole group): escalation stops."""

    async def snooze(self, incident_id: int, operator: Operator, *, duration: timedelta | None = None,
                     until: datetime | None = None, cancel_on_updates: bool = True,
                     whole_group: bool = False) -> Outcome:
        """Quiet an incident for `duration` or until `until`."""

    async def unsnooze(self, incident_id: int, operator: Operator, *, whole_group: bool = False) -> Outcome:
        """End a snooze now."""

    async def resolve(self, incident_id: int, operator: Operator, reason: str, *,
                      whole_group: bool = False) -> Outcome:
        """Resolve by hand, with a reason."""

    async def reopen(self, incident_id: int, operator: Operator, reason: str | None = None) -> Outcome:
        """Open a resolved incident again."""

    async def destroy(self, incident_id: int, operator: Operator) -> Outcome:
        """Delete an incident (the audit log keeps the record)."""

    async def pause(self, kind: str, ref: int | str, operator: Operator) -> Outcome:
        """Pause a monitor or heartbeat, by row id or YAML id."""

    async def unpause(self, kind: str, ref: int | str, operator: Operator) -> Outcome:
        """Resume a paused monitor or heartbeat."""
