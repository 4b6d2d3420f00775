"""`uptime-tui audit list | export | verify`: read the audit log from the command line.

Every argument is taken as text and checked here rather than by argparse, so that bad input ends
with one line saying what is wrong (exit 2) instead of a usage block. Times are shown and, without
an offset, read in UTC: the log is shared by people in several time zones.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
import unicodedata
from datetime import datetime, timezone
from typing import Callable

from uptime_tui import audit

from uptime_tui.cli.exits import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
FORMATS = ("csv", "json")
DEFAULT_LIMIT = 50


class BadInput(ValueError):
    """An argument that cannot be used, with the message to show."""


def add_parser(commands, common_options: Callable[[argparse.ArgumentParser, bool], None]) -> None:
    """Register `audit` and its subcommands on the top-level subparsers."""
    parser = commands.add_parser(
        "audit", help="list, export or verify the audit log",
        description="Who did what to which monitor, heartbeat or incident, from where.")
    common_options(parser, False)
    actions = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="show matching entries, newest first",
                                 description="Show matching entries, newest first, as a table.")
    _filter_options(listing)
    listing.add_argument("--limit", default=str(DEFAULT_LIMIT), metavar="N",
                         help=f"show at most N entries (default {DEFAULT_LIMIT})")
    common_options(listing, False)

    export = actions.add_parser("export", help="write matching entries as CSV or JSON, oldest first",
                                description="Write matching entries, oldest first, as CSV (RFC 4180, "
                                "cells neutralised for spreadsheets) or as a JSON array.")
    _filter_options(export)
    export.add_argument("--format", default="csv", metavar="csv|json", help="csv (default) or json")
    export.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    common_options(export, False)

    check = actions.add_parser("verify", help="check that no entry was edited, inserted or deleted",
                               description="Walk the hash chain: exit 0 when intact, 1 naming the "
                               "first entry edited, inserted or deleted.")
    common_options(check, False)


def _filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", metavar="T", help="a target's id, name or type:id (e.g. monitor:3)")
    parser.add_argument("--action", metavar="GLOB", help="an action or a glob such as 'incident.*'")
    parser.add_argument("--actor", metavar="WHO", help="the actor's id or name")
    parser.add_argument("--actor-type", metavar="TYPE", help="user, api_key, system, workflow or alert")
    parser.add_argument("--since", metavar="WHEN",
                        help="from this time: ISO 8601 (UTC unless it has an offset) or a duration ago: 24h, 1h30m, 7d")
    parser.add_argument("--until", metavar="WHEN", help="before this time, written as for --since")
    parser.add_argument("--text", metavar="TEXT", help="a substring of the message, in any case")


def run(args, open_store, now: datetime | None = None) -> int:
    """Run `audit <action>` with the parsed arguments; the exit code."""
    try:
        command = _prepare(args, now or datetime.now(timezone.utc))
    except BadInput as exc:
        print(f"uptime-tui audit {args.audit_command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    opened = open_store(args)
    if isinstance(opened, int):
        return opened
    _, database = opened
    from uptime_tui.queries.errors import ReadFailed

    try:
        return command()
    except ReadFailed as exc:
        print(f"uptime-tui audit {args.audit_command}: database error: {exc}".splitlines()[0], file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:  # e.g. piped into head: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    finally:
        database.close()


def _prepare(args, now: datetime) -> Callable[[], int]:
    """Check the arguments; the command to run once the store is open."""
    if args.audit_command == "verify":
        return _verify
    criteria = parse_filter(args, now)
    if args.audit_command == "list":
        limit = _positive_int(args.limit, "--limit")
        return lambda: _list(criteria, limit)
    if args.format not in FORMATS:
        raise BadInput(f"unknown format {args.format!r} (use csv or json)")
    return lambda: _export(criteria, args.format, args.output)


def parse_filter(args, now: datetime) -> audit.Filter:
    """The filter options as an audit.Filter, read as the console and the API read theirs;
    BadInput names the option at fault (--actor-type for actor_type)."""
    try:
        return audit.parse_filter({key: getattr(args, key) for key in audit.FILTER_KEYS}, now)
    except audit.FilterError as exc:
        raise BadInput(f"--{exc.key.replace('_', '-')} {exc.reason}") from None


def _positive_int(text: str, option: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise BadInput(f"{option}: not a whole number: {text!r}") from None
    if value < 1:
        raise BadInput(f"{option}: must be at least 1")
    return value


def _list(criteria: audit.Filter, limit: int) -> int:
    from uptime_tui.queries import audit as audit_log

    page = audit_log.page(criteria, limit=limit)
    if not page:
        # An empty range is not refused (scripts compute both ends); a person learns why it is empty.
        print("no matching audit entries" + (" (--since is not earlier than --until)" if criteria.empty_range else ""))
        return EXIT_OK
    width = os.get_terminal_size(sys.stdout.fileno()).columns if sys.stdout.isatty() else None
    for line in render_table(page, width):
        print(line)
    if page.next_before_id is not None:
        print(f"(showing the newest {len(page)}; use --limit or --until to see older entries)")
    return EXIT_OK


# Caps that leave the message about 30 columns in a 100-column terminal; the message wraps.
COLUMNS = (("TIME (UTC)", 16), ("ACTOR", 16), ("ACTION", 21), ("TARGETS", 16), ("MESSAGE", None))
MESSAGE_LINES = 3


def render_table(entries: list[dict], width: int | None = 100) -> list[str]:
    """Entries as aligned lines: each column as wide as its widest cell up to a cap; the message
    wraps in what is left of `width` (one line, unwrapped, when width is None: piped to a file)."""
    rows = [[_time(e["created_at"]), e["actor"]["name"] or e["actor"]["id"], e["action"],
             _target_names(e["targets"]), e["message"]] for e in entries]
    rows = [[title for title, _ in COLUMNS], *([_printable(cell) for cell in row] for row in rows)]
    widths = [min(cap, max(len(row[i]) for row in rows)) for i, (_, cap) in enumerate(COLUMNS[:-1])]
    message_width = max(width - sum(widths) - 2 * len(widths), 20) if width else None
    indent = " " * (sum(widths) + 2 * len(widths))
    lines = []
    for row in rows:
        cells = "  ".join(_fit(cell, w).ljust(w) for cell, w in zip(row, widths))
        message = _wrap(row[-1], message_width) if message_width else [row[-1]]
        lines.append(f"{cells}  {message[0]}".rstrip())
        lines.extend(indent + more for more in message[1:])
    return lines


def _target_names(targets: list[dict]) -> str:
    # The action already says what kind of thing was acted on; names are what people recognise.
    return ", ".join(str(t.get("name") or f"{t.get('type')}:{t.get('id')}") for t in targets)


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, max_lines=MESSAGE_LINES, placeholder=" …") or [""]


def _time(created_at: str) -> str:
    return datetime.fromisoformat(created_at).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _printable(text: str) -> str:
    # Entries can hold anything an API client sent: never let an escape sequence reach the terminal.
    text = " ".join(text.split())
    # Format characters too: a right-to-left override would make the line read differently.
    return "".join(ch if unicodedata.category(ch) not in ("Cc", "Cf") else
                   f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}" for ch in text)


def _export(criteria: audit.Filter, form: str, output: str | None) -> int:
    from uptime_tui.queries import audit as audit_log

    entries = audit_log.iter_entries(criteria, oldest_first=True)
    try:
        stream = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
    except OSError as exc:
        print(f"uptime-tui audit export: cannot write {output}: {exc.strerror}", file=sys.stderr)
        return EXIT_FAILURE
    try:
        count = audit.write_csv(entries, stream) if form == "csv" else _write_json(entries, stream)
    finally:
        if output:
            stream.close()
    if output:
        print(f"wrote {count} audit entr{'y' if count == 1 else 'ies'} to {output}", file=sys.stderr)
    return EXIT_OK


def _write_json(entries, stream) -> int:
    # A JSON array written entry by entry, so the whole log never has to be in memory.
    count = 0
    stream.write("[")
    for count, entry in enumerate(entries, 1):
        stream.write(("," if count > 1 else "") + "\n  " + json.dumps(entry, ensure_ascii=False, sort_keys=True))
    stream.write("\n]\n" if count else "]\n")
    return count


def _verify() -> int:
    from uptime_tui.queries import audit as audit_log

    result = audit_log.verify()
    print(result)
    return EXIT_OK if result.intact else EXIT_FAILURE
