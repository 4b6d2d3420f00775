"""A heartbeat ping as the engine receives it, whichever way it came (the listener's URLs, a test).

It belongs to the engine, which decides what a ping does to its heartbeat; the listener only
turns a request into one (api/pings.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ping:
    """One ping as received."""

    token: str
    kind: str  # success, start, fail, exit, log (keeps the body, changes no state)
    exit_status: int | None = None
    body: str | None = None
    remote_addr: str | None = None
    user_agent: str | None = None
