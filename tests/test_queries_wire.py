"""The read layer's results survive JSON: what an attached console reads equals what the query gave."""

import json
from datetime import datetime, timedelta, timezone

from uptime_tui.queries.dashboard import IncidentDetail, IncidentRow, MonitorDetail, MonitorRow, MonitorStats
from uptime_tui.queries.events import EventRow
from uptime_tui.queries.incidents import Evidence
from uptime_tui.queries.wire import from_wire, to_wire

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def round_trip(hint, value):
    return from_wire(hint, json.loads(json.dumps(to_wire(value))))


def incident(**changes) -> IncidentRow:
    fields = dict(id=3, name="Web down", type="down", active=True, severity="critical", status="critical",
                  resource_type="monitor", resource_id=1, resource_name="Web", cause="HTTP 500", started_at=T0,
                  resolved_at=None, acknowledged_by="alice", snoozed_until=T0 + timedelta(hours=1),
                  escalation_level=2, group_id=None)
    return IncidentRow(**{**fields, **changes})


def test_rows_details_and_maps_come_back_equal():
    rows = [MonitorRow(1, "web", "Web", "http", "https://x/", "up", 12.5, [1.0, 2.5], 10, 1, T0, "edge")]
    assert round_trip(list[MonitorRow], rows) == rows
    stats = {7: MonitorStats([1.0], 1.0, T0, True, 3, 0)}
    assert round_trip(dict[int, MonitorStats], stats) == stats
    detail = IncidentDetail(incident(), [(T0, "incident.started", "started")],
                            [Evidence(T0, "eu", 500, 12.0, "HTTP 500")], [incident(id=4, active=False)])
    back = round_trip(IncidentDetail, detail)
    assert back == detail and isinstance(back.evidence[0], Evidence) and back.timeline[0][0] == T0
    monitor = MonitorDetail(1, "web", "Web", "http", "https://x/", False, [(T0, False, 0.5, None, "timeout")], [])
    assert round_trip(MonitorDetail, monitor) == monitor
    events = [EventRow("event:1", T0, "event", "monitor.down", "Web went down", None)]
    assert round_trip(list[EventRow], events) == events
    assert round_trip(MonitorDetail | None, None) is None
