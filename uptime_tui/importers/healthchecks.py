"""The JSON of Healthchecks' `GET /api/v3/checks/` -> our heartbeats.

A check's `timeout` is our `period`, or its `schedule` and `tz` our cron `schedule` and
`timezone`; `grace` carries over. The UUID at the end of its `ping_url` becomes the heartbeat's
`token`, so a job keeps its UUID and only the host it pings changes (hc-ping.com/UUID ->
OUR-LISTENER/ping/UUID); its `slug` stays its slug. Tags, the paused status and the
description come along; integrations, keyword filters and allowed methods do not.
"""

from __future__ import annotations

import json
import re

from uptime_tui.config.values import human_duration
from uptime_tui.importers.document import Document, ImportFailed, read_text

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SLUG = re.compile(r"^[a-z0-9_-]{1,100}$")
KINDS = ("simple", "cron", "oncalendar")  # the `kind` values of API v3 so far
# Fields read here, or that describe the check's state rather than its settings.
STATE = {"name", "slug", "tags", "desc", "grace", "timeout", "schedule", "tz", "status", "ping_url", "uuid",
         "unique_key", "kind", "n_pings", "started", "last_ping", "next_ping", "last_duration", "badge_url",
         "update_url", "pause_url", "resume_url", "channels", "manual_resume", "methods", "start_kw",
         "success_kw", "failure_kw", "filter_subject", "filter_body", "filter_http_body", "filter_default_fail",
         "subject", "subject_fail"}


def read(path: str) -> Document:
    try:
        data = json.loads(read_text(path, "the JSON of Healthchecks' checks"))
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"{path}, line {exc.lineno}: not the JSON of Healthchecks' GET /api/v3/checks/"
                           f" ({exc.msg})") from None
    checks = data.get("checks") if isinstance(data, dict) else None
    if not isinstance(checks, list):
        raise ImportFailed(f"{path}: not the JSON of Healthchecks' GET /api/v3/checks/: expected"
                           " {\"checks\": [...]} at the top")
    doc = Document("Healthchecks", path)
    doc.notes.append("Jobs keep their ping UUIDs as tokens: point them at OUR-LISTENER/ping/UUID"
                     " (see `uptime-tui heartbeats`) instead of the Healthchecks ping host.")
    slugged = False
    for i, check in enumerate(checks):
        _check_shape(path, i, check)
        slugged |= _heartbeat(doc, check) == "slug"
    if slugged:
        doc.notes.append("Pings by slug (/ping/PING_KEY/SLUG) need settings.ping_key set to the project's"
                         " ping key; the API does not export it.")
    return doc


def _check_shape(path: str, i: int, check) -> None:
    where = f"{path}: checks[{i}]"
    if not isinstance(check, dict) or not isinstance(check.get("name"), str):
        raise ImportFailed(f"{where} is not a Healthchecks check (its 'name' is missing or not text)")
    kind = check.get("kind")
    if kind is not None and kind not in KINDS:  # a newer API: its schedule may mean something else
        raise ImportFailed(f"{where} ('{check['name']}') has kind '{kind}', newer than the API v3 we know"
                           f" ({', '.join(KINDS)})")
    if "timeout" not in check and "schedule" not in check:
        raise ImportFailed(f"{where} ('{check['name']}') has neither 'timeout' nor 'schedule'")
    for key in ("timeout", "grace"):
        if key in check and (not isinstance(check[key], (int, float)) or isinstance(check[key], bool)):
            raise ImportFailed(f"{where} ('{check['name']}'): '{key}' is not a number of seconds")


def _heartbeat(doc: Document, check: dict) -> str | None:
    from uptime_tui.config.values import cron, timezone

    name, notes = check["name"], []
    slug = check.get("slug") if isinstance(check.get("slug"), str) and _SLUG.match(check.get("slug") or "") else None
    cid = doc.unique_id(slug or name, "check")
    data = {"id": cid, "name": name or cid}
    scheduled = "schedule" in check and check.get("kind") != "simple"
    if check.get("kind") == "oncalendar" or (scheduled and not _is_cron(check, cron)):
        doc.notes.append(f"not carried over: check '{name}': its schedule '{check.get('schedule')}' is not a"
                         " cron expression we read (OnCalendar schedules are not)")
        return None
    if scheduled:
        data["schedule"] = check["schedule"]
        zone = check.get("tz") or "UTC"
        try:
            timezone(zone)
            data["timezone"] = zone
        except ValueError:
            notes.append(f"not carried over: time zone '{zone}' (not one we know); the schedule is read in UTC")
    else:
        data["period"] = human_duration(check["timeout"])
    if "grace" in check:
        data["grace"] = human_duration(check["grace"])
    token = _token(check)
    if token:
        data["token"] = token  # what the job already sends: kept literal, it is its ping address
    else:
        notes.append("not carried over: the ping UUID (a read-only API key leaves it out); a new token is made")
    if slug:
        data["slug"] = slug
    tags = str(check.get("tags") or "").split()
    if tags:
        data["tags"] = tags
    if check.get("status") == "paused":
        data["paused"] = True
    if check.get("desc"):
        notes.append(f"description: {check['desc']}")
    if check.get("channels"):
        notes.append("not carried over: its integrations (they are ids here; add this heartbeat's 'channels')")
    if check.get("methods") == "POST":
        notes.append("not carried over: methods POST only (we take GET and POST pings)")
    for kw in ("start_kw", "success_kw", "failure_kw"):
        if check.get(kw) and any(check.get(f) for f in ("filter_subject", "filter_body", "filter_http_body")):
            notes.append(f"not carried over: {kw} '{check[kw]}' (we do not filter pings by keyword)")
    if check.get("manual_resume"):
        notes.append("not carried over: manual_resume (we resume on the next ping)")
    for key in sorted(set(check) - STATE):
        notes.append(f"not carried over: '{key}' (a field we do not know)")
    doc.add("heartbeats", data, notes)
    return "slug" if slug else None


def _is_cron(check: dict, cron) -> bool:
    try:
        cron(check["schedule"])
        return True
    except ValueError:
        return False


def _token(check: dict) -> str | None:
    """The UUID the job pings: the end of `ping_url` (hc-ping.com/UUID), else `uuid`."""
    found = _UUID.search(str(check.get("ping_url") or "").rstrip("/"))
    if found:
        return found.group(0)
    uuid = check.get("uuid")
    return uuid if isinstance(uuid, str) and _UUID.fullmatch(uuid) else None
