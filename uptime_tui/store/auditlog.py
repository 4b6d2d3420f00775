"""Append audit entries to the chain (call inside the transaction of the change they record)."""

from __future__ import annotations

from datetime import datetime, timezone

from uptime_tui import audit
from uptime_tui.store.models import AuditEntry


def append(actor: audit.Actor, action: str, targets: list[audit.Target], message: str,
           context: dict, created_at: datetime) -> AuditEntry:
    """Insert one entry chained to the last one."""
    created_at = created_at.astimezone(timezone.utc)
    last = AuditEntry.select(AuditEntry.hash).order_by(AuditEntry.id.desc()).first()
    previous = last.hash if last else audit.GENESIS_HASH
    fields = audit.entry_fields(created_at, actor, action, targets, context, message)
    return AuditEntry.create(
        version=audit.SCHEMA_VERSION, created_at=created_at, actor_type=actor.type, actor_id=actor.id,
        actor_name=actor.name, actor_metadata=actor.metadata, action=action,
        targets=fields["targets"], context=context, message=message, previous_hash=previous,
        hash=audit.entry_hash(previous, fields),
    )
