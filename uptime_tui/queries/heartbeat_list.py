"""What the engine keeps of each heartbeat, for `uptime-tui heartbeats`: its token (generated when
the YAML has none), whether it is paused, and its state."""

from __future__ import annotations

from dataclasses import dataclass

from uptime_tui.rules.heartbeat_machine import HeartbeatState
from uptime_tui.store.models import Heartbeat


@dataclass(frozen=True)
class StoredHeartbeat:
    """One heartbeat's row as the engine left it."""

    token: str | None
    paused: bool
    state: HeartbeatState | None


def stored_heartbeats() -> dict[str, StoredHeartbeat]:
    """Every stored heartbeat by its YAML id."""
    return {row.key: StoredHeartbeat(row.token, bool(row.paused),
                                     HeartbeatState.from_dict(row.state) if row.state else None)
            for row in Heartbeat.select(Heartbeat.key, Heartbeat.token, Heartbeat.paused, Heartbeat.state)}
