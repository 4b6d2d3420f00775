"""Bring the monitor and heartbeat rows in line with the YAML, matched by their stable `id`."""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from uptime_tui import config as cfg
from uptime_tui.redaction import redact_target
from uptime_tui.store.models import Heartbeat, Monitor, database_proxy


@dataclass(frozen=True)
class DefinitionChange:
    """A monitor or heartbeat created, updated or destroyed by a sync.

    Later layers turn each into an audit entry (actor system) and a `monitor.created` /
    `monitor.destroyed` / `heartbeat.created` / `heartbeat.destroyed` event, through the
    `record` hook of `sync_definitions`, inside the sync's transaction.
    """

    kind: str  # monitor, heartbeat
    action: str  # created, updated, destroyed
    key: str
    id: int
    name: str
    changed: tuple = ()  # names of the fields that changed, for `updated`


def definition_of(item: cfg.Monitor | cfg.Heartbeat) -> dict:
    """The JSON form of a YAML entry, as stored (tokens left out: they have their own column).

    A monitor's type settings sit beside its common ones, as they do in the YAML: `url`, not
    `spec.url`.
    """
    conditions = getattr(item, "conditions", ())
    data = dataclasses.asdict(dataclasses.replace(item, conditions=()) if conditions else item)
    data.pop("token", None)
    data |= data.pop("spec", None) or {}
    data.pop("conditions", None)
    if conditions:  # as written: a parsed condition holds a compiled pattern or JSON path
        data["conditions"] = [c.source for c in conditions]
    return _jsonable(data)


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def sync_definitions(
    config: cfg.Config,
    now: datetime | None = None,
    record: Callable[[DefinitionChange], None] | None = None,
) -> list[DefinitionChange]:
    """Create, update and destroy rows so they match `config`; one transaction; return the changes."""
    now = now or datetime.now(timezone.utc)
    changes: list[DefinitionChange] = []
    with database_proxy.atomic():
        changes += _sync(Monitor, "monitor", config.monitors, now, _monitor_columns)
        changes += _sync(Heartbeat, "heartbeat", config.heartbeats, now, _heartbeat_columns)
        for change in changes:
            if record is not None:
                record(change)
    return changes


def _monitor_columns(item: cfg.Monitor, row: Monitor | None) -> dict:
    # The target column is what every face shows: no credentials (the definition keeps the URL).
    return {"name": item.name, "type": item.type, "target": redact_target(item.target)}


def _heartbeat_columns(item: cfg.Heartbeat, row: Heartbeat | None) -> dict:
    # A token from the YAML wins; otherwise the one generated at creation is kept for good, since
    # jobs out there already ping it.
    token = item.token or (row.token if row is not None else secrets.token_urlsafe(16))
    return {"name": item.name, "token": token}


def _compared(definition: dict, stored: dict) -> set:
    """The keys to compare: a definition stored before each type had its own settings holds every
    type's (the others' as None or defaults), which are no change while the type stays."""
    if definition.get("type") == stored.get("type"):
        # A setting newer than the stored definition, left at its empty default, is no change.
        return {k for k in definition if k in stored or definition[k] not in (None, False, [], {})}
    return definition.keys() | stored.keys()


def _sync(model, kind: str, items, now: datetime, columns_of) -> list[DefinitionChange]:
    existing = {row.key: row for row in model.select()}
    changes = []
    for item in items:
        definition = definition_of(item)
        row = existing.pop(item.id, None)
        columns = columns_of(item, row)
        if row is None:
            row = model.create(
                key=item.id, definition=definition, paused=item.paused, state={},
                created_at=now, updated_at=now, **columns,
            )
            changes.append(DefinitionChange(kind, "created", item.id, row.id, item.name))
            continue
        changed = sorted(
            {k for k in _compared(definition, row.definition) if definition.get(k) != row.definition.get(k)}
            | ({"token"} if "token" in columns and columns["token"] != row.token else set())
        )
        if not changed:
            if any(getattr(row, name) != value for name, value in columns.items()):
                model.update(**columns).where(model.id == row.id).execute()  # a target stored unmasked
            continue
        # The pause flag set from the console survives a reload; only an edit of `paused` in the
        # YAML itself overrides it.
        if "paused" in changed:
            row.paused = item.paused
        for name, value in columns.items():
            setattr(row, name, value)
        row.definition, row.updated_at = definition, now
        row.save()
        changes.append(DefinitionChange(kind, "updated", item.id, row.id, item.name, tuple(changed)))
    for row in existing.values():
        row.delete_instance()
        changes.append(DefinitionChange(kind, "destroyed", row.key, row.id, row.name))
    return changes
