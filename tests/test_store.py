"""The store: migrations from empty and from an older database, models vs schema, YAML sync.

Each test runs on a SQLite file and, when UPTIME_TUI_TEST_PG points at a server, on PostgreSQL.
"""

from datetime import datetime, timezone

import peewee
import pytest

from uptime_tui.config import parse_config
from uptime_tui.store import open_database
from uptime_tui.store.migrations import LATEST, DatabaseTooNew, current_version, migrate
from uptime_tui.store.models import ALL_MODELS, CheckResult, Heartbeat, Incident, Monitor
from uptime_tui.store.sync import sync_definitions

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)

YAML = """
monitors:
  - {id: web, name: Web, type: http, url: "http://127.0.0.1:9/", interval: 30s, timeout: 5s}
  - {id: db, name: DB, type: tcp, host: 127.0.0.1, port: 5432}
heartbeats:
  - {id: backup, name: Backup, period: 1d, grace: 1h}
  - {id: report, name: Report, schedule: "0 8 * * MON", timezone: Europe/Berlin, token: report-token-1234}
"""


def config(text=YAML):
    return parse_config(text, "c.yaml", {})


def test_migrates_an_empty_database(database_url):
    database = open_database(database_url)
    assert current_version(database) == LATEST
    assert migrate(database) == []  # idempotent
    for model in ALL_MODELS:
        assert database.table_exists(model._meta.table_name)


def test_models_match_the_migrated_schema(database_url):
    database = open_database(database_url)
    for model in ALL_MODELS:
        columns = {c.name for c in database.get_columns(model._meta.table_name)}
        assert columns == {f.column_name for f in model._meta.sorted_fields}, model.__name__


def _sql(database, statement, *params):
    return database.execute_sql(statement.replace("?", database.param), params)


def _v1_monitor(database, key):
    """A monitor row as version 1 of the schema wrote it (today's models have more columns)."""
    _sql(database, "INSERT INTO monitor (key, name, type, target, definition, paused, state, created_at, "
         "updated_at) VALUES (?, ?, 'http', 'http://127.0.0.1:9/', '{}', ?, '{}', ?, ?)",
         key, key.capitalize(), False, NOW.replace(tzinfo=None), NOW.replace(tzinfo=None))
    return _sql(database, "SELECT id FROM monitor WHERE key = ?", key).fetchone()[0]


def _v1_incident(database, monitor_id, kind="down", active=True):
    at = NOW.replace(tzinfo=None)
    _sql(database, "INSERT INTO incident (type, name, resource_type, resource_id, resource_key, resource_name, "
         "status, severity, active, flapping, maintenance, snooze_cancel_on_updates, escalation_level, "
         "started_at, updated_at, created_at) VALUES (?, 'Web down', 'monitor', ?, 'web', 'Web', 'critical', "
         "'critical', ?, ?, ?, ?, 0, ?, ?, ?)", kind, monitor_id, active, False, False, True, at, at, at)


def test_an_older_database_opens_and_keeps_its_data(database_url):
    database = open_database(database_url, migrate=False)
    assert migrate(database, target=1) == [1]  # what version 1 of the schema wrote
    web = _v1_monitor(database, "web")
    CheckResult.create(monitor=web, checked_at=NOW, success=True, response_time=0.1, region="local")
    database.close()

    database = open_database(database_url)
    assert current_version(database) == LATEST
    assert CheckResult.select().count() == 1
    assert CheckResult.get().checked_at == NOW  # round-trips as aware UTC
    assert database.table_exists("audit_entry")
    assert Monitor.get_by_id(web).state_version == 0


def test_the_upgrade_closes_duplicate_open_incidents_but_the_newest(database_url):
    database = open_database(database_url, migrate=False)
    migrate(database, target=5)
    web = _v1_monitor(database, "web")
    for kind in ("down", "down", "down", "degraded"):  # what the stale state flush left behind
        _v1_incident(database, web, kind)
    _v1_incident(database, web, "down", active=False)

    migrate(database)

    rows = list(Incident.select().order_by(Incident.id))
    assert [(r.type, r.active) for r in rows] == [
        ("down", False), ("down", False), ("down", True), ("degraded", True), ("down", False)]
    assert rows[0].resolved_by == "system" and "duplicate" in rows[0].resolution_reason
    assert rows[0].resolved_at is not None


def test_the_database_refuses_a_second_open_incident_of_a_kind(database_url):
    database = open_database(database_url)
    web = _v1_monitor(database, "web")
    _v1_incident(database, web, "down")
    _v1_incident(database, web, "degraded")  # another kind may be open beside it
    _v1_incident(database, web, "down", active=False)
    with pytest.raises(peewee.IntegrityError):
        with database.atomic():
            _v1_incident(database, web, "down")


def test_a_database_from_a_newer_version_is_refused(database_url):
    database = open_database(database_url)
    database.execute_sql(
        f"INSERT INTO schema_migration (version, description, applied_at) VALUES ({LATEST + 1}, 'future', '2030-01-01')"
    )
    with pytest.raises(DatabaseTooNew):
        migrate(database)


def test_sync_creates_then_does_nothing(database_url):
    open_database(database_url)
    recorded = []
    changes = sync_definitions(config(), NOW, record=recorded.append)
    assert sorted((c.kind, c.action, c.key) for c in changes) == [
        ("heartbeat", "created", "backup"), ("heartbeat", "created", "report"),
        ("monitor", "created", "db"), ("monitor", "created", "web"),
    ]
    assert recorded == changes
    assert Monitor.get(Monitor.key == "db").target == "127.0.0.1:5432"
    assert sync_definitions(config(), NOW) == []


def test_sync_updates_and_destroys_by_id(database_url):
    open_database(database_url)
    sync_definitions(config(), NOW)
    web_id = Monitor.get(Monitor.key == "web").id
    changed = YAML.replace("name: Web,", "name: Website,").replace("interval: 30s", "interval: 1m")
    changed = changed.replace("  - {id: db, name: DB, type: tcp, host: 127.0.0.1, port: 5432}\n", "")
    changes = {(c.action, c.key): c for c in sync_definitions(config(changed), NOW)}
    assert set(changes) == {("updated", "web"), ("destroyed", "db")}
    assert changes[("updated", "web")].changed == ("interval", "name")
    web = Monitor.get(Monitor.key == "web")
    assert (web.id, web.name, web.definition["interval"]) == (web_id, "Website", 60)  # same row
    assert not Monitor.select().where(Monitor.key == "db").exists()


# A monitor's definition as stored before each type had its own settings: every type's fields.
FLAT_HTTP_DEFINITION = {
    "id": "web", "name": "Web", "type": "http", "url": "http://127.0.0.1:9/", "host": None, "port": None,
    "method": "GET", "headers": {}, "body": None, "accepted_status": [[200, 399]], "follow_redirects": True,
    "keyword": None, "keyword_absent": False, "expected_addresses": [], "nameserver": None, "interval": 30.0,
    "timeout": 5.0, "confirmation": 2, "recovery": 2, "degraded_after": None, "tls_warning_days": 14, "tags": [],
    "group": None, "channels": [], "policy": None, "paused": False,
}


def test_a_definition_stored_with_every_type_s_fields_is_no_change_until_the_type_changes(database_url):
    open_database(database_url)
    sync_definitions(config(), NOW)
    Monitor.update(definition=FLAT_HTTP_DEFINITION).where(Monitor.key == "web").execute()
    assert sync_definitions(config(), NOW) == []
    Monitor.update(definition=FLAT_HTTP_DEFINITION).where(Monitor.key == "web").execute()
    as_tcp = YAML.replace('type: http, url: "http://127.0.0.1:9/"', "type: tcp, host: 127.0.0.1, port: 80")
    [change] = sync_definitions(config(as_tcp), NOW)
    # A new type: what the old one had is gone, so it is listed (`body` was None and still is).
    assert (change.action, change.key, change.changed) == ("updated", "web", (
        "accepted_status", "expected_addresses", "follow_redirects", "headers", "host", "keyword_absent", "method",
        "port", "tls_warning_days", "type", "url"))
    assert Monitor.get(Monitor.key == "web").definition["host"] == "127.0.0.1"


def test_generated_token_is_kept_and_yaml_token_wins(database_url):
    open_database(database_url)
    sync_definitions(config(), NOW)
    backup = Heartbeat.get(Heartbeat.key == "backup")
    assert len(backup.token) >= 16
    assert Heartbeat.get(Heartbeat.key == "report").token == "report-token-1234"
    sync_definitions(config(YAML.replace("grace: 1h", "grace: 2h")), NOW)
    assert Heartbeat.get(Heartbeat.key == "backup").token == backup.token
    assert "token" not in Heartbeat.get(Heartbeat.key == "report").definition  # secrets stay in their column


def test_pause_from_the_console_survives_a_reload_unless_the_yaml_changes_it(database_url):
    open_database(database_url)
    sync_definitions(config(), NOW)
    Monitor.update(paused=True).where(Monitor.key == "web").execute()  # paused by a person
    sync_definitions(config(YAML.replace("interval: 30s", "interval: 45s")), NOW)
    assert Monitor.get(Monitor.key == "web").paused
    sync_definitions(config(YAML.replace("timeout: 5s}", "timeout: 5s, paused: false}")), NOW)
    assert Monitor.get(Monitor.key == "web").paused  # `paused: false` is the default: no edit
    sync_definitions(config(YAML.replace("timeout: 5s}", "timeout: 5s, paused: true}")), NOW)
    sync_definitions(config(), NOW)  # the YAML's paused went true -> false: that is an edit
    assert not Monitor.get(Monitor.key == "web").paused


def test_sync_is_one_transaction(database_url):
    open_database(database_url)

    def fail(change):
        raise RuntimeError("hook failed")

    with pytest.raises(RuntimeError):
        sync_definitions(config(), NOW, record=fail)
    assert Monitor.select().count() == 0 and Heartbeat.select().count() == 0
