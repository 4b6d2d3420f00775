"""Syncing the YAML's monitors and heartbeats into the database, with what each change causes: an
audit entry (naming the resource by its YAML id, as every entry does) and, for a monitor or
heartbeat created or destroyed, its event and notifications. One writer job.
"""

from __future__ import annotations

from datetime import datetime

from uptime_tui import audit, events
from uptime_tui import config as cfg
from uptime_tui.engine.step_store import Scope, store_events
from uptime_tui.store import auditlog
from uptime_tui.store.models import Heartbeat, Monitor
from uptime_tui.store.sync import DefinitionChange, sync_definitions


def sync_config(config: cfg.Config, now: datetime):
    """(changes, monitor rows, heartbeat rows, payloads to publish); run on the writer thread.
    Everything it returns is built anew, so a retried job (the database was away) starts over."""
    ctx = events.Context(config.settings.organization_id, config.settings.team_id)
    items = {("monitor", m.id): m for m in config.monitors} | {("heartbeat", h.id): h for h in config.heartbeats}
    published: list[dict] = []

    def record(change: DefinitionChange) -> None:
        target = audit.Target(change.kind, change.key, change.name)
        detail = f" ({', '.join(change.changed)} changed)" if change.changed else ""
        auditlog.append(audit.SYSTEM, f"{change.kind}.{change.action}", [target],
                        f"{change.kind.capitalize()} {change.name} was {change.action} from {config.source}{detail}",
                        audit.local_context(), now)
        if change.action == "updated":
            return
        item = items.get((change.kind, change.key))
        if change.kind == "monitor":
            ref = events.MonitorRef.of(item, change.id) if item else events.MonitorRef(change.id, change.name, "", "")
            builder = events.monitor_created if change.action == "created" else events.monitor_destroyed
        else:
            ref = events.HeartbeatRef(change.id, change.name)
            builder = events.heartbeat_created if change.action == "created" else events.heartbeat_destroyed
        payload = builder(ctx, now, ref)
        store_events([payload], None, Scope(ctx, now, config=config))
        published.append(payload)

    changes = sync_definitions(config, now, record=record)
    return changes, list(Monitor.select()), list(Heartbeat.select()), published
