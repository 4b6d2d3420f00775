"""Uptime Kuma's SQLite database (kuma.db) -> our monitors, heartbeats, channels and windows.

The file is opened read-only (a `mode=ro` URI: nothing in Kuma's data directory changes) and must
hold Kuma's tables with the columns read here; columns and tables added by later Kuma versions
are ignored. Monitors are kuma_monitors' work, notifications and maintenance kuma_notifications'.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from uptime_tui.importers import kuma_monitors, kuma_notifications
from uptime_tui.importers.document import Document, ImportFailed

# The tables and columns read; a file without them is not a Kuma 2 database (or a future one).
REQUIRED = {
    "monitor": {"id", "name", "type", "active", "interval", "url", "hostname", "port", "maxretries",
                "accepted_statuscodes_json", "method", "body", "headers", "upside_down", "ignore_tls"},
    "notification": {"id", "name", "active", "is_default", "config"},
    "monitor_notification": {"monitor_id", "notification_id"},
    "tag": {"id", "name"},
    "monitor_tag": {"monitor_id", "tag_id", "value"},
    "maintenance": {"id", "title", "active", "strategy", "start_date", "end_date"},
}


def read(path: str) -> Document:
    if not Path(path).is_file():
        raise ImportFailed(f"{path}: no such file")
    try:
        connection = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ImportFailed(f"{path}: cannot open it read-only: {exc}") from None
    connection.row_factory = sqlite3.Row
    try:
        _check_schema(path, connection)
        doc = Document("Uptime Kuma", path)
        channels = kuma_notifications.channels(doc, connection)
        kuma_monitors.monitors(doc, connection, channels)
        kuma_notifications.maintenance(doc, connection)
        return doc
    except sqlite3.DatabaseError as exc:  # e.g. a text file: "file is not a database"
        raise ImportFailed(f"{path}: not an Uptime Kuma database: {exc}") from None
    finally:
        connection.close()


def _check_schema(path: str, connection: sqlite3.Connection) -> None:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = sorted(set(REQUIRED) - tables)
    if missing:
        raise ImportFailed(f"{path}: not an Uptime Kuma database: no {', '.join(missing)} table"
                           f"{'s' if len(missing) > 1 else ''}")
    for table, needed in REQUIRED.items():
        columns = {row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')}
        if needed - columns:  # a renamed or dropped column: a Kuma version we do not know
            raise ImportFailed(f"{path}: table {table} has no {', '.join(sorted(needed - columns))} column:"
                               " not an Uptime Kuma 2 database, or a version we do not know")

