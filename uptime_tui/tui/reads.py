"""Where the console's reads come from: the database here, or the API of an engine elsewhere.

Every read the console makes (the four panes, the monitors' results, the three detail screens,
the audit log's pages and its CSV export) goes through one `ConsoleReads`, which the CLI picks
and the App holds (`app.reads`). `LocalReads` runs the read layer's queries (queries/) through
`queries.pool.read`, as the console always did. `HttpReads` asks a listener's
`GET /api/v1/console/...` and `GET /api/v1/audit` (api/console_reads.py, api/audit.py), which
answer `queries.wire.to_wire` of those very queries, and reads them back with `from_wire` into the
same dataclasses: a console started with `--connect` on a laptop with no database shows what an
embedded one shows. Both are called from the console's thread workers (they block), and a read
that fails raises, so the one failed-read handler (failed_reads.py) toasts and retries;
HttpReads' exceptions say which request failed and how.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, NamedTuple, Protocol, TextIO

import httpx

from uptime_tui import audit
from uptime_tui.queries import audit as audit_log
from uptime_tui.queries import dashboard
from uptime_tui.queries import events as event_queries
from uptime_tui.queries import heartbeat_detail as heartbeat_queries
from uptime_tui.queries.dashboard import (HeartbeatRow, IncidentDetail, IncidentRow, MonitorDetail, MonitorRow,
                                          MonitorStats)
from uptime_tui.queries.events import EventRow
from uptime_tui.queries.heartbeat_detail import HeartbeatDetail
from uptime_tui.queries.pool import read
from uptime_tui.queries.wire import from_wire

API_PAGE_LIMIT = 100  # the most entries GET /api/v1/audit gives in one page


class AuditPage(NamedTuple):
    """A page of audit entries, newest first, and the cursor of the next older page (None: the last)."""

    entries: list[dict]
    next_before_id: int | None


class ConsoleReads(Protocol):
    """Every read the console makes; each blocks (call it from a thread worker) and raises on failure."""

    def monitor_rows(self, config, now: datetime) -> list[MonitorRow]: ...
    def monitor_stats(self, now: datetime) -> dict[int, MonitorStats]: ...
    def heartbeats(self, config, now: datetime) -> list[HeartbeatRow]: ...
    def incidents(self, now: datetime) -> list[IncidentRow]: ...
    def events(self) -> list[EventRow]: ...
    def incident_detail(self, incident_id: int) -> IncidentDetail | None: ...
    def monitor_detail(self, monitor_id: int) -> MonitorDetail | None: ...
    def heartbeat_detail(self, heartbeat_id: int) -> HeartbeatDetail | None: ...
    def audit_page(self, criteria: audit.Filter, limit: int, before_id: int | None) -> AuditPage: ...
    def export_audit(self, criteria: audit.Filter, stream: TextIO) -> int: ...
    def close(self) -> None: ...


class LocalReads:
    """The console's own database, through the read layer (modules are looked up at each call, so a
    test that replaces a query reaches it)."""

    def monitor_rows(self, config, now: datetime) -> list[MonitorRow]:
        return read(dashboard.load_monitor_rows, config, now)

    def monitor_stats(self, now: datetime) -> dict[int, MonitorStats]:
        return read(dashboard.load_monitor_stats, now)

    def heartbeats(self, config, now: datetime) -> list[HeartbeatRow]:
        return read(dashboard.load_heartbeats, config, now)

    def incidents(self, now: datetime) -> list[IncidentRow]:
        return read(dashboard.load_incidents, now)

    def events(self) -> list[EventRow]:
        return read(event_queries.load_events)

    def incident_detail(self, incident_id: int) -> IncidentDetail | None:
        return read(dashboard.incident_detail, incident_id)

    def monitor_detail(self, monitor_id: int) -> MonitorDetail | None:
        return read(dashboard.monitor_detail, monitor_id)

    def heartbeat_detail(self, heartbeat_id: int) -> HeartbeatDetail | None:
        return read(heartbeat_queries.heartbeat_detail, heartbeat_id)

    def audit_page(self, criteria: audit.Filter, limit: int, before_id: int | None) -> AuditPage:
        page = read(audit_log.page, criteria, limit, before_id)
        return AuditPage(list(page), page.next_before_id)

    def export_audit(self, criteria: audit.Filter, stream: TextIO) -> int:
        return audit.write_csv(audit_log.iter_entries(criteria), stream)

    def close(self) -> None:
        pass


class RemoteReadFailed(Exception):
    """A read over HTTP failed; the message says which request and why (for the toast)."""


def filter_params(criteria: audit.Filter) -> dict[str, str]:
    """An audit.Filter as GET /api/v1/audit's query parameters (read back by audit.parse_filter)."""
    params = {}
    for key in audit.FILTER_KEYS:
        value = getattr(criteria, key)
        if value is not None:
            params[key] = value.isoformat() if isinstance(value, datetime) else str(value)
    return params


class HttpReads:
    """The reads of a console attached with `--connect`: the listener's API, with the key.

    The engine's config and clock stand for the console's (it has neither database nor config):
    the `config` and `now` arguments are not sent. One httpx client, shared by the worker threads.
    """

    def __init__(self, url: str, key: str, timeout: float = 10.0, transport: httpx.BaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {key}"},
                                    timeout=httpx.Timeout(timeout, connect=5.0), transport=transport)

    def _get(self, path: str, params: dict | None = None, missing: bool = False, csv_text: bool = False) -> Any:
        """The JSON (or CSV text) at `path`; None for a 404 when `missing` is allowed."""
        headers = {"Accept": "text/csv"} if csv_text else None
        try:
            response = self._client.get(path, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise RemoteReadFailed(f"cannot reach {self.url} (GET {path}): {exc or type(exc).__name__}") from exc
        if response.status_code == 404 and missing:
            return None
        if response.status_code != 200:
            raise RemoteReadFailed(f"GET {path} answered HTTP {response.status_code}: {_reason(response)}")
        if csv_text:
            return response.text
        try:
            return response.json()
        except ValueError:
            raise RemoteReadFailed(f"GET {path} answered something that is not JSON") from None

    def monitor_rows(self, config, now: datetime) -> list[MonitorRow]:
        return from_wire(list[MonitorRow], self._get("/api/v1/console/monitors"))

    def monitor_stats(self, now: datetime) -> dict[int, MonitorStats]:
        return from_wire(dict[int, MonitorStats], self._get("/api/v1/console/monitor-stats"))

    def heartbeats(self, config, now: datetime) -> list[HeartbeatRow]:
        return from_wire(list[HeartbeatRow], self._get("/api/v1/console/heartbeats"))

    def incidents(self, now: datetime) -> list[IncidentRow]:
        return from_wire(list[IncidentRow], self._get("/api/v1/console/incidents"))

    def events(self) -> list[EventRow]:
        return from_wire(list[EventRow], self._get("/api/v1/console/events"))

    def incident_detail(self, incident_id: int) -> IncidentDetail | None:
        return from_wire(IncidentDetail, self._get(f"/api/v1/console/incidents/{incident_id}", missing=True))

    def monitor_detail(self, monitor_id: int) -> MonitorDetail | None:
        return from_wire(MonitorDetail, self._get(f"/api/v1/console/monitors/{monitor_id}", missing=True))

    def heartbeat_detail(self, heartbeat_id: int) -> HeartbeatDetail | None:
        return from_wire(HeartbeatDetail, self._get(f"/api/v1/console/heartbeats/{heartbeat_id}", missing=True))

    def audit_page(self, criteria: audit.Filter, limit: int, before_id: int | None) -> AuditPage:
        params = filter_params(criteria) | {"limit": str(min(limit, API_PAGE_LIMIT))}
        if before_id is not None:
            params["before_id"] = str(before_id)
        answer = self._get("/api/v1/audit", params)
        return AuditPage(list(answer["entries"]), answer.get("next_before_id"))

    def export_audit(self, criteria: audit.Filter, stream: TextIO) -> int:
        """The API's CSV export, written to `stream`; how many entries it holds."""
        text = self._get("/api/v1/audit", filter_params(criteria), csv_text=True)
        stream.write(text)
        return max(0, sum(1 for _ in csv.reader(io.StringIO(text))) - 1)  # less the header

    def close(self) -> None:
        self._client.close()


def _reason(response: httpx.Response) -> str:
    """The API's `{"error": ...}`, else the status's name."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    return str(error) if error else response.reason_phrase or "no reason given"
