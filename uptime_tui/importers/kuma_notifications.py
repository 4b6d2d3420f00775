"""Kuma's `notification` rows -> our channels (Apprise URLs, or a webhook), and its `maintenance`
rows -> our windows.

A notification's settings are a JSON object in `config`, its service in `type`; the services
Apprise has (and our webhook) carry over, each secret as `${VAR}`. Maintenance: a `single` window
is a one-off start/end, `cron` a cron schedule with its duration, `recurring-weekday` and
`recurring-day-of-month` become cron schedules; `manual` and `recurring-interval` do not map.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from uptime_tui.config.values import human_duration
from uptime_tui.importers import apprise_urls as au
from uptime_tui.importers.document import Document


def channels(doc: Document, db: sqlite3.Connection) -> dict[int, str]:
    """Each notification -> a channel; returns notification id -> channel id."""
    made: dict[int, str] = {}
    for row in db.execute("SELECT id, name, active, is_default, config FROM notification ORDER BY id"):
        where = f"notification row {row['id']} ('{row['name']}')"
        try:
            config = json.loads(row["config"] or "{}")
        except ValueError:
            doc.notes.append(f"not carried over: {where}: its config is not JSON")
            continue
        provider = str(config.get("type") or "")
        try:
            channel = _channel(doc, provider, config, where)
        except au.Unsupported as exc:
            doc.notes.append(f"not carried over: {where}: {exc}")
            continue
        notes = []
        if not row["active"]:
            notes.append("disabled in Kuma: remove it from the monitors' channels to keep it silent")
        if row["is_default"]:
            notes.append("not carried over: 'default enabled' (Kuma adds it to new monitors; list it where wanted)")
        cid = doc.unique_id(f"kuma-{row['name'] or provider}", "channel")
        doc.add("channels", {"id": cid, **channel}, notes)
        made[row["id"]] = cid
    return made


def _channel(doc: Document, provider: str, c: dict, where: str) -> dict:
    if provider == "slack":
        return {"apprise": [au.webhook_url(doc, "slack", c.get("slackwebhookURL"), where)]}
    if provider == "discord":
        return {"apprise": [au.webhook_url(doc, "discord", c.get("discordWebhookUrl"), where)]}
    if provider == "telegram":
        return {"apprise": [au.telegram(doc, c.get("telegramBotToken"), c.get("telegramChatID"), where)]}
    if provider == "mattermost":
        return {"apprise": [au.mattermost(doc, c.get("mattermostWebhookUrl"), where)]}
    if provider == "pagerduty":
        return {"apprise": [au.pagerduty(doc, c.get("pagerdutyIntegrationKey"), where)]}
    if provider == "smtp":
        return {"apprise": [au.email(doc, c.get("smtpHost"), c.get("smtpPort"), c.get("smtpUsername"),
                                     c.get("smtpPassword"), c.get("smtpFrom"), c.get("smtpTo"), where,
                                     secure=bool(c.get("smtpSecure")) or int(c.get("smtpPort") or 25) != 25)]}
    if provider == "ntfy":
        token = c.get("ntfyaccesstoken") if c.get("ntfyAuthenticationMethod") == "accessToken" else None
        if c.get("ntfyAuthenticationMethod") == "usernamePassword":
            raise au.Unsupported("ntfy with a username and password (we carry over access tokens only)")
        return {"apprise": [au.ntfy(doc, c.get("ntfyserverurl"), c.get("ntfytopic"), token, where)]}
    if provider == "gotify":
        return {"apprise": [au.gotify(doc, c.get("gotifyserverurl"), c.get("gotifyapplicationToken"), where)]}
    if provider == "pushover":
        return {"apprise": [au.pushover(doc, c.get("pushoveruserkey"), c.get("pushoverapptoken"), where)]}
    if provider == "webhook":
        if not c.get("webhookURL"):
            raise au.Unsupported("no webhook URL")
        headers = _json(c.get("webhookAdditionalHeaders"))
        hook: dict = {"url": c["webhookURL"]}
        if isinstance(headers, dict) and headers:
            hook["headers"] = {str(k): doc.secret(f"webhook_{k}", str(v), f"the {k} header of {where}")
                               for k, v in headers.items()}
        doc.notes.append(f"{where}: our webhook posts its own JSON event (signed), not Kuma's body")
        return {"webhook": hook}
    raise au.Unsupported(f"Kuma's '{provider}' notifications have no Apprise service carried over here")


def maintenance(doc: Document, db: sqlite3.Connection) -> None:
    ids = _resource_ids(doc)
    links: dict[int, list[str]] = {}
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "monitor_maintenance" in tables:
        for window_id, monitor_id in db.execute("SELECT maintenance_id, monitor_id FROM monitor_maintenance"):
            if monitor_id in ids:
                links.setdefault(window_id, []).append(ids[monitor_id])
    for row in db.execute("SELECT * FROM maintenance ORDER BY id"):
        row = dict(row)
        where = f"maintenance row {row['id']} ('{row['title']}')"
        if not row["active"]:
            doc.notes.append(f"not carried over: {where}: inactive in Kuma")
            continue
        if not links.get(row["id"]):
            doc.notes.append(f"not carried over: {where}: it applies to no monitor carried over (Kuma's status"
                             " page maintenance has no counterpart)")
            continue
        window = {"id": doc.unique_id(f"kuma-{row['title']}", "window"), "monitors": links[row["id"]]}
        zone = row.get("timezone")
        notes = []
        if zone in (None, "", "SAME_AS_SERVER"):
            notes.append("Kuma read this window in its server's time zone; UTC assumed here")
            zone = "UTC"
        timing = _timing(row, notes)
        if timing is None:
            doc.notes.append(f"not carried over: {where}: the '{row['strategy']}' strategy has no counterpart"
                             " (we have one-off and cron windows)")
            continue
        doc.add("maintenance", {**window, **timing, "timezone": zone}, notes)


def _timing(row: dict, notes: list) -> dict | None:
    strategy = row["strategy"]
    if strategy == "single" and row["start_date"] and row["end_date"]:
        return {"start": _minute(row["start_date"]), "end": _minute(row["end_date"])}
    if strategy == "cron" and row.get("cron") and row.get("duration"):
        return {"schedule": row["cron"], "duration": human_duration(int(row["duration"]))}  # Kuma keeps seconds
    start, end = _clock(row.get("start_time")), _clock(row.get("end_time"))
    if strategy in ("recurring-weekday", "recurring-day-of-month") and start and end:
        minutes = (end[0] * 60 + end[1] - start[0] * 60 - start[1]) % (24 * 60) or 24 * 60
        days = _json(row.get("weekdays" if strategy == "recurring-weekday" else "days_of_month")) or []
        days = [str(d) for d in days if str(d).isdigit()]
        if not days:
            return None
        field = f"* * {','.join(days)}" if strategy == "recurring-weekday" else f"{','.join(days)} * *"
        return {"schedule": f"{start[1]} {start[0]} {field}", "duration": human_duration(minutes * 60)}
    return None


def _resource_ids(doc: Document) -> dict[int, str]:
    """Kuma monitor id -> our id, from the origin kuma_monitors records on each entry."""
    found = {}
    for section in ("monitors", "heartbeats"):
        for entry in doc.sections[section]:
            if entry.origin is not None:
                found[entry.origin] = entry.data["id"]
    return found


def _minute(value: str) -> str:
    return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M")


def _clock(value) -> tuple[int, int] | None:
    try:
        hour, minute = str(value).split(":")[:2]
        return int(hour), int(minute)
    except (ValueError, AttributeError):
        return None


def _json(text):
    try:
        return json.loads(text) if isinstance(text, str) and text else None
    except ValueError:
        return None
