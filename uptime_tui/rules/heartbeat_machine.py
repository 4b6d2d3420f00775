"""The heartbeat state machine: pings + the time -> a new state and actions. Pure.

A heartbeat is down when no success ping arrives by its deadline:
- with a `period`: the last success + period + grace;
- with a cron `schedule`: the first scheduled time after the last success, in the heartbeat's
  time zone, + grace. Times come from cronsim, which follows Debian cron across daylight-saving
  changes for fixed-time schedules: a time skipped by spring-forward runs at the first minute
  after the gap (02:30 -> 03:00), a time repeated by fall-back runs once (the first occurrence);
  schedules with `*` in the minute or hour field run at every real instant that matches.
- after a `/start`, also by start + grace (a job that starts must finish within grace).
A fail ping (or a non-zero exit status) is down at once; a success ping while down is up again.

A heartbeat that has never pinged is `new`: its clock starts when it is watched, i.e. when the
engine creates its state with `HeartbeatState.new(now)`, or at the first `tick()` for a state
without that time (restored from before the field existed). So a job that never runs is caught.

Late detection is driven by the engine: it calls `tick()` at `next_deadline()`. The time from a
start to the next success or fail ping is recorded as `last_duration`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cronsim import CronSim

from uptime_tui.config.values import human_duration
from uptime_tui.rules.actions import (
    Evidence, HeartbeatChecked, HeartbeatDown, HeartbeatUp, IncidentView, ResolveIncident, Step,
    parse_time, start_incident, time_str,
)
from uptime_tui.rules.monitor_machine import Rules
from uptime_tui.events import iso

PING_KINDS = ("success", "start", "fail", "exit", "log")
CAUSE_CHARS = 200  # of a failing job's first line, in the cause
OUTPUT_CHARS = 4000  # of its output, in the evidence (a ping keeps 10 KB)


@dataclass(frozen=True, slots=True)
class HeartbeatState:
    """Everything the machine remembers about one heartbeat; stored as JSON."""

    status: str = "new"  # new | up | started | down
    last_ping_at: datetime | None = None  # the last success or fail ping
    last_start_at: datetime | None = None  # a start not finished yet
    last_duration: float | None = None  # seconds from a start to its finish
    watching_since: datetime | None = None  # when the clock started for a heartbeat never pinged
    incident: IncidentView | None = None  # open, or automatically resolved (kept for reopening)

    @classmethod
    def new(cls, now: datetime) -> HeartbeatState:
        """A heartbeat created (or first watched) at `now`."""
        return cls(watching_since=now)

    def with_incident_id(self, incident_id: int) -> HeartbeatState:
        """The state once the engine has stored the incident of an OpenIncident action."""
        assert self.incident is not None, "no incident to give an id to"
        return replace(self, incident=replace(self.incident, id=incident_id))

    def with_incident(self, incident: IncidentView | None) -> HeartbeatState:
        """The state with another current incident (e.g. one a person reopened)."""
        return replace(self, incident=incident)

    def resolved_by_person(self) -> HeartbeatState:
        """After a person resolved `self.incident` (only that one): it is not reopened."""
        return replace(self, incident=None)

    def to_dict(self) -> dict:
        """A JSON-able dict for the database."""
        return {
            "version": 1, "status": self.status, "last_ping_at": time_str(self.last_ping_at),
            "last_start_at": time_str(self.last_start_at), "last_duration": self.last_duration,
            "watching_since": time_str(self.watching_since),
            "incident": self.incident.to_dict() if self.incident else None,
        }

    @classmethod
    def from_dict(cls, data: dict) -> HeartbeatState:
        """Back from `to_dict()`; missing keys take their defaults."""
        incident = data.get("incident")
        return cls(
            status=data.get("status", "new"), last_ping_at=parse_time(data.get("last_ping_at")),
            last_start_at=parse_time(data.get("last_start_at")),
            last_duration=data.get("last_duration"),
            watching_since=parse_time(data.get("watching_since")),
            incident=IncidentView.from_dict(incident) if incident else None,
        )


def ping(heartbeat, state: HeartbeatState, kind: str, now: datetime, exit_status: int | None = None,
         *, rules: Rules = Rules(), output: str | None = None, region: str = "local") -> Step:
    """Apply one ping: kind success | start | fail | exit (exit_status 0 success, 1-255 failure)
    | log (Healthchecks' /log: the engine keeps the ping and its body, the state does not change).
    A failure's `output` (the body the job sent) gives the cause its first line and the incident
    its evidence, so the page says `pg_dump: error: connection to server failed`."""
    fail_code = None
    if kind == "exit":
        if exit_status is None or not 0 <= exit_status <= 255:
            raise ValueError(f"exit status must be 0-255, not {exit_status!r}")
        kind, fail_code = ("success", None) if exit_status == 0 else ("fail", str(exit_status))
    elif kind == "log":
        return Step(state)
    elif kind not in PING_KINDS:
        raise ValueError(f"unknown ping kind {kind!r}")
    watching = state.watching_since or now
    if kind == "start":
        # a start proves the job runs, not that it works: a down heartbeat stays down
        status = state.status if state.status == "down" else "started"
        return Step(replace(state, status=status, last_start_at=now, watching_since=watching))

    duration = state.last_duration
    if state.last_start_at is not None:
        duration = (now - state.last_start_at).total_seconds()
    finished = replace(state, last_ping_at=now, last_start_at=None, last_duration=duration,
                       watching_since=watching)
    if kind == "success":
        actions: list = [HeartbeatChecked(True, None)]
        incident = state.incident
        if state.status == "down":
            actions.append(HeartbeatUp())
            if incident and incident.open:
                actions.append(ResolveIncident(incident.id, incident.name, "success ping received"))
                incident = incident.resolved(now)
        return Step(replace(finished, status="up", incident=incident), tuple(actions))

    cause = f"exit status {fail_code}" if fail_code else "the job reported a failure"
    said = _first_line(output)
    if said:
        cause = f"{cause}: {said}" if fail_code else said
    evidence = (Evidence(region, now.replace(microsecond=0), None, None, _bounded(output)),) if output else ()
    checked = HeartbeatChecked(False, fail_code)
    if state.status == "down":
        return Step(finished, (checked,))
    return _go_down(heartbeat, finished, cause, now, rules, [checked], evidence)


def _first_line(output: str | None) -> str | None:
    """The first line of a job's output that says something, shortened for a cause."""
    for line in (output or "").splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= CAUSE_CHARS else line[:CAUSE_CHARS - 1] + "…"
    return None


def _bounded(output: str) -> str:
    """A job's output as kept in the evidence: its last part when long (errors come last)."""
    return output if len(output) <= OUTPUT_CHARS else "…" + output[-(OUTPUT_CHARS - 1):]


def tick(heartbeat, state: HeartbeatState, now: datetime, *, rules: Rules = Rules()) -> Step:
    """Check for lateness at `now`; the engine calls this at `next_deadline()`."""
    if state.watching_since is None and state.last_ping_at is None:
        return Step(replace(state, watching_since=now))
    deadline = next_deadline(heartbeat, state, now)
    if deadline is None or now < deadline:
        return Step(state)
    return _go_down(heartbeat, state, _late_cause(heartbeat, state, now), now, rules, [])


def expectation(period: float | None, schedule: str | None, timezone: str, grace: float) -> str:
    """What a heartbeat waits for, in words: `every 10s, grace 5s` or
    `cron 30 2 * * * Europe/Berlin, grace 30m`."""
    graced = f", grace {human_duration(grace)}" if grace else ""
    if schedule:
        return f"cron {schedule} {timezone}{graced}"
    return f"every {human_duration(period)}{graced}" if period else "no period or schedule"


def next_expected(heartbeat, state: HeartbeatState, now: datetime) -> datetime | None:
    """When the next success ping is due (in the past when late); None without period or schedule."""
    anchor = state.last_ping_at or state.watching_since or now
    if heartbeat.schedule:
        return scheduled_after(heartbeat.schedule, heartbeat.timezone, anchor)
    if heartbeat.period:
        return anchor + timedelta(seconds=heartbeat.period)
    return None


def next_deadline(heartbeat, state: HeartbeatState, now: datetime) -> datetime | None:
    """When `tick()` would find the heartbeat down; None while down (only a ping changes that)."""
    if state.status == "down":
        return None
    if state.watching_since is None and state.last_ping_at is None:
        return now  # start the clock at once
    grace = timedelta(seconds=heartbeat.grace)
    deadlines = []
    expected = next_expected(heartbeat, state, now)
    if expected is not None:
        deadlines.append(expected + grace)
    if state.last_start_at is not None:
        deadlines.append(state.last_start_at + grace)
    return min(deadlines, default=None)


def scheduled_after(schedule: str, timezone: str, after: datetime) -> datetime | None:
    """The first time of a cron schedule strictly after `after`, read in `timezone`; in UTC."""
    try:
        return next(CronSim(schedule, after.astimezone(ZoneInfo(timezone)))).astimezone(UTC)
    except StopIteration:  # no match within cronsim's 50-year horizon
        return None


def _late_cause(heartbeat, state: HeartbeatState, now: datetime) -> str:
    grace = timedelta(seconds=heartbeat.grace)
    if state.last_start_at is not None and now >= state.last_start_at + grace:
        return f"started at {iso(state.last_start_at)} and did not finish within {heartbeat.grace:g}s"
    expected = next_expected(heartbeat, state, now)
    return f"no ping by {iso(expected)} (+{heartbeat.grace:g}s grace)"


def _go_down(heartbeat, state: HeartbeatState, cause: str, now: datetime, rules: Rules,
             actions: list, evidence: tuple = ()) -> Step:
    actions.append(HeartbeatDown(cause))
    incident = state.incident
    if not (incident and incident.open):  # never two open incidents for one heartbeat
        incident, more = start_incident(incident, "down", f"{heartbeat.name} down", "critical",
                                        cause, evidence, now, rules.reopen_window)
        actions += more
    return Step(replace(state, status="down", incident=incident), tuple(actions))
