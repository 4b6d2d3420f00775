"""Who acts on the engine, and what comes back: the operator, a refusal, an outcome.

Values only (no database, no engine), so a face names the person or API key acting, and reads an
operation's answer, without importing the store's models: the console and the API share them
with the engine, which does the work (engine/operation_store.py).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from uptime_tui import audit, events


@dataclass(frozen=True)
class Operator:
    """Who acts (a person at a console or the CLI, or an API key) and from where."""

    type: str  # user | api_key
    name: str
    context: dict = field(default_factory=dict)  # audit context: host, ssh_client, terminal ...
    email: str | None = None

    @classmethod
    def person(cls, name: str, email: str | None = None) -> Operator:
        """A person at this machine's terminal."""
        return cls("user", name, audit.local_context(), email)

    @classmethod
    def api_key(cls, name: str, user_agent: str | None = None, remote_addr: str | None = None) -> Operator:
        """An API key, calling from `remote_addr`."""
        context = {"host": socket.gethostname(), "user_agent": user_agent, "remote_addr": remote_addr}
        return cls("api_key", name, {k: v for k, v in context.items() if v})

    @property
    def audit_actor(self) -> audit.Actor:
        """As the audit log names it."""
        return audit.Actor(self.type, self.name, self.name, {"email": self.email} if self.email else {})

    @property
    def event_actor(self) -> events.Actor:
        """As event payloads name it (user_* or integration_* fields)."""
        if self.type == "user":
            return events.Actor(user_email=self.email, user_name=self.name)
        return events.Actor(integration_name=self.name, integration_type=self.type)


class OperationRefused(Exception):
    """The operation changed nothing; `kind` is not_found, conflict or invalid."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Outcome:
    """What an operation did, in a sentence for a toast, the CLI or the API."""

    message: str
    incident_ids: tuple[int, ...] = ()
