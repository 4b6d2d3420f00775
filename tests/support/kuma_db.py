"""A real Uptime Kuma 2 SQLite database for the importer's tests.

The tables and columns are those of Kuma's db/knex_init_db.js (tests/samples/uptime-kuma/README.md
says where it is from), as SQLite DDL: the monitor table with the columns the importer reads and
a few it does not, notification, monitor_notification, tag, monitor_tag, maintenance (with the
cron, timezone and duration columns of its 2023-06-30 migration) and monitor_maintenance.
The rows cover every mapped monitor type, an unmapped one, a push monitor, a group, several
notification services and maintenance strategies.
"""

from __future__ import annotations

import json
import sqlite3

SCHEMA = """
CREATE TABLE user (id INTEGER PRIMARY KEY AUTOINCREMENT, username VARCHAR(255) NOT NULL UNIQUE,
    password VARCHAR(255), active BOOLEAN NOT NULL DEFAULT 1, timezone VARCHAR(150));
CREATE TABLE monitor (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(150), active BOOLEAN NOT NULL DEFAULT 1,
    user_id INTEGER REFERENCES user(id), interval INTEGER NOT NULL DEFAULT 20, url TEXT, type VARCHAR(20),
    weight INTEGER DEFAULT 2000, hostname VARCHAR(255), port INTEGER,
    created_date DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, keyword VARCHAR(255),
    maxretries INTEGER NOT NULL DEFAULT 0, ignore_tls BOOLEAN NOT NULL DEFAULT 0,
    upside_down BOOLEAN NOT NULL DEFAULT 0, maxredirects INTEGER NOT NULL DEFAULT 10,
    accepted_statuscodes_json TEXT NOT NULL DEFAULT '["200-299"]', dns_resolve_type VARCHAR(5),
    dns_resolve_server VARCHAR(255), dns_last_result VARCHAR(255), retry_interval INTEGER NOT NULL DEFAULT 0,
    push_token VARCHAR(20) DEFAULT NULL, method TEXT NOT NULL DEFAULT 'GET', body TEXT DEFAULT NULL,
    headers TEXT DEFAULT NULL, basic_auth_user TEXT DEFAULT NULL, basic_auth_pass TEXT DEFAULT NULL,
    docker_host INTEGER, docker_container VARCHAR(255), database_connection_string VARCHAR(2000),
    database_query TEXT, auth_method VARCHAR(250), grpc_url VARCHAR(255), resend_interval INTEGER NOT NULL DEFAULT 0,
    packet_size INTEGER NOT NULL DEFAULT 56, game VARCHAR(255), description TEXT DEFAULT NULL,
    parent INTEGER REFERENCES monitor(id), invert_keyword BOOLEAN NOT NULL DEFAULT 0, json_path TEXT,
    expected_value VARCHAR(255), timeout DOUBLE NOT NULL DEFAULT 0);
CREATE TABLE notification (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(255),
    active BOOLEAN NOT NULL DEFAULT 1, user_id INTEGER, is_default BOOLEAN NOT NULL DEFAULT 0, config TEXT);
CREATE TABLE monitor_notification (id INTEGER PRIMARY KEY AUTOINCREMENT,
    monitor_id INTEGER NOT NULL REFERENCES monitor(id), notification_id INTEGER NOT NULL REFERENCES notification(id));
CREATE TABLE tag (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(255) NOT NULL, color VARCHAR(255) NOT NULL,
    created_date DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE monitor_tag (id INTEGER PRIMARY KEY AUTOINCREMENT, monitor_id INTEGER NOT NULL REFERENCES monitor(id),
    tag_id INTEGER NOT NULL REFERENCES tag(id), value TEXT);
CREATE TABLE maintenance (id INTEGER PRIMARY KEY AUTOINCREMENT, title VARCHAR(150) NOT NULL,
    description TEXT NOT NULL, user_id INTEGER, active BOOLEAN NOT NULL DEFAULT 1,
    strategy VARCHAR(50) NOT NULL DEFAULT 'single', start_date DATETIME, end_date DATETIME, start_time TIME,
    end_time TIME, weekdays VARCHAR(250) DEFAULT '[]', days_of_month TEXT DEFAULT '[]', interval_day INTEGER,
    cron TEXT, timezone VARCHAR(255), duration INTEGER);
CREATE TABLE monitor_maintenance (id INTEGER PRIMARY KEY AUTOINCREMENT,
    monitor_id INTEGER NOT NULL REFERENCES monitor(id), maintenance_id INTEGER NOT NULL REFERENCES maintenance(id));
"""

# The secrets in these rows: none of them may appear in an import's output.
SECRETS = ("T0001/B0001/slacksecretslacksecret00", "hunter2-basic-pass", "pg-secret-pass",
           "123456789:telegramsecrettokenABCDEFGHIJKLMN", "smtp-secret-pass", "Bearer api-secret-token",
           "gotifySecretTok", "ntfy_secret_token", "hook-secret-value")

MONITORS = [  # (id, name, type, extra columns)
    (1, "Website", "http", {"url": "https://example.com/health", "interval": 60, "maxretries": 2,
                            "accepted_statuscodes_json": '["200-299", "301"]', "ignore_tls": 1,
                            "headers": json.dumps({"Authorization": "Bearer api-secret-token", "Accept": "json"}),
                            "basic_auth_user": "probe", "basic_auth_pass": "hunter2-basic-pass",
                            "description": "The public site", "timeout": 48}),
    (2, "Shop keyword", "keyword", {"url": "https://shop.example.com/", "keyword": "Add to cart", "invert_keyword": 0,
                                    "method": "POST", "body": '{"probe": true}', "upside_down": 1, "interval": 120}),
    (3, "API version", "json-query", {"url": "https://api.example.com/v1", "json_path": "$.version",
                                      "expected_value": "1.2"}),
    (4, "Database port", "port", {"hostname": "db.example.com", "port": 5432, "active": 0}),
    (5, "Gateway", "ping", {"hostname": "192.0.2.1", "packet_size": 128}),
    (6, "Resolver", "dns", {"hostname": "example.com", "dns_resolve_server": "1.1.1.1", "dns_resolve_type": "MX"}),
    (7, "Orders DB", "postgres", {"database_connection_string": "postgres://probe:pg-secret-pass@db.example.com:5432/orders",
                                  "database_query": "SELECT 1"}),
    (8, "Nightly job", "push", {"push_token": "pushTokenAbc123", "interval": 86400, "maxretries": 1}),
    (9, "Container", "docker", {"docker_container": "web"}),
    (10, "Backend", "group", {}),
    (11, "Cache", "redis", {"database_connection_string": "redis://cache.example.com:6379", "parent": 10}),
]

NOTIFICATIONS = [  # (id, name, active, is_default, config)
    (1, "Ops Slack", 1, 1, {"type": "slack", "slackwebhookURL":
                            "https://hooks.slack.com/services/T0001/B0001/slacksecretslacksecret00"}),
    (2, "Telegram", 1, 0, {"type": "telegram", "telegramBotToken": "123456789:telegramsecrettokenABCDEFGHIJKLMN",
                           "telegramChatID": "-100123"}),
    (3, "Mail", 1, 0, {"type": "smtp", "smtpHost": "smtp.example.com", "smtpPort": 587, "smtpSecure": False,
                       "smtpUsername": "alerts", "smtpPassword": "smtp-secret-pass", "smtpFrom": "kuma@example.com",
                       "smtpTo": "ops@example.com"}),
    (4, "Gotify", 0, 0, {"type": "gotify", "gotifyserverurl": "https://gotify.example.com",
                         "gotifyapplicationToken": "gotifySecretTok"}),
    (5, "ntfy", 1, 0, {"type": "ntfy", "ntfyserverurl": "https://ntfy.sh", "ntfytopic": "kuma-alerts",
                       "ntfyAuthenticationMethod": "accessToken", "ntfyaccesstoken": "ntfy_secret_token"}),
    (6, "Hook", 1, 0, {"type": "webhook", "webhookURL": "https://hooks.example.com/kuma",
                       "webhookAdditionalHeaders": json.dumps({"X-Secret": "hook-secret-value"})}),
    (7, "Line", 1, 0, {"type": "line", "lineChannelAccessToken": "line-secret"}),
]

MAINTENANCE = [  # (id, title, strategy, extra columns, monitor ids)
    (1, "Migration", "single", {"start_date": "2026-12-05 22:00:00", "end_date": "2026-12-06 01:00:00",
                                "timezone": "Europe/Berlin"}, [1, 2]),
    (2, "Weekly patch", "cron", {"cron": "0 3 * * 0", "duration": 3600, "timezone": "UTC"}, [4]),
    (3, "Backups", "recurring-weekday", {"start_time": "02:00", "end_time": "03:30", "weekdays": "[1, 3]"}, [7]),
    (4, "Freeze", "manual", {}, [1]),
    (5, "Status page only", "single", {"start_date": "2026-12-01 00:00:00", "end_date": "2026-12-02 00:00:00"}, []),
]


def create(path, *, schema: str = SCHEMA) -> str:
    """Write the database to `path`; `schema` may be changed to build a wrong one."""
    db = sqlite3.connect(path)
    db.executescript(schema)
    if "CREATE TABLE monitor " in schema and "CREATE TABLE notification " in schema:
        _fill(db)
    db.commit()
    db.close()
    return str(path)


def _fill(db: sqlite3.Connection) -> None:
    known = {row[1] for row in db.execute("PRAGMA table_info(monitor)")}  # a changed schema may lack some
    for monitor_id, name, kind, extra in MONITORS:
        columns = {k: v for k, v in {"id": monitor_id, "name": name, "type": kind, **extra}.items() if k in known}
        db.execute(f"INSERT INTO monitor ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                   list(columns.values()))
    for notification_id, name, active, default, config in NOTIFICATIONS:
        db.execute("INSERT INTO notification (id, name, active, is_default, config) VALUES (?, ?, ?, ?, ?)",
                   (notification_id, name, active, default, json.dumps(config)))
    for monitor_id, notification_id in ((1, 1), (1, 2), (2, 3), (4, 1), (7, 5), (8, 6), (9, 1), (3, 7)):
        db.execute("INSERT INTO monitor_notification (monitor_id, notification_id) VALUES (?, ?)",
                   (monitor_id, notification_id))
    db.execute("INSERT INTO tag (id, name, color) VALUES (1, 'prod', '#f00'), (2, 'team', '#0f0')")
    db.execute("INSERT INTO monitor_tag (monitor_id, tag_id, value) VALUES (1, 1, ''), (1, 2, 'web'), (8, 1, NULL)")
    for window_id, title, strategy, extra, monitor_ids in MAINTENANCE:
        columns = {"id": window_id, "title": title, "description": "", "strategy": strategy, **extra}
        db.execute(f"INSERT INTO maintenance ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                   list(columns.values()))
        for monitor_id in monitor_ids:
            db.execute("INSERT INTO monitor_maintenance (monitor_id, maintenance_id) VALUES (?, ?)",
                       (monitor_id, window_id))
