"""What a notification says: webhook bodies and Apprise titles and bodies. Pure.

A webhook gets the event's payload as it was stored, with its keys in the reference's order (the
common fields `dt`, `event`, `message`, `organization_id`, `team_id`, then the event's own),
because the outbox stores JSON with sorted keys. A digest is one JSON object with the same common
fields, `event: "notification.digest"`, a `count` and the folded notifications, each with its own
idempotency key and untouched payload.

Apprise gets text a person reads on a phone: a short title, then what is wrong, why, since when,
the evidence, and what to press. A digest says how many notifications it folds, per incident
group with a count and the first members, then the rest line by line, within a bounded length.

Payloads are built with the monitor's URL and causes already redacted (events.py); both are
redacted once more here, because a row queued by an older version may still hold them raw.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone

from uptime_tui import events
from uptime_tui.redaction import redact_target, redact_text

COMMON_FIELDS = ("dt", "event", "message", "organization_id", "team_id")
# Every field of the catalogue, in an order that is each event's order in the reference.
FIELD_ORDER = (
    "monitor_id", "monitor_url", "monitor_name", "monitor_type", "region", "response_time",
    "response_code", "heartbeat_id", "heartbeat_name", "success", "fail_code", "cause",
    "incident_id", "incident_name", "resource_type", "resource_id", "resource_name", "user_email",
    "user_name", "integration_name", "integration_type", "snooze", "escalation_targets",
    "incident_group_id", "incident_cause", "regions", "escalation_policy_id",
    # the audit stream's fields, as the audit log shows an entry
    "id", "version", "created_at", "actor", "action", "targets", "context", "previous_hash", "hash",
    # a digest's
    "count", "events",
)
_RANK = {name: i for i, name in enumerate(COMMON_FIELDS + FIELD_ORDER)}
_TEXT_FIELDS = ("message", "cause", "incident_cause")  # free text that may quote a URL

DIGEST_EVENT = "notification.digest"
TEST_EVENT = "notification.test"
ACTION_HINT = "In uptime-tui: Incidents, select #{id}, press a to acknowledge, s to snooze, r to resolve."
DIGEST_LINES = 25  # lines of detail in an Apprise digest; the rest is counted
GROUP_MEMBERS_SHOWN = 10

TITLES = {
    "incident.started": "{kind}: {name}", "incident.resolved": "Resolved: {name}",
    "incident.reopened": "Reopened: {name}", "incident.acknowledged": "Acknowledged: {name}",
    "incident.escalated": "Escalated: {name}", "incident.grouped": "Grouped: {name}",
    "incident.snoozed": "Snoozed: {name}", "incident.unsnoozed": "No longer snoozed: {name}",
    "incident.destroyed": "Deleted incident: {name}",
    "monitor.down": "Down: {name}", "monitor.verifying_recovery": "Recovering: {name}",
    "heartbeat.down": "Down: {name}", "heartbeat.up": "Up: {name}",
}
KIND_WORDS = {"down": "Down", "degraded": "Degraded", "flapping": "Flapping"}


def ordered(payload: dict) -> dict:
    """The payload with its keys in the reference's order (unknown keys last, as they came), its
    monitor URL and free text redacted."""
    return dict(sorted(_redacted(payload).items(), key=lambda item: _RANK.get(item[0], len(_RANK))))


def _redacted(payload: dict) -> dict:
    """The payload with the monitor's URL and every text field safe to show."""
    safe = {k: redact_text(payload[k]) for k in _TEXT_FIELDS if isinstance(payload.get(k), str)}
    if isinstance(payload.get("monitor_url"), str):
        safe["monitor_url"] = redact_target(payload["monitor_url"])
    return payload | safe if safe else payload


def json_body(payload: dict) -> bytes:
    """The exact bytes a webhook receives (and signs)."""
    return json.dumps(ordered(payload), separators=(",", ":"), ensure_ascii=False).encode()


def digest_payload(items: list[tuple[str, dict]], ctx: events.Context, now: datetime,
                   min_interval: float) -> dict:
    """One webhook body folding (idempotency key, payload) pairs."""
    names = Counter(payload.get("event", "?") for _, payload in items)
    summary = ", ".join(f"{n} {name}" for name, n in names.most_common())
    return {
        "dt": events.iso_ms(now), "event": DIGEST_EVENT,
        "message": f"{len(items)} notifications in one digest ({summary}); "
                   f"this channel gets at most one message per {_duration(min_interval)} during a storm",
        "organization_id": ctx.organization_id, "team_id": ctx.team_id, "count": len(items),
        "events": [{"idempotency_key": key, "payload": ordered(payload)} for key, payload in items],
    }


def test_payload(ctx: events.Context, now: datetime, channel_id: str) -> dict:
    """The payload of `uptime-tui notify test`."""
    return {"dt": events.iso_ms(now), "event": TEST_EVENT,
            "message": f"Test notification from uptime-tui to channel {channel_id}",
            "organization_id": ctx.organization_id, "team_id": ctx.team_id}


def audit_payload(entry, ctx: events.Context) -> dict:
    """An audit entry on the stream: the common fields, then the entry as the audit log shows it."""
    created_at = entry.created_at.astimezone(timezone.utc)
    return {
        "dt": events.iso_ms(created_at), "event": f"audit.{entry.action}", "message": entry.message,
        "organization_id": ctx.organization_id, "team_id": ctx.team_id,
        "id": entry.id, "version": entry.version, "created_at": events.iso(created_at),
        "actor": {"type": entry.actor_type, "id": entry.actor_id, "name": entry.actor_name,
                  "metadata": entry.actor_metadata or {}},
        "action": entry.action, "targets": entry.targets or [], "context": entry.context or {},
        "previous_hash": entry.previous_hash, "hash": entry.hash,
    }


# --- Apprise ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """One failed check behind an incident."""

    region: str
    timestamp: datetime
    status_code: int | None = None
    ttfb_ms: float | None = None
    cause: str | None = None


@dataclass(frozen=True)
class IncidentDetail:
    """What the database adds to a payload for a person: the incident as it stands."""

    id: int
    kind: str
    cause: str | None
    started_at: datetime
    status: str
    acknowledged_by: str | None = None
    group_id: int | None = None
    group_key: str | None = None
    evidence: tuple = ()
    target: str | None = None  # the monitor's URL or host:port, as stored (credentials masked)


@dataclass(frozen=True)
class Text:
    """An Apprise message: title, body and Apprise's notify type (info, success, warning, failure)."""

    title: str
    body: str
    kind: str = "info"


def message_text(payload: dict, detail: IncidentDetail | None = None) -> Text:
    """A short title and a readable body for one event."""
    payload = _redacted(payload)
    name = payload["event"]
    if name.startswith("audit."):
        return _audit_text(payload)
    if name == TEST_EVENT:
        return Text("uptime-tui test notification", payload["message"], "info")
    subject = (payload.get("resource_name") or payload.get("monitor_name")
               or payload.get("heartbeat_name") or payload.get("incident_name") or "")
    kind = KIND_WORDS.get(detail.kind if detail else "down", "Down")
    title = TITLES.get(name, "{name}: " + name).format(kind=kind, name=subject)
    lines = [payload.get("message", "")]
    target = payload.get("monitor_url") or (detail.target if detail else None)
    if target:
        lines.append(f"Target: {redact_target(target)}")
    cause = payload.get("incident_cause") or payload.get("cause") or (detail.cause if detail else None)
    if cause:
        lines.append(f"Cause: {redact_text(cause)}")
    if detail is not None:
        # The time itself, not "N ago": a message is read later than it was written.
        lines.append(f"Since: {_when(detail.started_at, seconds=True)}"
                     if name != "incident.resolved" else
                     f"Started: {_when(detail.started_at)}, lasted {_duration(_seconds(payload, detail))}")
        if detail.acknowledged_by and name != "incident.acknowledged":
            lines.append(f"Acknowledged by {detail.acknowledged_by}")
        if detail.evidence:
            lines.append("Evidence:")
            lines += [f"  {_evidence(e)}" for e in detail.evidence]
    for target in payload.get("escalation_targets") or ():
        lines.append(f"Paging {target.get('type')} {target.get('name') or target.get('id')}")
    incident_id = payload.get("incident_id")
    if incident_id is not None and name not in ("incident.resolved", "incident.destroyed"):
        lines.append(ACTION_HINT.format(id=incident_id))
    return Text(_clip(title, 120), "\n".join(line for line in lines if line), _notify_kind(name))


def digest_text(items: list[dict], details: dict[int, IncidentDetail], min_interval: float) -> Text:
    """One Apprise message folding several events: groups with counts and members, then lines."""
    items = [_redacted(p) for p in items]
    counts = Counter(p["event"] for p in items)
    title = f"{len(items)} notifications: " + ", ".join(
        f"{n} {name.split('.', 1)[1].replace('_', ' ')}" for name, n in counts.most_common(3))
    groups: dict[int, list[dict]] = defaultdict(list)
    others: list[dict] = []
    for payload in items:
        group_id = _group_of(payload, details)
        (groups[group_id] if group_id is not None else others).append(payload)
    lines = []
    for group_id, members in sorted(groups.items(), key=lambda g: -len(g[1])):
        incident_ids = {p.get("incident_id") for p in members if p.get("incident_id") is not None}
        names = list(dict.fromkeys(p.get("resource_name") or p.get("incident_name") or "?" for p in members))
        label = next((d.group_key for i in incident_ids if (d := details.get(i)) and d.group_key), None)
        per_event = ", ".join(f"{n} {e.split('.', 1)[1]}" for e, n in Counter(p["event"] for p in members).most_common())
        lines.append(f"Group {label + ' ' if label else ''}(incident #{group_id}): "
                     f"{len(incident_ids)} incidents ({per_event})")
        shown = ", ".join(names[:GROUP_MEMBERS_SHOWN])
        more = len(names) - GROUP_MEMBERS_SHOWN
        lines.append(f"  {shown}{f' and {more} more' if more > 0 else ''}")
    budget = max(0, DIGEST_LINES - len(lines))
    lines += [f"- {p.get('message', p['event'])}" for p in others[:budget]]
    if len(others) > budget:
        lines.append(f"... and {len(others) - budget} more (uptime-tui notify list)")
    lines.append(f"(At most one message per {_duration(min_interval)} during a storm; the rest is folded here.)")
    worst = max((_notify_kind(p["event"]) for p in items), key=["info", "success", "warning", "failure"].index)
    return Text(_clip(title, 120), "\n".join(lines), worst)


def _audit_text(payload: dict) -> Text:
    actor = payload.get("actor") or {}
    targets = ", ".join(f"{t.get('type')} {t.get('name') or t.get('id')}" for t in payload.get("targets") or ())
    lines = [payload.get("message", ""), f"By {actor.get('type')} {actor.get('name')}"]
    if targets:
        lines.append(f"Targets: {targets}")
    context = payload.get("context") or {}
    if context:
        lines.append("From: " + ", ".join(f"{k} {v}" for k, v in sorted(context.items())))
    return Text(_clip(f"Audit: {payload.get('action')}", 120), "\n".join(lines), "info")


def _group_of(payload: dict, details: dict[int, IncidentDetail]) -> int | None:
    if payload.get("incident_group_id") is not None:
        return payload["incident_group_id"]
    detail = details.get(payload.get("incident_id"))
    return detail.group_id if detail is not None else None


def _notify_kind(name: str) -> str:
    if name in ("incident.started", "incident.reopened", "monitor.down", "heartbeat.down"):
        return "failure"
    if name in ("incident.resolved", "heartbeat.up"):
        return "success"
    if name in ("incident.escalated", "monitor.verifying_recovery"):
        return "warning"
    return "info"


def _evidence(e: Evidence) -> str:
    parts = [e.region, _when(e.timestamp, seconds=True)]
    if e.status_code is not None:
        parts.append(f"HTTP {e.status_code}")
    if e.cause:
        parts.append(e.cause)
    if e.ttfb_ms is not None:
        parts.append(f"{e.ttfb_ms:.0f} ms")
    return " ".join(parts)


def _seconds(payload: dict, detail: IncidentDetail) -> float:
    try:
        at = datetime.fromisoformat(payload["dt"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return 0.0
    return max(0.0, (at - detail.started_at).total_seconds())


def _when(dt: datetime, seconds: bool = False) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")


def _duration(seconds: float) -> str:
    """90 -> '1m 30s', 7200 -> '2h'."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts[:2])


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
