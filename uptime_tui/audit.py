"""Audit entries (reference/002): who did what to which target, from where, in a versioned schema.

Pure: entries are built and hashed here; the store appends them. Each entry's hash covers its
own fields and the previous entry's hash, so an entry edited, inserted or deleted behind the
program's back breaks the chain from that point on.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from dataclasses import asdict, dataclass, field
from datetime import datetime

SCHEMA_VERSION = 1
GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who acted: type user, api_key, system, workflow or alert."""

    type: str
    id: str
    name: str
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    """What was acted on."""

    type: str
    id: str
    name: str


SYSTEM = Actor("system", "uptime-tui", "uptime-tui (engine)")


def local_context(user_agent: str | None = None) -> dict:
    """Where this process acts from: host name, SSH client address, terminal or user agent."""
    context = {"host": socket.gethostname()}
    ssh = os.environ.get("SSH_CONNECTION", "").split()
    if ssh:
        context["ssh_client"] = ssh[0]
    if user_agent:
        context["user_agent"] = user_agent
    elif os.environ.get("TERM"):
        context["terminal"] = os.environ["TERM"]
    return context


def entry_fields(created_at: datetime, actor: Actor, action: str, targets: list[Target],
                 context: dict, message: str) -> dict:
    """The hashed fields of an entry, as stored."""
    return {
        "version": SCHEMA_VERSION, "created_at": created_at.isoformat(),
        "actor": asdict(actor), "action": action, "targets": [asdict(t) for t in targets],
        "context": context, "message": message,
    }


def entry_hash(previous_hash: str, fields: dict) -> str:
    """SHA-256 over the previous hash and the entry's canonical JSON."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()
