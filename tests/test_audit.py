"""The audit log: filters, cursor pages, CSV export, chain verification and `uptime-tui audit`.

Store tests run on a SQLite file and, when UPTIME_TUI_TEST_PG points at a server, on PostgreSQL.
"""

import csv
import io
import json
import re
import threading
from datetime import datetime, timedelta, timezone

import pytest

from uptime_tui import audit
from uptime_tui.cli import main
from uptime_tui.queries import audit as audit_log
from uptime_tui.store import auditlog, open_database
from uptime_tui.store.models import AuditEntry

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)

ALICE = audit.Actor("user", "U1", "Alice Ng", {"email": "alice@example.com"})
KEY = audit.Actor("api_key", "K1", "CI deploy key")
ALERT = audit.Actor("alert", "A1", "Web down alert")
WEB = audit.Target("monitor", "3", "Web")
DB = audit.Target("monitor", "4", "Database")
INC = audit.Target("incident", "12", "Web down")

# (minutes after T0, actor, action, targets, message)
SAMPLE = [
    (0, audit.SYSTEM, "monitor.created", [WEB], "Monitor Web was created from config.yaml"),
    (1, audit.SYSTEM, "monitor.created", [DB], "Monitor Database was created from config.yaml"),
    (60, ALERT, "incident.created", [INC, WEB], "Incident Web down opened"),
    (65, ALICE, "incident.acknowledged", [INC, WEB], "Alice acknowledged Web down"),
    (90, KEY, "monitor.paused", [DB], "Paused for the deploy"),
    (120, ALICE, "incident.resolved", [INC], "Resolved: a bad DEPLOY, rolled back"),
]


def fill(database, sample=SAMPLE):
    with database.atomic():
        return [auditlog.append(actor, action, targets, message, {"host": "ops-1"}, T0 + timedelta(minutes=m))
                for m, actor, action, targets, message in sample]


def many(database, count):
    sample = [(i, ALICE if i % 2 else KEY, f"monitor.{'paused' if i % 2 else 'resumed'}", [WEB], f"change {i}")
              for i in range(count)]
    return fill(database, sample)


def actions(**criteria):
    return [e["action"] for e in audit_log.page(audit.Filter(**criteria))]


# Filters


def test_query_returns_entries_newest_first_as_dicts(database):
    fill(database)
    entries = audit_log.page()
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)
    newest = entries[0]
    assert newest["created_at"] == "2026-11-23T14:00:00Z"
    assert newest["actor"] == {"type": "user", "id": "U1", "name": "Alice Ng", "metadata": {"email": "alice@example.com"}}
    assert newest["targets"] == [{"type": "incident", "id": "12", "name": "Web down"}]
    assert newest["context"] == {"host": "ops-1"} and newest["version"] == audit.SCHEMA_VERSION


def test_action_filters_take_globs(database):
    fill(database)
    assert actions(action="incident.*") == ["incident.resolved", "incident.acknowledged", "incident.created"]
    assert actions(action="monitor.paused") == ["monitor.paused"]
    assert actions(action="*.created") == ["incident.created", "monitor.created", "monitor.created"]
    assert actions(action="incident.?cknowledged") == ["incident.acknowledged"]
    assert actions(action="Incident.*") == []  # actions are case-sensitive, even where SQL LIKE is not


def test_actor_filters(database):
    fill(database)
    assert actions(actor="alice ng") == ["incident.resolved", "incident.acknowledged"]
    assert actions(actor="U1") == ["incident.resolved", "incident.acknowledged"]
    assert actions(actor="u1") == []  # ids are exact
    assert actions(actor_type="api_key") == ["monitor.paused"]
    assert actions(actor_type="system", action="monitor.*") == ["monitor.created", "monitor.created"]


def test_time_range_is_since_inclusive_until_exclusive(database):
    fill(database)
    assert actions(since=T0 + timedelta(minutes=60), until=T0 + timedelta(minutes=90)) == [
        "incident.acknowledged", "incident.created"]
    assert actions(until=T0 + timedelta(minutes=1)) == ["monitor.created"]
    eastern = timezone(timedelta(hours=-5))
    assert actions(since=datetime(2026, 11, 23, 9, 0, tzinfo=eastern)) == ["incident.resolved"]


def test_text_and_target_filters(database):
    fill(database)
    assert actions(text="deploy") == ["incident.resolved", "monitor.paused"]  # any case
    assert actions(target="12") == ["incident.resolved", "incident.acknowledged", "incident.created"]
    assert actions(target="database") == ["monitor.paused", "monitor.created"]  # a name, any case
    assert actions(target="monitor:3") == ["incident.acknowledged", "incident.created", "monitor.created"]
    assert actions(target="incident:3") == []
    assert actions(target="web down", actor="Alice Ng", text="acknowledged") == ["incident.acknowledged"]


def test_filter_rejects_naive_times():
    with pytest.raises(ValueError):
        audit.Filter(since=datetime(2026, 1, 1))


def test_parse_time_reads_iso_dates_and_durations_ago():
    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    assert audit.parse_time("24h", now) == now - timedelta(hours=24)
    assert audit.parse_time("7d", now) == now - timedelta(days=7)
    assert audit.parse_time("2026-11-20", now) == datetime(2026, 11, 20, tzinfo=timezone.utc)
    assert audit.parse_time("2026-11-20T08:00:00Z", now) == datetime(2026, 11, 20, 8, tzinfo=timezone.utc)
    assert audit.parse_time("2026-11-20T08:00:00+02:00", now) == datetime(2026, 11, 20, 6, tzinfo=timezone.utc)
    assert audit.parse_time("1h30m", now) == audit.parse_time("90m", now) == now - timedelta(minutes=90)
    assert audit.parse_time("30s", now) == now - timedelta(seconds=30)
    assert audit.parse_time("2026-11-20t08:00:00z", now) == datetime(2026, 11, 20, 8, tzinfo=timezone.utc)
    for bad in ("yesterday", "7y", "2026-13-01", "", "-5m", "90", "1e400h"):
        with pytest.raises(ValueError, match="must be an ISO 8601 date or time"):
            audit.parse_time(bad, now)


def test_parse_time_clamps_to_the_calendar_rather_than_refusing():
    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    assert audit.parse_time("99999999999d", now) == audit.EARLIEST  # "since forever"
    assert audit.parse_time("0001-01-01T00:00:00+01:00", now) == audit.EARLIEST
    assert audit.parse_time("9999-12-31T23:59:59-01:00", now) == audit.LATEST


# Cursor pages


def test_cursor_pages_walk_every_entry_once(database):
    written = many(database, 25)
    pages, before = [], None
    while True:
        page = audit_log.page(limit=10, before_id=before)
        pages.append([e["id"] for e in page])
        before = page.next_before_id
        if before is None:
            break
    assert [len(p) for p in pages] == [10, 10, 5]
    assert sum(pages, []) == [e.id for e in reversed(written)]


def test_cursor_pages_with_a_filter_python_applies(database):
    written = many(database, 40)
    criteria = audit.Filter(actor="Alice Ng", text="change")  # decided in Python, not SQL
    first = audit_log.page(criteria, limit=15)
    second = audit_log.page(criteria, limit=15, before_id=first.next_before_id)
    assert len(first) == 15 and len(second) == 5 and second.next_before_id is None
    expected = [e.id for e in reversed(written) if e.actor_id == "U1"]
    assert [e["id"] for e in [*first, *second]] == expected


def test_an_exact_last_page_has_no_next_cursor(database):
    many(database, 20)
    first = audit_log.page(limit=10)
    last = audit_log.page(limit=10, before_id=first.next_before_id)
    assert len(last) == 10 and last.next_before_id is None


def test_after_id_pages_towards_newer_entries(database):
    written = [e.id for e in many(database, 12)]
    page = audit_log.page(limit=5, after_id=written[2])
    assert [e["id"] for e in page] == written[3:8][::-1]  # the 5 just above the cursor, newest first
    assert page.next_after_id == written[7]
    rest = audit_log.page(limit=5, after_id=page.next_after_id)
    assert [e["id"] for e in rest] == written[8:][::-1] and rest.next_after_id is None


def test_iteration_across_batches_keeps_order_and_filters(database):
    written = many(database, 11)
    oldest_first = list(audit_log.iter_entries(audit.Filter(action="monitor.paused"), oldest_first=True, batch_size=3))
    assert [e["id"] for e in oldest_first] == [e.id for e in written if e.action == "monitor.paused"]
    assert len(list(audit_log.iter_entries(batch_size=2))) == 11


def test_bad_limit_is_refused(database):
    with pytest.raises(ValueError):
        audit_log.page(limit=0)


# CSV

HOSTILE = ["=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1)", "\t=1", "\r=1"]


def test_neutralise_prefixes_formula_starts_only():
    for cell in HOSTILE:
        assert audit.neutralise(cell) == "'" + cell
    for cell in ("Web down", "1+1", "a=b", "", "'quoted"):
        assert audit.neutralise(cell) == cell


def test_csv_rows_render_targets_and_context_readably():
    entry = {"id": 7, "version": 1, "created_at": "2026-11-23T12:00:00Z",
             "actor": {"type": "user", "id": "U1", "name": "Alice", "metadata": {}},
             "action": "incident.acknowledged",
             "targets": [{"type": "incident", "id": "12", "name": "Web down"}, {"type": "monitor", "id": "3", "name": "Web"}],
             "context": {"host": "ops-1", "ssh_client": "10.0.0.5"}, "message": "ack",
             "previous_hash": "a" * 64, "hash": "b" * 64}
    header, row = list(audit.csv_rows([entry]))
    assert header == list(audit.CSV_COLUMNS)
    cells = dict(zip(header, row))
    assert cells["targets"] == "incident:12 (Web down); monitor:3 (Web)"
    assert cells["context"] == '{"host":"ops-1","ssh_client":"10.0.0.5"}'
    assert cells["id"] == "7" and cells["hash"] == "b" * 64


def test_csv_export_of_hostile_values_cannot_run_in_a_spreadsheet(database, cli, tmp_path, capsys):
    messages = [*HOSTILE, 'He said "stop", then, left\nfor the day']
    evil = audit.Actor("user", "@evil", "=HYPERLINK(\"http://x\")")
    fill(database, [(i, evil, "incident.acknowledged", [audit.Target("incident", "1", "-1 day")], message)
                    for i, message in enumerate(messages)])
    out = tmp_path / "audit.csv"
    code, _, err = cli(capsys, "export", "--output", str(out))
    assert code == 0 and f"wrote {len(messages)} audit entries to {out}" in err
    raw = out.read_bytes()
    assert raw.startswith(b"id,created_at,version,") and raw.count(b"\r\n") >= len(messages) + 1
    assert b"\n" not in raw.replace(b"\r\n", b"").replace(b"left\nfor", b"")  # CRLF ends every record
    with open(out, newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    assert header == list(audit.CSV_COLUMNS) and len(rows) == len(messages)
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
        cells = dict(zip(header, row))
        assert cells["actor_id"] == "'@evil" and cells["actor_name"] == "'=HYPERLINK(\"http://x\")"
        assert cells["targets"] == "incident:1 (-1 day)"
    assert [dict(zip(header, r))["message"] for r in rows] == [
        *("'" + m for m in HOSTILE), 'He said "stop", then, left\nfor the day']


def test_csv_chunks_match_write_csv():
    entries = [{"id": 1, "version": 1, "created_at": "2026-11-23T12:00:00Z",
                "actor": {"type": "system", "id": "s", "name": "s", "metadata": {}}, "action": "a.b",
                "targets": [], "context": {}, "message": "x, \"y\"", "previous_hash": "0", "hash": "1"}]
    stream = io.StringIO(newline="")
    assert audit.write_csv(entries, stream) == 1
    assert "".join(audit.csv_chunks(entries)) == stream.getvalue()
    assert stream.getvalue().endswith('"x, ""y""",0,1\r\n')


# Verification


def test_verify_an_intact_chain(database):
    fill(database)
    result = auditlog.verify(batch_size=4)  # across batch boundaries
    assert result.intact and result.count == len(SAMPLE)
    assert str(result) == f"audit log intact: {len(SAMPLE)} entries"


def test_recorded_fields_are_what_append_hashed():
    fields = audit.entry_fields(T0, ALICE, "incident.acknowledged", [INC, WEB], {"host": "h"}, "ack")
    rebuilt = audit.recorded_fields(audit.SCHEMA_VERSION, T0, dict(vars(ALICE)), "incident.acknowledged",
                                    [dict(vars(INC)), dict(vars(WEB))], {"host": "h"}, "ack")
    assert rebuilt == fields


def test_verify_an_empty_log(database):
    assert auditlog.verify().intact and auditlog.verify().count == 0


def test_verify_finds_an_edited_message(database):
    written = fill(database)
    AuditEntry.update(message="Nothing to see here").where(AuditEntry.id == written[3].id).execute()
    result = auditlog.verify(batch_size=2)
    assert (result.entry_id, result.problem, result.count) == (written[3].id, "edited", 3)
    assert f"broken at entry {written[3].id}: edited" in str(result)


def test_verify_finds_a_deletion_in_the_middle(database):
    written = fill(database)
    AuditEntry.delete().where(AuditEntry.id == written[2].id).execute()
    result = auditlog.verify()
    assert (result.entry_id, result.problem) == (written[3].id, "deleted")


def test_verify_finds_an_insertion(database):
    written = fill(database)
    AuditEntry.update(id=AuditEntry.id * 10).execute()  # make room between ids; ids are not hashed
    before = AuditEntry.get_by_id(written[1].id * 10)
    forged_at = T0 + timedelta(minutes=30)
    fields = audit.entry_fields(forged_at, ALICE, "monitor.resumed", [WEB], {}, "Resumed (forged)")
    AuditEntry.create(id=before.id + 5, version=1, created_at=forged_at, actor_type="user", actor_id="U1",
                      actor_name="Alice Ng", actor_metadata=ALICE.metadata, action="monitor.resumed",
                      targets=fields["targets"], context={}, message="Resumed (forged)",
                      previous_hash=before.hash, hash=audit.entry_hash(before.hash, fields))
    result = auditlog.verify()
    assert (result.entry_id, result.problem) == (before.id + 5, "inserted")


def test_verify_finds_an_entry_slipped_in_before_the_first(database):
    fill(database)
    fields = audit.entry_fields(T0, ALICE, "monitor.created", [WEB], {}, "forged")
    AuditEntry.create(id=0, version=1, created_at=T0, actor_type="user", actor_id="U1", actor_name="Alice Ng",
                      actor_metadata=ALICE.metadata, action="monitor.created", targets=fields["targets"],
                      context={}, message="forged", previous_hash=audit.GENESIS_HASH,
                      hash=audit.entry_hash(audit.GENESIS_HASH, fields))
    result = auditlog.verify()
    assert (result.entry_id, result.problem) == (0, "inserted")


def prune_through(database, entry, anchor=True):
    """Retention's way: the audit.pruned anchor, then the prefix deleted."""
    with database.atomic():
        if anchor:
            auditlog.append(audit.SYSTEM, "audit.pruned", [], f"Pruned through #{entry.id}",
                            {"pruned_through_id": entry.id, "pruned_through_hash": entry.hash}, T0 + timedelta(days=1))
        AuditEntry.delete().where(AuditEntry.id <= entry.id).execute()


def test_verify_accepts_a_pruned_start_with_its_anchor(database):
    written = fill(database)
    prune_through(database, written[2])
    result = auditlog.verify()
    assert result.intact and result.count == len(SAMPLE) - 3 + 1
    prune_through(database, written[3])  # a second prune, its anchor too
    assert auditlog.verify().intact


def test_verify_rejects_a_pruned_start_without_an_anchor(database):
    written = fill(database)
    prune_through(database, written[2], anchor=False)
    result = auditlog.verify()
    assert (result.entry_id, result.problem, result.count) == (written[3].id, "deleted", 0)


def test_verify_rejects_a_deletion_past_the_anchor(database):
    written = fill(database)
    prune_through(database, written[1])
    AuditEntry.delete().where(AuditEntry.id == written[2].id).execute()
    assert (auditlog.verify().entry_id, auditlog.verify().problem) == (written[3].id, "deleted")


def test_a_later_schema_version_still_verifies_older_entries(database, monkeypatch):
    fill(database)
    monkeypatch.setattr(audit, "SCHEMA_VERSION", audit.SCHEMA_VERSION + 1)
    with database.atomic():
        auditlog.append(ALICE, "monitor.resumed", [WEB], "v2 entry", {}, T0 + timedelta(hours=3))
    assert auditlog.verify().intact


# Append


def test_after_append_subscribers_see_the_row_inside_the_transaction(database):
    seen = []
    subscriber = lambda entry: seen.append((entry.id, entry.action, database.in_transaction()))  # noqa: E731
    auditlog.AFTER_APPEND.append(subscriber)
    try:
        written = fill(database, SAMPLE[:2])
        with pytest.raises(RuntimeError):
            with database.atomic():
                auditlog.append(ALICE, "monitor.paused", [WEB], "rolled back", {}, T0)
                raise RuntimeError
    finally:
        auditlog.AFTER_APPEND.remove(subscriber)
    assert seen[:2] == [(written[0].id, "monitor.created", True), (written[1].id, "monitor.created", True)]
    assert len(seen) == 3 and AuditEntry.select().count() == 2  # the subscriber's work rolls back with it


def test_concurrent_appends_never_fork_the_chain(database_url):
    if "://" not in database_url:
        pytest.skip("PostgreSQL only: SQLite admits one writer at a time")
    database = open_database(database_url)
    errors = []

    def writer(name):
        try:
            for i in range(40):
                with database.atomic():
                    auditlog.append(audit.Actor("user", name, name), "monitor.paused", [WEB], f"{name} {i}", {}, T0)
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=writer, args=(f"w{n}",)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    result = auditlog.verify()
    assert result.intact and result.count == 120
    database.close()


# The command line


def write_config(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("monitors: []\n")
    return str(path)


@pytest.fixture
def cli(database, database_url, tmp_path, monkeypatch):
    """Run `uptime-tui audit ...` against the test database; (exit code, stdout, stderr)."""
    for name in ("UPTIME_TUI_DB", "UPTIME_TUI_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    config = write_config(tmp_path)

    def run(capsys, *args):
        code = main(["audit", *args, "--config", config, "--db", database_url])
        out, err = capsys.readouterr()
        return code, out, err
    return run


def test_cli_list_prints_an_aligned_table(database, cli, capsys):
    fill(database)
    code, out, err = cli(capsys, "list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["TIME", "(UTC)", "ACTOR", "ACTION", "TARGETS", "MESSAGE"]
    assert lines[1].startswith("2026-11-23 14:00  Alice Ng") and "incident.resolved" in lines[1]
    assert len({line.index("incident.") for line in lines if "incident." in line}) == 1  # aligned
    assert "Web down, Web" in out and len(lines) == len(SAMPLE) + 1  # piped: messages whole, unwrapped
    assert "Resolved: a bad DEPLOY, rolled back" in lines[1]


def test_cli_list_filters_and_limits(database, cli, capsys):
    fill(database)
    code, out, _ = cli(capsys, "list", "--action", "incident.*", "--actor", "alice ng")
    assert code == 0 and re.findall(r"incident\.\w+", out) == ["incident.resolved", "incident.acknowledged"]
    code, out, _ = cli(capsys, "list", "--since", "2026-11-23T13:00:00Z", "--until", "2026-11-23T13:30", "--target", "web")
    assert code == 0 and "incident.created" in out and "incident.acknowledged" in out and "monitor." not in out
    code, out, _ = cli(capsys, "list", "--actor-type", "system", "--limit", "1")
    assert code == 0 and out.count("monitor.created") == 1 and "showing the newest 1" in out
    code, out, _ = cli(capsys, "list", "--text", "nothing like this", "--since", "7d")
    assert code == 0 and out.strip() == "no matching audit entries"


def test_cli_table_fits_100_columns_and_shows_no_escape_sequences():
    entry = {"id": 1, "version": 1, "created_at": "2026-11-23T12:00:00Z",
             "actor": {"type": "api_key", "id": "K", "name": "A very long API key name indeed", "metadata": {}},
             "action": "incident.acknowledged", "targets": [{"type": "incident", "id": "12", "name": "Web down"}] * 3,
             "context": {}, "message": "\x1b[2J\x1b]0;pwned\x07 cleared\nyour screen " + "x" * 200}
    from uptime_tui.cli.audit import render_table

    lines = render_table([entry], width=100)
    assert all(len(line) <= 100 for line in lines) and len(lines) == 1 + 3  # the message wraps, then stops
    assert lines[-1].endswith(" …") and lines[1].startswith("2026-11-23 12:00  A very long API…")
    assert not any("\x1b" in line or "\x07" in line for line in lines) and "\\x1b[2J" in lines[1]


def test_cli_export_json_oldest_first(database, cli, capsys):
    fill(database)
    code, out, _ = cli(capsys, "export", "--format", "json", "--action", "monitor.*")
    assert code == 0
    entries = json.loads(out)
    assert [e["action"] for e in entries] == ["monitor.created", "monitor.created", "monitor.paused"]
    assert entries[0]["created_at"] == "2026-11-23T12:00:00Z" and entries[0]["hash"]
    code, out, _ = cli(capsys, "export", "--format", "json", "--text", "no such thing")
    assert code == 0 and json.loads(out) == []


def test_cli_export_csv_to_stdout_oldest_first(database, cli, capsys):
    fill(database)
    code, out, _ = cli(capsys, "export")
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert code == 0 and rows[0] == list(audit.CSV_COLUMNS) and len(rows) == len(SAMPLE) + 1
    assert [r[6] for r in rows[1:3]] == ["monitor.created", "monitor.created"] and out.endswith("\r\n")


def test_cli_verify(database, cli, capsys):
    written = fill(database)
    code, out, _ = cli(capsys, "verify")
    assert (code, out) == (0, f"audit log intact: {len(SAMPLE)} entries\n")
    AuditEntry.update(message="Resolved by itself").where(AuditEntry.id == written[5].id).execute()
    code, out, _ = cli(capsys, "verify")
    assert code == 1 and f"entry {written[5].id}: edited" in out


@pytest.mark.parametrize("args, complaint", [
    (["list", "--since", "yesterday"], f"--since must be {audit.WHEN}"),
    (["list", "--until", "2026-02-30"], f"--until must be {audit.WHEN}"),
    (["list", "--since", ""], f"--since must be {audit.WHEN}"),
    (["list", "--actor-type", "users"], "--actor-type must be one of user, api_key, system, workflow, alert"),
    (["list", "--limit", "ten"], "--limit: not a whole number"),
    (["list", "--limit", "0"], "--limit: must be at least 1"),
    (["export", "--format", "xml"], "unknown format 'xml'"),
])
def test_cli_bad_input_is_one_line_and_exit_2(database, cli, capsys, args, complaint):
    code, out, err = cli(capsys, *args)
    assert code == 2 and out == "" and complaint in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_export_to_an_unwritable_path(database, cli, capsys, tmp_path):
    code, _, err = cli(capsys, "export", "--output", str(tmp_path / "missing" / "audit.csv"))
    assert code == 1 and "cannot write" in err and len(err.strip().splitlines()) == 1
