"""Kuma's `monitor` rows -> our monitors (and push monitors -> our heartbeats).

http, keyword, json-query, port (tcp), ping, dns, postgres, mysql and redis carry over; a push
monitor is a heartbeat (its push token kept as the token); a group monitor becomes the `group` of
its children. Other types (docker, steam, mqtt, ...) are named, with their row id, in the header.
"""

from __future__ import annotations

import json
import re
import sqlite3

from uptime_tui.config.values import human_duration
from uptime_tui.importers.document import Document

_SIMPLE_PATH = re.compile(r"^\$?\.?([A-Za-z_][A-Za-z0-9_]*(\[\d+\])?)(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?)*$")
_SENSITIVE = re.compile(r"auth|token|key|secret|cookie|pass", re.I)
_URL_SAFE = re.compile(r"^[A-Za-z0-9._~-]{8,}$")
HTTP_TYPES = ("http", "keyword", "json-query")


def monitors(doc: Document, db: sqlite3.Connection, channels: dict[int, str]) -> None:
    rows = db.execute("SELECT * FROM monitor ORDER BY id").fetchall()
    groups = {row["id"]: row["name"] for row in rows if row["type"] == "group"}
    tags = _tags(db)
    links: dict[int, list[str]] = {}
    for monitor_id, notification_id in db.execute("SELECT monitor_id, notification_id FROM monitor_notification"):
        if notification_id in channels:
            links.setdefault(monitor_id, []).append(channels[notification_id])
    if groups:
        doc.notes.append(f"Kuma's group monitors ({', '.join(map(str, groups.values()))}) are the 'group' of"
                         " their members here, not monitors of their own.")
    for row in rows:
        if row["type"] == "group":
            continue
        row = dict(row)
        where = f"monitor row {row['id']} ('{row['name']}')"
        common = {"tags": tags.get(row["id"]), "channels": links.get(row["id"]),
                  "group": groups.get(row.get("parent"))}
        if row["type"] == "push":
            _push(doc, row, common, where)
            continue
        data = {"id": doc.unique_id(row["name"] or f"kuma-{row['id']}", f"kuma-{row['id']}"),
                "name": row["name"] or f"kuma {row['id']}"}
        notes: list[str] = []
        kind = _target(doc, row, data, notes, where)
        if kind is None:
            doc.notes.append(f"not carried over: {where}: Kuma's '{row['type']}' monitors have no counterpart here")
            continue
        data = {"id": data.pop("id"), "name": data.pop("name"), "type": kind, **data}
        interval = min(max(int(row["interval"] or 60), 1), 86400)
        data["interval"] = human_duration(interval)
        timeout = float(row.get("timeout") or 0)
        if timeout > 0:
            data["timeout"] = human_duration(min(max(timeout, 0.1), 300, interval))
        elif interval < 10:
            data["timeout"] = human_duration(interval)
        data["confirmation"] = min(int(row["maxretries"] or 0) + 1, 100)  # Kuma retries, then marks down
        if row.get("retry_interval") and int(row["retry_interval"]) != interval:
            notes.append(f"not carried over: retry_interval {row['retry_interval']}s (we retry at the interval)")
        if row["upside_down"]:
            notes.append("not carried over: upside-down mode (we have no inverted monitors; this one is up"
                         " when the target answers)")
        if not row["active"]:
            data["paused"] = True
        if row.get("description"):
            notes.append(f"description: {row['description']}")
        for key, value in common.items():
            if value:
                data[key] = value
        doc.add("monitors", data, notes, origin=row["id"])


def _target(doc: Document, row: dict, data: dict, notes: list, where: str) -> str | None:
    kind = row["type"]
    if kind in HTTP_TYPES:
        _http(doc, row, data, notes, where)
        if kind == "keyword":
            data["keyword"] = row["keyword"] or ""
            if row.get("invert_keyword"):
                data["keyword_absent"] = True
            return "keyword"
        if kind == "json-query":
            path, expected = row.get("json_path") or "", row.get("expected_value")
            if _SIMPLE_PATH.match(path) and expected is not None:
                data["conditions"] = [f'body.{path.lstrip("$").lstrip(".")} == "{expected}"']
            else:
                notes.append(f"not carried over: the JSON query '{path}' (a JSONata expression we cannot"
                             " read as a body path)")
        return "http"
    if kind == "port":
        data.update(host=row["hostname"], port=row["port"])
        return "tcp"
    if kind == "ping":
        data["host"] = row["hostname"]
        if row.get("packet_size") not in (None, 56):
            notes.append(f"not carried over: packet size {row['packet_size']} (we send the default size)")
        return "ping"
    if kind == "dns":
        data["host"] = row["hostname"]
        if row.get("dns_resolve_server"):
            data["nameserver"] = row["dns_resolve_server"]
        if (row.get("dns_resolve_type") or "A") not in ("A", "AAAA"):
            notes.append(f"not carried over: record type {row['dns_resolve_type']} (our dns monitors resolve"
                         " addresses only)")
        return "dns"
    if kind in ("postgres", "mysql", "redis"):
        connection = row.get("database_connection_string")
        if not connection:
            return None
        data["url"] = doc.secret(f"{data['id']}_url", connection,
                                 f"the {kind} connection string of {where}, with its password")
        if row.get("database_query") and kind != "redis":
            data["query"] = row["database_query"]
        return kind
    return None


def _http(doc: Document, row: dict, data: dict, notes: list, where: str) -> None:
    data["url"] = row["url"]
    if (row["method"] or "GET").upper() != "GET":
        data["method"] = row["method"].upper()
    if row["body"]:
        data["body"] = row["body"]
    headers = _json(row["headers"])
    if isinstance(headers, dict) and headers:
        data["headers"] = {str(k): (doc.secret(f"{data['id']}_{k}", str(v), f"the {k} header of {where}")
                                    if _SENSITIVE.search(str(k)) else str(v)) for k, v in headers.items()}
    elif row["headers"]:
        notes.append("not carried over: headers (not a JSON object)")
    statuses = _json(row["accepted_statuscodes_json"])
    if isinstance(statuses, list) and statuses and statuses != ["200-299"]:
        data["accepted_status"] = [str(s) for s in statuses]
    if row.get("maxredirects") == 0:
        data["follow_redirects"] = False
    if row["ignore_tls"]:
        data["ignore_tls"] = True
    method = row.get("auth_method") or ("basic" if row.get("basic_auth_user") else None)
    if method == "basic" and row.get("basic_auth_user"):
        data["basic_auth"] = {"username": row["basic_auth_user"], "password": doc.secret(
            f"{data['id']}_password", row.get("basic_auth_pass") or "", f"the basic auth password of {where}")}
    elif method and method != "basic":
        notes.append(f"not carried over: {method} authentication (we have basic and bearer only)")


def _push(doc: Document, row: dict, common: dict, where: str) -> None:
    interval = min(max(int(row["interval"] or 60), 1), 365 * 86400)
    data = {"id": doc.unique_id(row["name"] or f"kuma-{row['id']}", f"kuma-{row['id']}"),
            "name": row["name"] or f"kuma {row['id']}", "period": human_duration(interval),
            "grace": human_duration(interval * int(row["maxretries"] or 0)) if row["maxretries"] else "0s"}
    notes = []
    token = row.get("push_token")
    if token and _URL_SAFE.match(token):
        data["token"] = token  # the job's push URL keeps its token: /api/push/TOKEN -> /ping/TOKEN
    elif token:
        notes.append("not carried over: the push token (shorter than 8 or not URL-safe); a new one is made")
    if not row["active"]:
        data["paused"] = True
    for key in ("tags", "channels"):
        if common[key]:
            data[key] = common[key]
    if common["group"]:
        notes.append(f"not carried over: group '{common['group']}' (heartbeats have no group; tags do)")
    if row["upside_down"]:
        notes.append("not carried over: upside-down mode")
    doc.add("heartbeats", data, [f"Kuma push monitor (row {row['id']}): jobs push to OUR-LISTENER/ping/TOKEN"
                                 " instead of /api/push/TOKEN"] + notes, origin=row["id"])


def _tags(db: sqlite3.Connection) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    query = "SELECT mt.monitor_id, t.name, mt.value FROM monitor_tag mt JOIN tag t ON t.id = mt.tag_id ORDER BY mt.id"
    for monitor_id, name, value in db.execute(query):
        found.setdefault(monitor_id, []).append(f"{name}:{value}" if value else str(name))
    return found


def _json(text):
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
