"""Event payloads: exactly the fields of Better Stack's incident log, and a domain free of I/O libraries."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from uptime_tui import events
from support.config import monitor
from uptime_tui.events import (
    BUILDERS, EVENT_NAMES, Actor, Context, HeartbeatRef, IncidentRef, MonitorRef,
)

COMMON = {"dt", "event", "message", "organization_id", "team_id"}
MONITOR = {"monitor_id", "monitor_url", "monitor_name", "monitor_type"}
HEARTBEAT = {"heartbeat_id", "heartbeat_name"}
INCIDENT = {"incident_id", "incident_name", "resource_type", "resource_id", "resource_name"}
BY_WHOM = {"user_email", "user_name", "integration_name", "integration_type"}

# transcribed from Better Stack's incident log documentation, one set per event
REFERENCE = {
    "monitor.checked": MONITOR | {"region", "response_time", "response_code", "success", "cause"},
    "monitor.created": MONITOR,
    "monitor.destroyed": MONITOR,
    "monitor.down": MONITOR | {"cause", "regions"},
    "monitor.paused": MONITOR,
    "monitor.unpaused": MONITOR,
    "monitor.verifying_recovery": MONITOR,
    "heartbeat.checked": HEARTBEAT | {"success", "fail_code"},
    "heartbeat.created": HEARTBEAT,
    "heartbeat.destroyed": HEARTBEAT,
    "heartbeat.down": HEARTBEAT,
    "heartbeat.paused": HEARTBEAT,
    "heartbeat.unpaused": HEARTBEAT,
    "heartbeat.up": HEARTBEAT,
    "incident.acknowledged": INCIDENT | BY_WHOM,
    "incident.destroyed": INCIDENT,
    "incident.escalated": INCIDENT | {"escalation_targets"},
    "incident.grouped": INCIDENT | {"incident_group_id"},
    "incident.reopened": INCIDENT | BY_WHOM,
    "incident.resolved": INCIDENT | BY_WHOM,
    "incident.started": INCIDENT | {"incident_cause", "regions", "escalation_policy_id"},
}

NOW = datetime(2026, 5, 7, 11, 14, 2, 650000, tzinfo=timezone(timedelta(hours=2)))
CTX = Context("org-1", "team-7")
MON = MonitorRef(1287, "API", "https://api.example.test/health", "status")
HB = HeartbeatRef(31, "Nightly backup")
INC = IncidentRef(4422, "API down", "monitor", 1287, "API")
EXTRA = {
    "monitor.checked": dict(region="eu", response_time=0.25, response_code=200, success=True, cause=None),
    "monitor.down": dict(cause="HTTP 503", regions=("eu", "us")),
    "heartbeat.checked": dict(success=False, fail_code="3"),
    "incident.started": dict(cause="HTTP 503", regions=["eu"], escalation_policy_id=2),
    "incident.escalated": dict(targets=[{"type": "team", "id": 7, "name": "On call"}]),
    "incident.grouped": dict(group_id=12),
    "incident.acknowledged": dict(actor=Actor(user_email="ann@example.test", user_name="Ann")),
}


def build(name: str) -> dict:
    subject = {"monitor": MON, "heartbeat": HB, "incident": INC}[name.split(".")[0]]
    return BUILDERS[name](CTX, NOW, subject, **EXTRA.get(name, {}))


def test_every_event_has_a_builder_and_a_reference_entry():
    assert set(BUILDERS) == set(EVENT_NAMES) == set(REFERENCE)


@pytest.mark.parametrize("name", EVENT_NAMES)
def test_payload_has_exactly_the_reference_fields(name):
    payload = build(name)
    assert set(payload) == COMMON | REFERENCE[name]
    assert payload["event"] == name
    assert payload["dt"] == "2026-05-07T09:14:02.650Z"  # milliseconds, as Better Stack shows them
    assert (payload["organization_id"], payload["team_id"]) == ("org-1", "team-7")
    assert payload["message"] and isinstance(payload["message"], str)


def test_field_values_use_the_reference_types():
    checked = build("monitor.checked")
    assert checked["monitor_id"] == 1287 and checked["monitor_type"] == "status"
    assert checked["response_time"] == 0.25 and checked["response_code"] == 200
    assert build("monitor.down")["regions"] == ["eu", "us"]
    started = build("incident.started")
    assert (started["incident_id"], started["resource_id"], started["escalation_policy_id"]) == (4422, 1287, 2)
    assert build("incident.escalated")["escalation_targets"] == [{"type": "team", "id": 7, "name": "On call"}]
    assert build("incident.grouped")["incident_group_id"] == 12
    acknowledged = build("incident.acknowledged")
    assert (acknowledged["user_email"], acknowledged["integration_name"]) == ("ann@example.test", None)
    assert "Ann" in acknowledged["message"]


def test_the_system_resolving_leaves_the_person_fields_empty():
    resolved = events.incident_resolved(CTX, NOW, INC, cause="recovered")
    assert all(resolved[key] is None for key in BY_WHOM)
    assert "the system" in resolved["message"] and "recovered" in resolved["message"]


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        events.monitor_created(CTX, datetime(2026, 5, 7), MON)


URL = "https://example.test/"


@pytest.mark.parametrize("kind, settings, expected, target", [
    ("http", {"url": URL}, "status", URL),
    ("keyword", {"url": URL, "keyword": "ok"}, "keyword", URL),
    ("keyword", {"url": URL, "keyword": "ok", "keyword_absent": True}, "keyword_absence", URL),
    ("tcp", {"host": "db", "port": 5432}, "tcp", "db:5432"),
    ("dns", {"host": "example.test"}, "dns", "example.test"),
    ("tls", {"host": "example.test", "port": 443}, "ssl", "example.test:443"),
    ("tls", {"url": URL}, "ssl", URL),
])
def test_monitor_types_in_the_reference_vocabulary(kind, settings, expected, target):
    ref = MonitorRef.of(monitor(kind, name="M", **settings), 5)
    assert (ref.type, ref.url, ref.id) == (expected, target, 5)


def test_incident_ref_names_its_resource():
    assert IncidentRef.of(3, "Backup down", HB) == IncidentRef(3, "Backup down", "heartbeat", 31, "Nightly backup")
    assert IncidentRef.of(3, "API down", MON).resource_type == "monitor"


def test_filters_still_match_event_names():
    assert events.matches("incident.*", "incident.started")
    assert events.known_pattern("heartbeat.*") and not events.known_pattern("incidents.*")


# --- the reference document itself, where it is checked out beside the repository -----------

def _reference_file() -> Path | None:
    for folder in (Path(__file__).resolve().parents[2] / "shared" / "reference",
                   Path(__file__).resolve().parents[1] / "reference"):
        found = sorted(folder.glob("000_*.txt")) if folder.is_dir() else []
        if found:
            return found[0]
    return None


def _parse_reference(text: str) -> dict[str, set[str]]:
    """Event name -> field names, from the flattened tables: a "name |" line, then "Type | ..."."""
    fields: dict[str, set[str]] = {"common": set()}
    current = "common"
    lines = [line.strip() for line in text.splitlines()]
    for line, following in zip(lines, lines[1:] + [""]):
        heading = re.fullmatch(r"'?([a-z]+\.[a-z_]+)'?", line)
        if heading:
            current = heading.group(1)
            fields[current] = set()
        elif re.match(r"(String|Integer|Float|Boolean|Array) \|", following) and line.endswith(" |"):
            fields[current].add(line[:-2])
    return fields


def test_reference_document_agrees():
    path = _reference_file()
    if path is None:
        pytest.skip("Better Stack's incident log webhook document is not beside the repository")
    parsed = _parse_reference(path.read_text(encoding="utf-8"))
    assert parsed.pop("common") == COMMON
    assert parsed == REFERENCE
    for name in EVENT_NAMES:
        assert set(build(name)) - COMMON == parsed[name]


# --- secrets in monitor URLs --------------------------------------------------------------------

SECRET_URL = "https://probe:hunter2-secret@api.example.test/health?api_key=key-in-query-123&region=eu"
SHOWN_URL = "https://****@api.example.test/health?api_key=****&region=eu"


def test_a_monitor_ref_carries_its_url_redacted_however_it_is_built():
    assert MonitorRef.of(monitor("http", name="M", url=SECRET_URL), 5).url == SHOWN_URL
    assert MonitorRef(5, "M", SECRET_URL, "status").url == SHOWN_URL
    assert MonitorRef(5, "M", "", "").url == ""


@pytest.mark.parametrize("name", [n for n in EVENT_NAMES if n.startswith("monitor.")])
def test_no_monitor_payload_carries_a_url_secret(name):
    ref = MonitorRef.of(monitor("http", name="M", url=SECRET_URL), 5)
    extra = dict(EXTRA.get(name, {}))
    if "cause" in extra:
        extra["cause"] = f"cannot fetch {SECRET_URL}"
    payload = BUILDERS[name](CTX, NOW, ref, **extra)
    text = repr(payload)
    assert payload["monitor_url"] == SHOWN_URL
    assert "hunter2-secret" not in text and "key-in-query-123" not in text and "probe:" not in text


def test_incident_causes_are_redacted():
    started = events.incident_started(CTX, NOW, INC, cause=f"cannot fetch {SECRET_URL}", regions=["eu"])
    assert started["incident_cause"] == f"cannot fetch {SHOWN_URL}"
    assert "hunter2-secret" not in started["message"]
    reopened = events.incident_reopened(CTX, NOW, INC, cause=f"failed again: {SECRET_URL}")
    assert "hunter2-secret" not in reopened["message"] and SHOWN_URL in reopened["message"]
