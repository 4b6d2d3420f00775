"""The columns of the dashboard's panes: what each shows of a row, and from which width."""

from __future__ import annotations

from datetime import datetime

from uptime_tui.queries import dashboard as data
from uptime_tui.tui import format as fmt
from uptime_tui.tui.widgets.pane_table import Column


def _incident_state(i: data.IncidentRow, now: datetime) -> fmt.Badge:
    if i.pending:
        return fmt.Badge(f"… {i.pending}", "warn")
    state = i.state(now)
    if state == "acknowledged":
        return fmt.badge(fmt.INCIDENT_STATE, state, f" {i.acknowledged_by}")
    if state == "snoozed":
        return fmt.badge(fmt.INCIDENT_STATE, state, f" {fmt.span((i.snoozed_until - now).total_seconds())}")
    return fmt.badge(fmt.INCIDENT_STATE, state)


MONITOR_COLUMNS = [
    Column("Status", lambda m, now: fmt.status(m.status), 11),
    Column("Name", lambda m, now: m.name, min_width=10),
    Column("Type", lambda m, now: m.type, 7, hide_below=96),
    Column("Target", lambda m, now: m.target, min_width=8, hide_below=90),
    Column("Last", lambda m, now: fmt.milliseconds(m.response_ms), 7),
    Column("Recent", lambda m, now: fmt.sparkline(m.recent, 10), 10),
    Column("24h", lambda m, now: fmt.percent(m.uptime_24h), 7),
    Column("Checked", lambda m, now: fmt.ago(m.checked_at, now), 7),
]
INCIDENT_COLUMNS = [
    Column("#", lambda i, now: f"#{i.id}", 5),
    Column("Severity", lambda i, now: fmt.badge(fmt.SEVERITY, i.severity), 11),
    Column("State", _incident_state, 16),
    Column("Resource", lambda i, now: i.resource_name, min_width=8),
    Column("Cause", lambda i, now: i.cause or i.type, min_width=8),
    # For says as much of an open incident: Resource and Cause have the room first
    Column("Started", lambda i, now: fmt.ago(i.started_at, now), 7, hide_below=140),
    Column("For", lambda i, now: fmt.span(((i.resolved_at or now) - i.started_at).total_seconds()), 6),
    Column("Esc", lambda i, now: str(i.escalation_level), 3),
    Column("Group", lambda i, now: f"#{i.group_id}" if i.group_id else "-", 5),
]
HEARTBEAT_COLUMNS = [
    Column("Status", lambda h, now: fmt.status(h.status), 11),
    Column("Name", lambda h, now: h.name, min_width=10),
    Column("Last ping", lambda h, now: fmt.ago(h.last_ping_at, now), 9),
    Column("Next", lambda h, now: fmt.until(h.next_expected, now), 10),
    Column("Run", lambda h, now: fmt.span(h.last_duration) if h.last_duration is not None else "-", 7),
]
EVENT_COLUMNS = [
    Column("Time", lambda e, now: e.at.strftime("%H:%M:%S"), 8),
    Column("Event", lambda e, now: e.title, 30),  # `incident.acknowledged by alice` whole
    Column("Message", lambda e, now: e.message, min_width=10),
]
