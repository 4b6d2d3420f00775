"""`uptime-tui import`: Gatus, Uptime Kuma and Healthchecks files become YAML that our validator
and our JSON Schema take, with secrets as ${VAR} and a comment on what was not carried over; a file
of the wrong kind is refused with its name, and nothing is written."""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path

import jsonschema
import pytest
import yaml

from support import kuma_db
from uptime_tui.checks.registry import TYPES
from uptime_tui.cli import main
from uptime_tui.cli.schema import config_schema
from uptime_tui.config import parse_config
from uptime_tui.importers import ImportFailed, import_file

SAMPLES = Path(__file__).resolve().parent / "samples"
GATUS = sorted((SAMPLES / "gatus").glob("*.yaml"))
CHECKS = SAMPLES / "healthchecks" / "checks.json"


def environment(doc) -> dict:
    """Each variable the output refers to, set to the source's value (or a stand-in)."""
    return {v.name: v.value or "stand-in-value-0123456789" for v in doc.variables.values()}


def known_types_only(doc):
    """The document without monitors of types not registered yet (ping, postgres ... arrive from
    other branches), and without the windows that then point at nothing."""
    doc = copy.deepcopy(doc)
    doc.sections["monitors"] = [e for e in doc.sections["monitors"] if e.data["type"] in TYPES]
    ids = {e.data["id"] for section in ("monitors", "heartbeats") for e in doc.sections[section]}
    for entry in doc.sections["maintenance"]:
        entry.data["monitors"] = [m for m in entry.data["monitors"] if m in ids]
    doc.sections["maintenance"] = [e for e in doc.sections["maintenance"] if e.data["monitors"]]
    return doc


def check_valid(doc) -> None:
    """The validator and the JSON Schema take the output; with types not registered yet, the part
    of known types is checked and the whole is skipped with the reason."""
    missing = sorted({e.data["type"] for e in doc.sections["monitors"]} - set(TYPES))
    checked = known_types_only(doc) if missing else doc
    text = checked.render()
    parse_config(text, "imported.yaml", env=environment(doc))
    errors = [e.message for e in jsonschema.Draft202012Validator(config_schema()).iter_errors(yaml.safe_load(text))]
    assert errors == []
    if missing:
        pytest.skip(f"monitor types {', '.join(missing)} are not registered in this tree yet;"
                    " the rest of the output was validated")


def notes_of(doc, section: str, entry_id: str) -> str:
    return " ".join(next(e for e in doc.sections[section] if e.data["id"] == entry_id).notes)


def entry(doc, section: str, entry_id: str) -> dict:
    return next(e.data for e in doc.sections[section] if e.data["id"] == entry_id)


# Gatus

@pytest.mark.parametrize("path", GATUS, ids=[p.name for p in GATUS])
def test_gatus_samples_import_to_a_valid_config(path):
    check_valid(import_file("gatus", str(path)))


def test_gatus_conditions_are_translated_and_the_rest_commented():
    doc = import_file("gatus", str(SAMPLES / "gatus" / "config.yaml"))
    front = entry(doc, "monitors", "core-front-end")
    assert front["conditions"] == ["status == 200", 'body.status == "UP"', "response_time < 150ms"]
    assert (front["type"], front["group"], front["interval"]) == ("http", "core", "5m")
    certificate = entry(doc, "monitors", "core-back-end-certificate")
    assert (certificate["type"], certificate["conditions"]) == ("tls", ["certificate_expires > 48h"])
    dns = entry(doc, "monitors", "example-dns-query")
    assert (dns["type"], dns["host"], dns["nameserver"]) == ("dns", "example.com", "8.8.8.8")
    assert dns["conditions"] == ['body matches "^.*\\..*\\..*\\..*$"', "dns.rcode == NOERROR"]
    assert entry(doc, "monitors", "icmp-ping")["conditions"] == ["loss < 100"]
    assert "[DOMAIN_EXPIRATION] > 720h" in notes_of(doc, "monitors", "check-domain-expiration")
    assert "# not carried over: condition '[DOMAIN_EXPIRATION] > 720h'" in doc.render()


def test_the_regex_of_pat_reaches_the_validator_unescaped():
    doc = import_file("gatus", str(SAMPLES / "gatus" / "config.yaml"))
    config = parse_config(known_types_only(doc).render(), "imported.yaml", env={})
    dns = next(m for m in config.monitors if m.id == "example-dns-query")
    assert dns.conditions[0].expected.pattern == r"^.*\..*\..*\..*$"


GATUS_ALERTING = """
alerting:
  slack:
    webhook-url: "https://hooks.slack.com/services/T000/B000/slacksecret0000000000"
  telegram:
    token: "123456:telegram-secret-token"
    id: "-1001"
  email:
    from: gatus@example.com
    username: gatus@example.com
    password: mail-secret-password
    host: smtp.example.com
    port: 587
    to: ops@example.com
  pagerduty:
    integration-key: pagerduty-secret-key-0123456789ab
  teams:
    webhook-url: "https://example.webhook.office.com/webhookb2/teams-secret"
  custom:
    url: "https://hooks.example.com/${HOOK_PATH}"
    method: POST
    body: '{"text": "[ALERT_DESCRIPTION]"}'
endpoints:
  - name: api
    url: "https://api.example.com/health"
    client:
      insecure: true
    headers:
      Authorization: "Bearer ${API_TOKEN}"
    conditions: ["[STATUS] == 404", "len([BODY].items) > 0", "[BODY].price == $5"]
    alerts:
      - type: slack
        failure-threshold: 5
        success-threshold: 3
      - type: email
      - type: teams
      - type: custom
"""
GATUS_SECRETS = ("slacksecret", "telegram-secret-token", "mail-secret-password", "pagerduty-secret-key")


def test_gatus_alerting_becomes_channels_with_secrets_as_variables(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(GATUS_ALERTING)
    doc = import_file("gatus", str(path))
    text = doc.render()
    for secret in GATUS_SECRETS:
        assert secret not in text
    assert "# Set these variables before starting: SLACK_WEBHOOK_URL (" in text
    assert {"SLACK_WEBHOOK_URL", "TELEGRAM_BOT_TOKEN", "SMTP_PASSWORD", "PAGERDUTY_INTEGRATION_KEY",
            "PAGERDUTY_API_KEY", "HOOK_PATH", "API_TOKEN"} <= set(doc.variables)
    api = entry(doc, "monitors", "api")
    assert api["channels"] == ["gatus-slack", "gatus-email", "gatus-custom"]
    assert (api["confirmation"], api["recovery"], api["ignore_tls"]) == (5, 3, True)
    assert api["conditions"] == ["status == 404", 'body.price == "$5"'] and api["accepted_status"] == ["100-599"]
    assert "len()" in notes_of(doc, "monitors", "api") and "the teams alert" in notes_of(doc, "monitors", "api")
    assert "alerting.teams" in " ".join(doc.notes)
    assert entry(doc, "channels", "gatus-custom") == {"id": "gatus-custom",
                                                      "webhook": {"url": "https://hooks.example.com/${HOOK_PATH}"}}
    check_valid(doc)
    config = parse_config(text, "imported.yaml", env=environment(doc))
    assert next(m for m in config.monitors if m.id == "api").conditions[1].expected == "$5"


def test_gatus_refuses_a_file_without_endpoints(tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text("storage:\n  type: sqlite\n")
    with pytest.raises(ImportFailed, match=f"{path}: not a Gatus config: no 'endpoints'"):
        import_file("gatus", str(path))


# Healthchecks

def test_healthchecks_sample_imports_to_valid_heartbeats():
    doc = import_file("healthchecks", str(CHECKS))
    check_valid(doc)
    backup = entry(doc, "heartbeats", "filesystem-backup")
    assert backup == {"id": "filesystem-backup", "name": "Filesystem Backup", "period": "1h", "grace": "10m",
                      "token": "31365bce-8da9-4729-8ff3-aaa71d56b712", "slug": "filesystem-backup",
                      "tags": ["backup", "fs"]}
    database = entry(doc, "heartbeats", "database-backup")
    assert (database["schedule"], database["timezone"], database["grace"]) == ("15 5 * * *", "UTC", "20m")
    assert "description: Runs ~/db-backup.sh" in notes_of(doc, "heartbeats", "database-backup")
    assert "integrations" in notes_of(doc, "heartbeats", "database-backup")


def test_healthchecks_paused_and_oncalendar_checks(tmp_path):
    checks = json.loads(CHECKS.read_text())["checks"]
    paused = dict(checks[0], status="paused", slug="paused-one", name="Paused one", uuid="x", ping_url="")
    calendar = dict(checks[1], kind="oncalendar", schedule="Mon *-*-* 05:15", name="Calendar", slug="calendar")
    path = tmp_path / "checks.json"
    path.write_text(json.dumps({"checks": [paused, calendar]}))
    doc = import_file("healthchecks", str(path))
    assert entry(doc, "heartbeats", "paused-one")["paused"] is True
    assert "ping UUID" in notes_of(doc, "heartbeats", "paused-one")
    assert [e.data["id"] for e in doc.sections["heartbeats"]] == ["paused-one"]
    assert any("check 'Calendar'" in note for note in doc.notes)
    check_valid(doc)


@pytest.mark.parametrize("content, message", [
    pytest.param("[]", "expected {\"checks\": [...]}", id="a list, not the API's object"),
    pytest.param('{"checks": [{"name": "x", "kind": "sometimes", "timeout": 60}]}',
                 "checks[0] ('x') has kind 'sometimes', newer", id="a newer kind"),
    pytest.param('{"checks": [{"name": "x"}]}', "neither 'timeout' nor 'schedule'", id="no timing"),
    pytest.param('{"checks": [{"name": 3, "timeout": 60}]}', "checks[0] is not a Healthchecks check (its 'name'",
                 id="a name that is not text"),
    pytest.param('{"checks": [\n  {"name": }]}', ", line 2: not the JSON", id="not JSON"),
])
def test_healthchecks_refuses_what_is_not_its_checks(tmp_path, content, message):
    path = tmp_path / "checks.json"
    path.write_text(content)
    with pytest.raises(ImportFailed, match=f"^{path}") as raised:
        import_file("healthchecks", str(path))
    assert message in str(raised.value)


def test_healthchecks_refuses_a_gatus_file():
    with pytest.raises(ImportFailed, match="config.yaml, line 1: not the JSON of Healthchecks"):
        import_file("healthchecks", str(SAMPLES / "gatus" / "config.yaml"))


# Uptime Kuma

@pytest.fixture
def kuma(tmp_path) -> str:
    return kuma_db.create(tmp_path / "kuma.db")


def test_kuma_database_imports_to_a_valid_config(kuma):
    check_valid(import_file("uptime-kuma", kuma))


def test_kuma_monitors_notifications_tags_and_maintenance(kuma):
    doc = import_file("uptime-kuma", kuma)
    text = doc.render()
    for secret in kuma_db.SECRETS:
        assert secret not in text
    website = entry(doc, "monitors", "Website")
    assert website["basic_auth"] == {"username": "probe", "password": "${WEBSITE_PASSWORD}"}
    assert website["headers"] == {"Authorization": "${WEBSITE_AUTHORIZATION}", "Accept": "json"}
    assert (website["accepted_status"], website["confirmation"], website["ignore_tls"]) == (["200-299", "301"], 3, True)
    assert website["tags"] == ["prod", "team:web"] and website["channels"] == ["kuma-Ops-Slack", "kuma-Telegram"]
    assert entry(doc, "monitors", "Shop-keyword")["keyword"] == "Add to cart"
    assert "upside-down" in notes_of(doc, "monitors", "Shop-keyword")
    assert entry(doc, "monitors", "API-version")["conditions"] == ['body.version == "1.2"']
    assert entry(doc, "monitors", "Database-port")["paused"] is True
    assert entry(doc, "monitors", "Cache")["group"] == "Backend"
    assert "record type MX" in notes_of(doc, "monitors", "Resolver")
    push = entry(doc, "heartbeats", "Nightly-job")
    assert (push["token"], push["period"], push["channels"]) == ("pushTokenAbc123", "1d", ["kuma-Hook"])
    header = " ".join(doc.notes)
    assert "monitor row 9 ('Container'): Kuma's 'docker'" in header
    assert "notification row 7 ('Line')" in header and "maintenance row 4 ('Freeze'): the 'manual'" in header
    assert entry(doc, "channels", "kuma-Telegram")["apprise"] == ["tgram://${TELEGRAM_BOT_TOKEN}/-100123"]
    assert entry(doc, "maintenance", "kuma-Migration")["start"] == "2026-12-05 22:00"
    assert entry(doc, "maintenance", "kuma-Backups")["schedule"] == "0 2 * * 1,3"
    assert entry(doc, "maintenance", "kuma-Weekly-patch") | {"monitors": None} == {
        "id": "kuma-Weekly-patch", "monitors": None, "schedule": "0 3 * * 0", "duration": "1h", "timezone": "UTC"}


def test_kuma_refuses_a_text_file(tmp_path):
    path = tmp_path / "kuma.db"
    path.write_text("not a database at all, only some text\n" * 20)
    with pytest.raises(ImportFailed, match=f"{path}: not an Uptime Kuma database"):
        import_file("uptime-kuma", str(path))


def test_kuma_refuses_a_database_without_its_tables(tmp_path):
    path = kuma_db.create(tmp_path / "other.db", schema="CREATE TABLE monitor (id INTEGER, name TEXT);")
    with pytest.raises(ImportFailed, match="no maintenance, monitor_notification, monitor_tag, notification, tag tables"):
        import_file("uptime-kuma", path)


def test_kuma_refuses_a_version_whose_columns_changed(tmp_path):
    schema = kuma_db.SCHEMA.replace("accepted_statuscodes_json TEXT", "accepted_status TEXT")
    path = kuma_db.create(tmp_path / "kuma.db", schema=schema)
    with pytest.raises(ImportFailed, match="table monitor has no accepted_statuscodes_json column"):
        import_file("uptime-kuma", path)


def test_kuma_database_is_opened_read_only(kuma):
    before = Path(kuma).read_bytes()
    import_file("uptime-kuma", kuma)
    assert Path(kuma).read_bytes() == before
    assert not Path(kuma + "-journal").exists() and not Path(kuma + "-wal").exists()
    assert sqlite3.connect(kuma).execute("SELECT count(*) FROM monitor").fetchone() == (len(kuma_db.MONITORS),)


# The command

def test_import_writes_the_file_and_lists_the_variables(kuma, tmp_path, capsys):
    out = tmp_path / "config.yaml"
    assert main(["import", "uptime-kuma", kuma, "-o", str(out)]) == 0
    assert out.read_text().startswith("# Imported from Uptime Kuma")
    assert "set these variables before starting: SLACK_WEBHOOK_URL" in capsys.readouterr().err


def test_import_prints_to_standard_output(capsys):
    assert main(["import", "healthchecks", str(CHECKS)]) == 0
    assert "token: 31365bce-8da9-4729-8ff3-aaa71d56b712" in capsys.readouterr().out


@pytest.mark.parametrize("tool, source", [
    ("healthchecks", SAMPLES / "gatus" / "config.yaml"),
    ("uptime-kuma", SAMPLES / "README.md"),
    ("gatus", CHECKS),
])
def test_a_refused_file_writes_nothing(tmp_path, capsys, tool, source):
    absent, present = tmp_path / "new.yaml", tmp_path / "kept.yaml"
    present.write_text("monitors: []\n")
    assert main(["import", tool, str(source), "-o", str(absent)]) == 2
    assert main(["import", tool, str(source), "-o", str(present)]) == 2
    assert not absent.exists() and present.read_text() == "monitors: []\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.yaml"]  # no temporary file left
    captured = capsys.readouterr()
    assert captured.out == "" and f"{source}" in captured.err and "nothing was written" in captured.err
