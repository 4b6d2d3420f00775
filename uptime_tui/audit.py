"""Audit entries (incident.io's audit log): who did what to which target, from where, in a versioned schema.

Pure: entries are built and hashed here; the store appends them. Each entry's hash covers its
own fields and the previous entry's hash, so an entry edited, inserted or deleted behind the
program's back breaks the chain from that point on (store/auditlog.verify finds where).

Also pure: the Filter a person or the API narrows the log with, and the CSV export. CSV cells are
neutralised so that a hostile message (`=HYPERLINK(...)`) is shown by a spreadsheet, never run.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import io
import json
import os
import re
import socket
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TextIO

SCHEMA_VERSION = 1
GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who acted: type user, api_key, system, workflow or alert."""

    type: str
    id: str
    name: str
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    """What was acted on."""

    type: str
    id: str
    name: str


SYSTEM = Actor("system", "uptime-tui", "uptime-tui (engine)")
ACTOR_TYPES = ("user", "api_key", "system", "workflow", "alert")


def local_context(user_agent: str | None = None) -> dict:
    """Where this process acts from: host name, SSH client address, terminal or user agent."""
    context = {"host": socket.gethostname()}
    ssh = os.environ.get("SSH_CONNECTION", "").split()
    if ssh:
        context["ssh_client"] = ssh[0]
    if user_agent:
        context["user_agent"] = user_agent
    elif os.environ.get("TERM"):
        context["terminal"] = os.environ["TERM"]
    return context


def entry_fields(created_at: datetime, actor: Actor, action: str, targets: list[Target],
                 context: dict, message: str) -> dict:
    """The hashed fields of an entry, as stored."""
    return {
        "version": SCHEMA_VERSION, "created_at": created_at.isoformat(),
        "actor": asdict(actor), "action": action, "targets": [asdict(t) for t in targets],
        "context": context, "message": message,
    }


def entry_hash(previous_hash: str, fields: dict) -> str:
    """SHA-256 over the previous hash and the entry's canonical JSON."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()


def recorded_fields(version: int, created_at: datetime, actor: dict, action: str, targets: list[dict],
                    context: dict, message: str) -> dict:
    """The hashed fields of a stored entry, rebuilt from its columns to verify its hash."""
    # The shape of entry_fields, built directly: the stored actor and targets are already plain
    # dicts (asdict would copy them again, a third of a verify's time), and the version is the one
    # the entry was written with, not the current one. Any drift from entry_fields fails the tests.
    return {"version": version, "created_at": created_at.isoformat(), "actor": actor, "action": action,
            "targets": targets, "context": context, "message": message}


def iso_z(moment: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC with a Z suffix."""
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_time(text: str, now: datetime) -> datetime:
    """An ISO 8601 date or time (UTC when it has no offset), or a duration ago such as 24h or 7d."""
    text = text.strip()
    relative = _DURATION.fullmatch(text)
    if relative:
        try:
            return now - timedelta(seconds=int(relative[1]) * _UNIT_SECONDS[relative[2]])
        except OverflowError:
            raise ValueError(f"too long ago: {text!r}") from None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a date, time or duration: {text!r} "
                         "(use e.g. 2026-11-23, 2026-11-23T08:00:00Z, 24h or 7d)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Filter:
    """Which entries to show: every criterion given must match (since inclusive, until exclusive)."""

    target: str | None = None      # a target's id, its name (any case), or type:id
    action: str | None = None      # a glob such as incident.* (case-sensitive, as actions are)
    actor: str | None = None       # the actor's id or name (any case)
    actor_type: str | None = None  # user, api_key, system, workflow or alert
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None        # a substring of the message, any case

    def __post_init__(self):
        for name in ("since", "until"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                raise ValueError(f"Filter.{name} must be an aware datetime")

    @property
    def action_prefix(self) -> str | None:
        """The literal start of the action glob, which a database can match with LIKE 'prefix%'."""
        if not self.action:
            return None
        prefix = re.split(r"[*?\[]", self.action, maxsplit=1)[0]
        return prefix or None

    def matches(self, entry: dict) -> bool:
        """Whether an entry (as returned by store.auditlog.query) passes every criterion."""
        if self.actor_type and entry["actor"]["type"] != self.actor_type:
            return False
        if self.action and not fnmatch.fnmatchcase(entry["action"], self.action):
            return False
        if self.actor and not _names(self.actor, entry["actor"]["id"], entry["actor"]["name"]):
            return False
        if self.text and self.text.casefold() not in entry["message"].casefold():
            return False
        if self.target and not any(
                _names(self.target, t.get("id"), t.get("name"), f"{t.get('type')}:{t.get('id')}")
                for t in entry["targets"]):
            return False
        if self.since or self.until:
            created = entry["created_at"]
            if isinstance(created, str):
                created = datetime.fromisoformat(created)
            if self.since and created < self.since:
                return False
            if self.until and created >= self.until:
                return False
        return True


def _names(wanted: str, id_: object, name: object, *more: str) -> bool:
    # Ids are matched exactly; names as a person types them, in any case.
    return wanted == str(id_) or wanted in more or wanted.casefold() == str(name).casefold()


CSV_COLUMNS = ("id", "created_at", "version", "actor_type", "actor_id", "actor_name", "action",
               "targets", "context", "message", "previous_hash", "hash")

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """The cell with a leading ' when a spreadsheet would otherwise run it as a formula."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def describe_targets(targets: list[dict]) -> str:
    """Targets as people read them: incident:12 (Web down); monitor:3 (Web)."""
    return "; ".join(f"{t.get('type')}:{t.get('id')}" + (f" ({t['name']})" if t.get("name") else "")
                     for t in targets)


def csv_row(entry: dict) -> list[str]:
    """One entry as a CSV row in CSV_COLUMNS order, every cell neutralised."""
    actor = entry["actor"]
    created = entry["created_at"]
    cells = (
        entry["id"], created if isinstance(created, str) else iso_z(created), entry["version"],
        actor["type"], actor["id"], actor["name"], entry["action"], describe_targets(entry["targets"]),
        json.dumps(entry["context"], sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str),
        entry["message"], entry.get("previous_hash", ""), entry.get("hash", ""),
    )
    return [neutralise(str(cell)) for cell in cells]


def csv_rows(entries: Iterable[dict]) -> Iterator[list[str]]:
    """The header row, then one row per entry."""
    yield list(CSV_COLUMNS)
    for entry in entries:
        yield csv_row(entry)


def csv_chunks(entries: Iterable[dict]) -> Iterator[str]:
    """RFC 4180 CSV text (header, CRLF line endings, quoting where needed), one line at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in csv_rows(entries):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def write_csv(entries: Iterable[dict], stream: TextIO) -> int:
    """Write entries as RFC 4180 CSV to a text stream opened with newline=''; the entry count."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for count, entry in enumerate(entries, 1):
        writer.writerow(csv_row(entry))
    return count
