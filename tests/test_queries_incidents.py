"""queries/incidents.py on a real database: the API's incident and alert reads, and the evidence
the console's incident detail shares with them."""

from datetime import timedelta

import pytest

from support.api import T0, add_incident
from uptime_tui.queries import dashboard, incidents
from uptime_tui.queries.incidents import Evidence, IncidentCriteria
from uptime_tui.store import open_database
from uptime_tui.store.models import IncidentEvidence


@pytest.fixture
def database(database_url):
    db = open_database(database_url)
    yield db
    db.close()


def add_evidence(incident, region, at, code=503):
    IncidentEvidence.create(incident=incident, region=region, timestamp=at, status_code=code, ttfb_ms=120.4,
                            cause=f"HTTP {code}")


def test_the_console_and_the_api_read_one_incident_s_evidence_alike(database):
    row = add_incident()
    add_evidence(row, "eu", T0 + timedelta(seconds=2))
    add_evidence(row, "us", T0)
    add_evidence(row, "ap", T0 + timedelta(seconds=2))  # same moment as eu: written order decides
    record = incidents.incident(row.id)
    assert [e.region for e in record.evidence] == ["us", "eu", "ap"]
    assert record.evidence[0] == Evidence(T0, "us", 503, 120.4, "HTTP 503")
    assert dashboard.incident_detail(row.id).evidence == list(record.evidence)
    assert incidents.incident(row.id, with_evidence=False).evidence == ()
    assert (record.resource_key, record.active, record.snooze_cancel_on_updates) == ("web", True, True)


def test_a_missing_or_impossible_id_is_no_incident(database):
    assert incidents.incident(12345) is None
    assert incidents.incident(2**40) is None  # past the database's integers: no overflow error


def test_a_page_filters_counts_and_carries_evidence(database):
    web = [add_incident(type=kind, started_at=T0 + timedelta(minutes=i))  # one open per type
           for i, kind in enumerate(("down", "degraded", "flapping"))]
    beat = add_incident(resource_type="heartbeat", resource_id=1, resource_key="backup", type="down",
                        started_at=T0 + timedelta(minutes=10))
    add_evidence(web[2], "eu", T0)
    page = incidents.incident_page(IncidentCriteria(monitor_id=1), limit=2, offset=0)
    assert ([r.id for r in page.incidents], page.total) == ([web[2].id, web[1].id], 3)
    assert [e.region for e in page.incidents[0].evidence] == ["eu"] and page.incidents[1].evidence == ()
    assert incidents.incident_page(IncidentCriteria(heartbeat_id=1), 10, 0).incidents[0].id == beat.id
    after = incidents.incident_page(IncidentCriteria(started_after=T0 + timedelta(minutes=1)), 10, 0)
    assert [r.id for r in after.incidents] == [beat.id, web[2].id]
    assert incidents.incident_page(IncidentCriteria(monitor_id=1), 10, 5) == incidents.IncidentPage([], 3)
    assert incidents.incident_page(IncidentCriteria(monitor_id=2**40), 10, 0) == incidents.IncidentPage([], 0)


def test_latest_incidents_page_by_id_and_leave_out_closed_ones(database):
    rows = [add_incident(resource_id=i, active=i != 1, resolved_at=T0 if i == 1 else None) for i in range(4)]
    newest_first = [r.id for r in reversed(rows)]
    assert [r.id for r in incidents.latest_incidents(False, None, 10)] == newest_first
    assert [r.id for r in incidents.latest_incidents(True, None, 10)] == [i for i in newest_first if i != rows[1].id]
    assert [r.id for r in incidents.latest_incidents(False, rows[2].id, 1)] == [rows[1].id]
    assert [r.id for r in incidents.latest_incidents(False, 2**40, 2)] == newest_first[:2]
