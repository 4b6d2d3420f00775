"""Audit entries (incident.io's audit log): who did what to which target, from where, in a versioned schema.

Pure: entries are built and hashed here; the store appends them. Each entry's hash covers its
own fields and the previous entry's hash, so an entry edited, inserted or deleted behind the
program's back breaks the chain from that point on (store/auditlog.verify finds where).

Also pure: the Filter a person or the API narrows the log with, the one grammar and validation
that reads it (the console, the CLI and the API give the same refusals), and the CSV export. CSV cells are
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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TextIO

from uptime_tui.config.values import duration

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


WHEN = "an ISO 8601 date or time (UTC without an offset) or a duration ago such as 24h, 7d or 1h30m"
EARLIEST = datetime.min.replace(tzinfo=timezone.utc)
LATEST = datetime.max.replace(tzinfo=timezone.utc)


def parse_time(text: str, now: datetime) -> datetime:
    """An ISO 8601 date or time (UTC when it has no offset, T and Z in any case), or a duration ago
    in the config's grammar (24h, 1h30m, 7d). ValueError's message reads after the field's name.

    A duration ago or an offset past the calendar's ends is clamped to them rather than refused: a
    script asking for "everything since 99999w" means everything.
    """
    text = text.strip()
    try:
        seconds = duration(text)
    except ValueError:
        pass
    else:
        try:
            return now - timedelta(seconds=seconds)
        except OverflowError:
            return EARLIEST
    try:
        moment = datetime.fromisoformat(text.upper())  # Python 3.11 reads only a capital T and Z
    except ValueError:
        raise ValueError(f"must be {WHEN}") from None
    return as_utc(moment)


def as_utc(moment: datetime) -> datetime:
    """An aware datetime in UTC (naive means UTC), clamped to the calendar's ends."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:  # year 1 or 9999 pushed past the calendar by its offset
        return EARLIEST if moment.year == 1 else LATEST


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
    def empty_range(self) -> bool:
        """since is not earlier than until: nothing can match."""
        return self.since is not None and self.until is not None and self.since >= self.until

    @property
    def action_prefix(self) -> str | None:
        """The literal start of the action glob, which a database can match with LIKE 'prefix%'."""
        if not self.action:
            return None
        prefix = re.split(r"[*?\[]", self.action, maxsplit=1)[0]
        return prefix or None

    def matches(self, entry: dict) -> bool:
        """Whether an entry (as queries.audit returns it) passes every criterion."""
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


# --- reading a filter: the one grammar of the console, the CLI and the API -----------------------

FILTER_KEYS = ("target", "action", "actor", "actor_type", "since", "until", "text")
_SEARCHES = ("target", "action", "actor", "text")  # empty means no criterion
MAX_FILTER_TEXT = 2000  # characters of one value, as the API's other text fields


class FilterError(ValueError):
    """A filter value that cannot be used: its key and a reason that reads after the key's name.

    Each face names the key its own way (`since` in the console and the API, `--since` on the
    command line) and says the same reason after it.
    """

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key} {reason}")
        self.key, self.reason = key, reason


def parse_filter(values: Mapping[str, str | None], now: datetime) -> Filter:
    """Raw filter values (None: not given) as a Filter; FilterError for the first bad one.

    An empty target, action, actor or text means no criterion; an empty actor_type, since or until
    is refused. `since` not earlier than `until` is an empty range, not an error, in every face: a
    script that computes both needs no special case (the CLI says why nothing matched).
    """
    fields: dict = {}
    for key in FILTER_KEYS:
        raw = values.get(key)
        if raw is None:
            continue
        _check_text(key, raw)
        if key in _SEARCHES:
            fields[key] = raw or None
        elif key == "actor_type":
            if raw not in ACTOR_TYPES:
                raise FilterError(key, f"must be one of {', '.join(ACTOR_TYPES)}")
            fields[key] = raw
        else:
            try:
                fields[key] = parse_time(raw, now)
            except ValueError as exc:
                raise FilterError(key, str(exc)) from None
    return Filter(**fields)


def parse_filter_words(text: str, now: datetime) -> Filter:
    """One line as a person types it: `action=incident.* type=user since=1h30m words`.

    The keys are FILTER_KEYS (`actor-type` or `type` for actor_type); words that are not key=value
    search the message, after any text= given.
    """
    values: dict[str, str] = {}
    words = []
    for token in text.split():
        key, sep, value = token.partition("=")
        key = key.replace("-", "_")
        key = "actor_type" if key == "type" else key
        if sep and key in FILTER_KEYS:
            values[key] = value
        else:
            words.append(token)
    if words:
        values["text"] = " ".join(([values["text"]] if values.get("text") else []) + words)
    return parse_filter(values, now)


def _check_text(key: str, raw: str) -> None:
    # What a database can store and compare: PostgreSQL refuses NUL and lone surrogates.
    if "\x00" in raw:
        raise FilterError(key, "must not contain NUL characters")
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise FilterError(key, "must be valid Unicode text") from None
    if len(raw) > MAX_FILTER_TEXT:
        raise FilterError(key, f"must be at most {MAX_FILTER_TEXT} characters")


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
