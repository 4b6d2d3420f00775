"""Numbered schema migrations, applied in order on start.

Each migration is frozen DDL: once released it never changes, so a database written by any older
version reaches the current schema by running the migrations it has not seen. A few placeholders
cover the differences between SQLite and PostgreSQL. To change the schema, append a migration
(and update models.py); `tests/test_store.py` checks that the two agree.
"""

from __future__ import annotations

from datetime import datetime, timezone

import peewee

TYPES = {
    "sqlite": {
        "pk": "INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT",  # AUTOINCREMENT: ids are never reused
        "bigpk": "INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT",
        "ts": "DATETIME", "bool": "INTEGER", "float": "REAL", "bigint": "INTEGER",
        "true": "1", "false": "0", "now": "CURRENT_TIMESTAMP",
    },
    "postgres": {
        "pk": "SERIAL NOT NULL PRIMARY KEY",
        "bigpk": "BIGSERIAL NOT NULL PRIMARY KEY",
        "ts": "TIMESTAMP", "bool": "BOOLEAN", "float": "DOUBLE PRECISION", "bigint": "BIGINT",
        "true": "TRUE", "false": "FALSE", "now": "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')",
    },
}

M0001_RESOURCES_AND_HISTORY = """
CREATE TABLE monitor (
    id {pk}, key VARCHAR(255) NOT NULL UNIQUE, name VARCHAR(255) NOT NULL,
    type VARCHAR(255) NOT NULL, target TEXT NOT NULL, definition TEXT NOT NULL,
    paused {bool} NOT NULL, state TEXT NOT NULL, created_at {ts} NOT NULL, updated_at {ts} NOT NULL);
CREATE TABLE heartbeat (
    id {pk}, key VARCHAR(255) NOT NULL UNIQUE, name VARCHAR(255) NOT NULL,
    token VARCHAR(255) NOT NULL UNIQUE, definition TEXT NOT NULL, paused {bool} NOT NULL,
    state TEXT NOT NULL, created_at {ts} NOT NULL, updated_at {ts} NOT NULL);
CREATE TABLE check_result (
    id {bigpk}, monitor_id INTEGER NOT NULL REFERENCES monitor (id) ON DELETE CASCADE,
    checked_at {ts} NOT NULL, success {bool} NOT NULL, response_time {float} NOT NULL,
    ttfb_ms {float}, status_code INTEGER, region VARCHAR(255) NOT NULL, cause TEXT);
CREATE INDEX check_result_monitor_time ON check_result (monitor_id, checked_at);
CREATE INDEX check_result_time ON check_result (checked_at);
CREATE TABLE heartbeat_ping (
    id {bigpk}, heartbeat_id INTEGER NOT NULL REFERENCES heartbeat (id) ON DELETE CASCADE,
    received_at {ts} NOT NULL, kind VARCHAR(255) NOT NULL, exit_status INTEGER, body TEXT,
    remote_addr VARCHAR(255), user_agent TEXT);
CREATE INDEX heartbeat_ping_heartbeat_time ON heartbeat_ping (heartbeat_id, received_at);
CREATE TABLE incident (
    id {pk}, type VARCHAR(255) NOT NULL, name TEXT NOT NULL, resource_type VARCHAR(255) NOT NULL,
    resource_id INTEGER NOT NULL, resource_key VARCHAR(255) NOT NULL,
    resource_name VARCHAR(255) NOT NULL, cause TEXT, status VARCHAR(255) NOT NULL,
    severity VARCHAR(255) NOT NULL, active {bool} NOT NULL, flapping {bool} NOT NULL,
    maintenance {bool} NOT NULL, acknowledged_by VARCHAR(255), acknowledged_at {ts},
    snoozed_until {ts}, snooze_cancel_on_updates {bool} NOT NULL, escalation_level INTEGER NOT NULL,
    group_id INTEGER, resolved_by VARCHAR(255), resolution_reason TEXT, started_at {ts} NOT NULL,
    updated_at {ts} NOT NULL, resolved_at {ts}, created_at {ts} NOT NULL);
CREATE INDEX incident_active ON incident (active, started_at);
CREATE INDEX incident_resource ON incident (resource_type, resource_id, started_at);
CREATE TABLE incident_evidence (
    id {pk}, incident_id INTEGER NOT NULL REFERENCES incident (id) ON DELETE CASCADE,
    region VARCHAR(255) NOT NULL, timestamp {ts} NOT NULL, status_code INTEGER, ttfb_ms {float},
    cause TEXT);
CREATE INDEX incident_evidence_incident ON incident_evidence (incident_id);
CREATE TABLE event (
    id {bigpk}, name VARCHAR(255) NOT NULL, dt {ts} NOT NULL,
    incident_id INTEGER REFERENCES incident (id) ON DELETE CASCADE,
    resource_type VARCHAR(255), resource_id INTEGER, payload TEXT NOT NULL);
CREATE INDEX event_incident ON event (incident_id);
CREATE INDEX event_dt ON event (dt);
"""

M0002_AUDIT_AND_OUTBOX = """
CREATE TABLE audit_entry (
    id {bigpk}, version INTEGER NOT NULL, created_at {ts} NOT NULL,
    actor_type VARCHAR(255) NOT NULL, actor_id VARCHAR(255) NOT NULL,
    actor_name VARCHAR(255) NOT NULL, actor_metadata TEXT NOT NULL, action VARCHAR(255) NOT NULL,
    targets TEXT NOT NULL, context TEXT NOT NULL, message TEXT NOT NULL,
    previous_hash VARCHAR(255) NOT NULL, hash VARCHAR(255) NOT NULL);
CREATE INDEX audit_entry_time ON audit_entry (created_at);
CREATE INDEX audit_entry_action ON audit_entry (action);
CREATE TABLE notification_delivery (
    id {bigpk}, channel_id VARCHAR(255) NOT NULL,
    event_id {bigint} REFERENCES event (id) ON DELETE SET NULL,
    idempotency_key VARCHAR(255) NOT NULL UNIQUE, payload TEXT NOT NULL,
    state VARCHAR(255) NOT NULL, attempts INTEGER NOT NULL, last_error TEXT,
    next_attempt_at {ts} NOT NULL, created_at {ts} NOT NULL, sent_at {ts});
CREATE INDEX notification_delivery_due ON notification_delivery (state, next_attempt_at);
"""

M0003_OPERATIONS_AND_ROLLUPS = """
ALTER TABLE incident ADD COLUMN group_key VARCHAR(255);
ALTER TABLE incident ADD COLUMN escalation_policy VARCHAR(255);
ALTER TABLE incident ADD COLUMN escalated_at {ts};
ALTER TABLE incident ADD COLUMN snoozed_by VARCHAR(255);
CREATE INDEX incident_group ON incident (group_key, started_at);
CREATE INDEX incident_group_id ON incident (group_id);
CREATE TABLE check_rollup (
    id {bigpk}, monitor_id INTEGER NOT NULL REFERENCES monitor (id) ON DELETE CASCADE,
    hour {ts} NOT NULL, checks INTEGER NOT NULL, failures INTEGER NOT NULL,
    response_time_sum {float} NOT NULL, response_time_max {float} NOT NULL);
CREATE UNIQUE INDEX check_rollup_monitor_hour ON check_rollup (monitor_id, hour);
CREATE INDEX check_rollup_hour ON check_rollup (hour);
"""

M0004_NOTIFICATION_DIGESTS = """
ALTER TABLE notification_delivery ADD COLUMN digest_key VARCHAR(255);
CREATE INDEX notification_delivery_channel ON notification_delivery (channel_id, state, id);
"""

# Deleting events (retention) must not scan the outbox for the deliveries that point at them.
M0005_DELIVERY_EVENT_INDEX = """
CREATE INDEX notification_delivery_event ON notification_delivery (event_id);
"""

# A stored state carries a version, so a state snapshotted before a step can never be written
# over it; and the database refuses a second open incident of one kind for one resource, so a bug
# of that shape is an error in the log rather than a second page. Duplicates left by older
# versions are closed first (all but the newest), or the index could not be built.
M0006_STATE_VERSIONS_AND_ONE_OPEN_INCIDENT = """
ALTER TABLE monitor ADD COLUMN state_version {bigint} NOT NULL DEFAULT 0;
ALTER TABLE heartbeat ADD COLUMN state_version {bigint} NOT NULL DEFAULT 0;
UPDATE incident SET active = {false}, status = 'ok', resolved_at = {now}, resolved_by = 'system',
    resolution_reason = 'a duplicate open incident, closed when the database was upgraded'
WHERE active = {true} AND id < (
    SELECT MAX(newest.id) FROM incident newest WHERE newest.active = {true}
    AND newest.resource_type = incident.resource_type AND newest.resource_id = incident.resource_id
    AND newest.type = incident.type);
CREATE UNIQUE INDEX incident_one_open ON incident (resource_type, resource_id, type)
    WHERE active = {true};
"""

# One engine per database: the single row (id 1) of the engine holding the lease. Its epoch is
# raised by every takeover and fences every write the engine makes (store/lease.py).
M0007_ENGINE_LEASE = """
CREATE TABLE engine_lease (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1), epoch {bigint} NOT NULL,
    host VARCHAR(255) NOT NULL, pid INTEGER NOT NULL, version VARCHAR(255) NOT NULL,
    kind VARCHAR(255) NOT NULL, started_at {ts} NOT NULL, renewed_at {ts} NOT NULL, url TEXT,
    token_file TEXT, released {bool} NOT NULL);
"""

# A monitor with conditions keeps each one's outcome with its result, for the console's detail.
M0008_CHECK_ASSERTIONS = """
ALTER TABLE check_result ADD COLUMN assertions TEXT;
"""

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "monitors, heartbeats, check results, pings, incidents, evidence, events", M0001_RESOURCES_AND_HISTORY),
    (2, "audit log and notification outbox", M0002_AUDIT_AND_OUTBOX),
    (3, "incident groups, escalation and snooze fields; hourly check rollups", M0003_OPERATIONS_AND_ROLLUPS),
    (4, "notification digests: the digest that carried a delivery", M0004_NOTIFICATION_DIGESTS),
    (5, "index notification deliveries by event", M0005_DELIVERY_EVENT_INDEX),
    (6, "state versions; one open incident of a kind per resource", M0006_STATE_VERSIONS_AND_ONE_OPEN_INCIDENT),
    (7, "the engine lease: one engine per database", M0007_ENGINE_LEASE),
    (8, "the outcome of each condition with a check result", M0008_CHECK_ASSERTIONS),
)
LATEST = MIGRATIONS[-1][0]


class DatabaseTooNew(RuntimeError):
    """The database was migrated by a newer uptime-tui than this one."""


def dialect(database: peewee.Database) -> str:
    """'sqlite' or 'postgres'."""
    return "postgres" if isinstance(database, peewee.PostgresqlDatabase) else "sqlite"


def current_version(database: peewee.Database) -> int:
    """The highest migration applied (0 for an empty database)."""
    if not database.table_exists("schema_migration"):
        return 0
    row = database.execute_sql("SELECT MAX(version) FROM schema_migration").fetchone()
    return row[0] or 0


def migrate(database: peewee.Database, target: int = LATEST) -> list[int]:
    """Apply the migrations above the database's version, up to `target`; return those applied."""
    database.execute_sql(
        "CREATE TABLE IF NOT EXISTS schema_migration ("
        "version INTEGER NOT NULL PRIMARY KEY, description TEXT NOT NULL, applied_at "
        f"{TYPES[dialect(database)]['ts']} NOT NULL)"
    )
    version = current_version(database)
    if version > LATEST:
        raise DatabaseTooNew(
            f"the database is at schema version {version}, newer than this uptime-tui knows "
            f"({LATEST}); upgrade uptime-tui"
        )
    applied = []
    for number, description, ddl in MIGRATIONS:
        if version < number <= target:
            # One transaction per migration: PostgreSQL and SQLite both roll back DDL.
            with database.atomic():
                for statement in ddl.format(**TYPES[dialect(database)]).split(";"):
                    if statement.strip():
                        database.execute_sql(statement)
                database.execute_sql(
                    "INSERT INTO schema_migration (version, description, applied_at) VALUES (%s, %s, %s)"
                    .replace("%s", database.param),
                    (number, description, datetime.now(timezone.utc).replace(tzinfo=None)),
                )
            applied.append(number)
    return applied
