"""The tables, as peewee models.

The schema itself is created by the numbered migrations (store/migrations.py), never by
`create_tables`, so an old database and a new one end up identical; a test compares these models
with the migrated schema on SQLite and PostgreSQL.
"""

from __future__ import annotations

import peewee

from uptime_tui.store.fields import JsonField, UtcDateTimeField

database_proxy = peewee.DatabaseProxy()


class BaseModel(peewee.Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class Monitor(BaseModel):
    """A monitor from the YAML; `key` is its YAML id, `id` the integer used in events and the API."""

    key = peewee.CharField(unique=True)
    name = peewee.CharField()
    type = peewee.CharField()
    target = peewee.TextField()
    definition = JsonField()  # the YAML entry as last synced
    paused = peewee.BooleanField(default=False)  # survives restarts and reloads
    state = JsonField(default=dict)  # the state machine's state, so a restart resumes it
    state_version = peewee.BigIntegerField(default=0)  # raised by every stored state: never go back
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()


class Heartbeat(BaseModel):
    """A heartbeat from the YAML; `token` is the secret in its ping URL."""

    key = peewee.CharField(unique=True)
    name = peewee.CharField()
    token = peewee.CharField(unique=True)
    definition = JsonField()
    paused = peewee.BooleanField(default=False)
    state = JsonField(default=dict)
    state_version = peewee.BigIntegerField(default=0)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()


class CheckResult(BaseModel):
    """One check of one monitor."""

    id = peewee.BigAutoField()

    monitor = peewee.ForeignKeyField(Monitor, on_delete="CASCADE", backref="results")
    checked_at = UtcDateTimeField()
    success = peewee.BooleanField()
    response_time = peewee.DoubleField()
    ttfb_ms = peewee.DoubleField(null=True)
    status_code = peewee.IntegerField(null=True)
    region = peewee.CharField()
    cause = peewee.TextField(null=True)
    assertions = JsonField(null=True)  # with conditions: [[passed, found], ...] in the config's order


class HeartbeatPing(BaseModel):
    """One ping received for a heartbeat (body kept up to 10 KB)."""

    id = peewee.BigAutoField()

    heartbeat = peewee.ForeignKeyField(Heartbeat, on_delete="CASCADE", backref="pings")
    received_at = UtcDateTimeField()
    kind = peewee.CharField()  # success, start, fail, exit
    exit_status = peewee.IntegerField(null=True)
    body = peewee.TextField(null=True)
    remote_addr = peewee.CharField(null=True)
    user_agent = peewee.TextField(null=True)


class Incident(BaseModel):
    """Something wrong with a monitor or heartbeat, from start to resolution.

    `status` is the current level (critical, warning, ok) and `severity` the highest reached
    (BigPanda's incident object). Resources are referenced by value, not foreign key, so an incident outlives
    the monitor it was about.
    """

    type = peewee.CharField()  # down, degraded, flapping
    name = peewee.TextField()
    resource_type = peewee.CharField()  # monitor, heartbeat
    resource_id = peewee.IntegerField()
    resource_key = peewee.CharField()
    resource_name = peewee.CharField()
    cause = peewee.TextField(null=True)
    status = peewee.CharField()
    severity = peewee.CharField()
    active = peewee.BooleanField(default=True)
    flapping = peewee.BooleanField(default=False)
    maintenance = peewee.BooleanField(default=False)
    acknowledged_by = peewee.CharField(null=True)
    acknowledged_at = UtcDateTimeField(null=True)
    snoozed_until = UtcDateTimeField(null=True)
    snoozed_by = peewee.CharField(null=True)
    snooze_cancel_on_updates = peewee.BooleanField(default=True)
    escalation_policy = peewee.CharField(null=True)  # the policy id, from the resource's YAML
    escalation_level = peewee.IntegerField(default=0)  # policy steps notified so far
    escalated_at = UtcDateTimeField(null=True)  # when the last step was notified
    group_key = peewee.CharField(null=True)  # the monitor's `group`
    group_id = peewee.IntegerField(null=True)  # the id of the group's first incident
    resolved_by = peewee.CharField(null=True)
    resolution_reason = peewee.TextField(null=True)
    started_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    resolved_at = UtcDateTimeField(null=True)
    created_at = UtcDateTimeField()


class IncidentEvidence(BaseModel):
    """A failing check that stands behind an incident (an uptime incidents API's `evidence`)."""

    incident = peewee.ForeignKeyField(Incident, on_delete="CASCADE", backref="evidence")
    region = peewee.CharField()
    timestamp = UtcDateTimeField()
    status_code = peewee.IntegerField(null=True)
    ttfb_ms = peewee.DoubleField(null=True)
    cause = peewee.TextField(null=True)


class CheckRollup(BaseModel):
    """Check results of one monitor in one hour, kept after the raw results are deleted."""

    id = peewee.BigAutoField()

    monitor = peewee.ForeignKeyField(Monitor, on_delete="CASCADE", backref="rollups")
    hour = UtcDateTimeField()  # the hour's start, UTC
    checks = peewee.IntegerField()
    failures = peewee.IntegerField()
    response_time_sum = peewee.DoubleField()
    response_time_max = peewee.DoubleField()


class Event(BaseModel):
    """An event of the catalogue (Better Stack's incident log webhook) with its exact payload; an incident's timeline."""

    id = peewee.BigAutoField()

    name = peewee.CharField()
    dt = UtcDateTimeField()
    incident = peewee.ForeignKeyField(Incident, null=True, on_delete="CASCADE", backref="events")
    resource_type = peewee.CharField(null=True)
    resource_id = peewee.IntegerField(null=True)
    payload = JsonField()


class AuditEntry(BaseModel):
    """Who did what to which target, from where (incident.io's audit log); chained by hash."""

    id = peewee.BigAutoField()

    version = peewee.IntegerField()
    created_at = UtcDateTimeField()
    actor_type = peewee.CharField()  # user, api_key, system, workflow, alert
    actor_id = peewee.CharField()
    actor_name = peewee.CharField()
    actor_metadata = JsonField(default=dict)
    action = peewee.CharField()
    targets = JsonField(default=list)
    context = JsonField(default=dict)
    message = peewee.TextField()
    previous_hash = peewee.CharField()
    hash = peewee.CharField()


class NotificationDelivery(BaseModel):
    """One notification to one channel, written with its cause: the durable outbox."""

    id = peewee.BigAutoField()

    channel_id = peewee.CharField()
    event = peewee.ForeignKeyField(Event, null=True, on_delete="SET NULL")
    idempotency_key = peewee.CharField(unique=True)
    payload = JsonField()
    state = peewee.CharField(default="pending")  # pending, sent, failed
    attempts = peewee.IntegerField(default=0)
    last_error = peewee.TextField(null=True)
    next_attempt_at = UtcDateTimeField()
    created_at = UtcDateTimeField()
    sent_at = UtcDateTimeField(null=True)
    digest_key = peewee.CharField(null=True)  # the digest message that carried it, when folded


class EngineLease(BaseModel):
    """The one row (id 1) naming the engine that may write this database (store/lease.py)."""

    id = peewee.IntegerField(primary_key=True)
    epoch = peewee.BigIntegerField()  # raised by every takeover; fences the holder's writes
    host = peewee.CharField()
    pid = peewee.IntegerField()
    version = peewee.CharField()
    kind = peewee.CharField()  # serve, console
    started_at = UtcDateTimeField()
    renewed_at = UtcDateTimeField()
    url = peewee.TextField(null=True)  # http://host:port of its listener
    token_file = peewee.TextField(null=True)  # where its console credential is
    released = peewee.BooleanField()


ALL_MODELS = (
    Monitor, Heartbeat, CheckResult, CheckRollup, HeartbeatPing, Incident, IncidentEvidence, Event,
    AuditEntry, NotificationDelivery, EngineLease,
)
