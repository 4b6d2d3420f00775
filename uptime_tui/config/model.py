"""The configuration's values: frozen dataclasses, one per section.

No parsing here: `loading` reads a file into these through `schema`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


PERMISSIONS = ("read", "write")
DEFAULT_LISTEN = ("127.0.0.1", 8787)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config file."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}:{self.column}: {where}{self.message}"


class ConfigInvalid(Exception):
    """A config file that was refused, with every problem in it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Retention:
    """How many days each kind of history is kept."""

    check_results: int = 7  # raw results; older ones are rolled up into hourly aggregates
    rollups: int = 365  # hourly aggregates, so uptime over a year stays exact to the hour
    incidents: int = 30  # resolved incidents
    audit: int = 365


@dataclass(frozen=True)
class Settings:
    """The `settings` section: where things live and who is acting."""

    database: str | None = None  # None: the default SQLite file, see store.database
    region: str = "local"
    operator: str | None = None  # None: the login name
    organization_id: str = ""
    team_id: str = ""
    listen_host: str = DEFAULT_LISTEN[0]
    listen_port: int = DEFAULT_LISTEN[1]
    retention: Retention = field(default_factory=Retention)
    group_window: float = 120.0  # incidents of one monitor group starting this close are grouped
    # Healthchecks' ping key: /ping/<ping_key>/<slug> pings a heartbeat by its slug. A secret.
    ping_key: str | None = field(default=None, repr=False)
    # How jobs reach the listener (a proxy, a DNS name): the base of the ping URLs shown.
    public_url: str | None = None
    # One engine per database holds a lease, renewed every third of this; a standby `serve`
    # takes over once it has not been renewed for this long (the engine was killed).
    lease: float = 15.0
    # Where the engine writes the credential consoles on this host attach with (None: the
    # user's state directory, one file per database).
    console_token_file: str | None = None
    # GET /metrics without an API key (for a Prometheus that scrapes without a bearer token).
    metrics_public: bool = False


@dataclass(frozen=True)
class Monitor:
    """A target checked on an interval: what every monitor has, and its type's `spec`.

    The spec is the frozen dataclass of the type's own module (`checks/<type>.py`, e.g. `HttpSpec`
    with the URL and accepted statuses); it also says what the monitor shows as its target and
    how payloads name its type, so nothing here or in events.py needs to know the types.
    """

    id: str
    name: str
    type: str
    spec: Any = None
    interval: float = 60.0
    timeout: float = 10.0
    confirmation: int = 2  # consecutive failures before down
    recovery: int = 2  # consecutive successes before up
    degraded_after: float | None = None  # response time (s) above which it is degraded
    tags: tuple = ()
    group: str | None = None
    channels: tuple = ()
    policy: str | None = None
    paused: bool = False
    conditions: tuple = ()  # config.conditions.Condition, judged after every check

    @property
    def target(self) -> str:
        """What is checked, as a person would write it (unredacted: see redaction.redact_target)."""
        return self.spec.target if self.spec is not None else ""

    @property
    def payload_type(self) -> str:
        """The monitor's type as payloads name it (Better Stack's vocabulary)."""
        return self.spec.payload_type if self.spec is not None else self.type


@dataclass(frozen=True)
class Heartbeat:
    """A job that pings us, on a period or a cron schedule."""

    id: str
    name: str
    period: float | None = None
    schedule: str | None = None
    timezone: str = "UTC"
    grace: float = 300.0
    token: str | None = None  # None: generated once and kept in the database
    channels: tuple = ()
    policy: str | None = None
    tags: tuple = ()
    paused: bool = False
    slug: str | None = None  # None: derived from the id, see `ping_slug`

    @property
    def ping_slug(self) -> str:
        """The slug in /ping/<ping_key>/<slug>: `slug`, else the id slugified as Healthchecks
        slugifies a check's name ("DB.Backup_2" -> "dbbackup_2")."""
        return self.slug or slugify(self.id)


def slugify(text: str) -> str:
    """Django's slugify, which Healthchecks applies to names: ASCII, lowercase, only letters,
    digits, '_' and '-', runs of spaces and '-' as one '-', no '-' or '_' at either end."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text.lower())
    return re.sub(r"[-\s]+", "-", text).strip("-_")


@dataclass(frozen=True)
class Channel:
    """Where notifications go, filtered by event name: its kind (`webhook`, `apprise`) and that
    kind's settings in `spec`, a dataclass of `notify/channels/<kind>.py` (kept out of repr: it
    carries URLs with tokens and signing secrets).

    `events` are globs over event names (`incident.*`, `monitor.down`); patterns starting with
    `audit.` subscribe to the audit log stream (`audit.*`, `audit.incident.*`). A channel hears the
    events of the monitors and heartbeats that list it (or of all of them with `all_resources`),
    and the escalations of policies that name it. During a storm it gets at most `burst` messages
    at once, then one per `min_interval` (0: no limit); the rest are folded into a digest.
    """

    id: str
    kind: str = ""
    spec: Any = field(default=None, repr=False)
    events: tuple = ("incident.*",)
    all_resources: bool = False
    min_interval: float = 60.0
    burst: int = 3
    timeout: float = 10.0


@dataclass(frozen=True)
class EscalationStep:
    """Notify these channels once an incident has been open and unacknowledged for `wait`."""

    wait: float
    channels: tuple


@dataclass(frozen=True)
class Policy:
    """Escalation steps, walked in order, repeated `repeat` times `repeat_delay` apart; a
    `reminder` every so often while the incident is down and unacknowledged."""

    id: str
    steps: tuple
    repeat: int = 0
    repeat_delay: float = 0.0
    reminder: float | None = None  # re-notify this often while down and unacknowledged


@dataclass(frozen=True)
class MaintenanceWindow:
    """A time when listed monitors (by id or tag) open no incidents."""

    id: str
    monitors: tuple = ()
    tags: tuple = ()
    start: datetime | None = None
    end: datetime | None = None
    schedule: str | None = None
    duration: float | None = None
    timezone: str = "UTC"


@dataclass(frozen=True)
class ApiKey:
    """A bearer token for the HTTP API."""

    name: str
    token: str
    permissions: frozenset = frozenset({"read"})

    def __repr__(self) -> str:  # never show the token
        return f"ApiKey(name={self.name!r}, permissions={sorted(self.permissions)})"


@dataclass(frozen=True)
class Config:
    """A whole, valid configuration."""

    source: str
    settings: Settings = field(default_factory=Settings)
    monitors: tuple = ()
    heartbeats: tuple = ()
    channels: tuple = ()
    policies: tuple = ()
    maintenance: tuple = ()
    api_keys: tuple = ()

    def summary(self) -> dict[str, int]:
        """Counts per kind, for `check-config`."""
        return {
            "monitors": len(self.monitors),
            "heartbeats": len(self.heartbeats),
            "channels": len(self.channels),
            "policies": len(self.policies),
            "maintenance windows": len(self.maintenance),
            "api keys": len(self.api_keys),
        }
