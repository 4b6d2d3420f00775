"""Shared by the notification tests: a real HTTP receiver on 127.0.0.1, incident and event rows.

The receiver is a ThreadingHTTPServer in a thread of its own, so async and plain tests (and the
CLI, which runs its own event loop) can all talk to it; it can be stopped and started again on the
same port to play a receiver that is down for a while.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from uptime_tui.checks.http import HttpSpec
from uptime_tui.notify.channels.apprise import AppriseSpec
from uptime_tui.notify.channels.webhook import WebhookSpec
from uptime_tui import config as cfg
from uptime_tui import events
from uptime_tui.notify import enqueue
from uptime_tui.store.models import Event, Incident, IncidentEvidence, Monitor, NotificationDelivery

from support.network import free_port  # noqa: F401 (the notification tests take it from here)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
CTX = events.Context("org", "team")


@dataclass
class Received:
    path: str
    headers: object  # http.client.HTTPMessage: .get() ignores case
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """Records every POST; answers `status_for[path]`, else 503 to the next `flaky` requests
    (after recording them: a receiver that got the message but whose answer was lost), else 200."""

    port: int = field(default_factory=free_port)
    requests: list = field(default_factory=list)
    status_for: dict = field(default_factory=dict)
    flaky: int = 0
    server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    receiver.requests.append(Received(self.path, self.headers, body))  # case-insensitive
                    status = receiver.status_for.get(self.path.split("?")[0])
                    if status is None and receiver.flaky > 0:
                        receiver.flaky -= 1
                        status = 503
                self.send_response(status or 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def on(self, path: str) -> list[Received]:
        return [r for r in list(self.requests) if r.path.split("?")[0] == path]

    def url(self, path: str, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"


def monitor_config(key: str, channels=(), group=None, policy=None) -> cfg.Monitor:
    return cfg.Monitor(id=key, name=f"Web {key}", type="http", spec=HttpSpec("http://127.0.0.1:9/"),
                       channels=tuple(channels), group=group, policy=policy)


def make_config(monitors=(), channels=(), policies=(), heartbeats=()) -> cfg.Config:
    return cfg.Config("test.yaml", cfg.Settings(organization_id="org", team_id="team"), tuple(monitors),
                      tuple(heartbeats), tuple(channels), tuple(policies))


def webhook_channel(cid: str, url: str, secret: str | None = "s3cret-signing-key", **kw) -> cfg.Channel:
    return cfg.Channel(id=cid, kind="webhook", spec=WebhookSpec(url=url, secret=secret, headers={"X-Team": "ops"}),
                       **kw)


def apprise_channel(cid: str, *urls: str, **kw) -> cfg.Channel:
    return cfg.Channel(id=cid, kind="apprise", spec=AppriseSpec(urls), **kw)


def add_monitors(config: cfg.Config, now=NOW) -> dict[str, int]:
    """Monitor rows for the config's monitors (insert_many: thousands in a blink); key -> row id."""
    rows = [{"key": m.id, "name": m.name, "type": m.type, "target": m.target, "definition": {"id": m.id},
             "paused": False, "state": {}, "created_at": now, "updated_at": now} for m in config.monitors]
    for start in range(0, len(rows), 500):
        Monitor.insert_many(rows[start:start + 500]).execute()
    return dict(Monitor.select(Monitor.key, Monitor.id).tuples())


def monitor_ref(key: str, row_id: int) -> events.MonitorRef:
    return events.MonitorRef(row_id, f"Web {key}", "http://127.0.0.1:9/", "status")


def open_incident(key: str, row_id: int, now=NOW, *, group_id=None, leader=False, flapping=False,
                  snoozed_until=None, evidence=0) -> Incident:
    kind = "flapping" if flapping else "down"
    # The database keeps one open incident of a kind per monitor: an earlier one has ended.
    Incident.update(active=False).where(Incident.resource_id == row_id, Incident.type == kind,
                                        Incident.active == True).execute()  # noqa: E712 (peewee)
    incident = Incident.create(
        type="flapping" if flapping else "down", name=f"Web {key} down", resource_type="monitor",
        resource_id=row_id, resource_key=key, resource_name=f"Web {key}", cause="HTTP 503", status="critical",
        severity="critical", active=True, flapping=flapping, maintenance=False, snoozed_until=snoozed_until,
        snooze_cancel_on_updates=True, escalation_level=0, group_id=group_id, group_key="edge" if group_id or leader else None,
        started_at=now, updated_at=now, created_at=now)
    if leader:
        incident.group_id = incident.id
        Incident.update(group_id=incident.id).where(Incident.id == incident.id).execute()
    for i in range(evidence):
        IncidentEvidence.create(incident=incident, region="local", timestamp=now - timedelta(seconds=30 * (evidence - i)),
                                status_code=503, ttfb_ms=120.0)
    return incident


def store(payloads: list[dict], now=NOW) -> list[tuple[Event, dict]]:
    """Event rows for payloads, as engine/step_store.py stores them."""
    return [(Event.create(name=p["event"], dt=now, incident=p.get("incident_id"), resource_type=p.get("resource_type"),
                          resource_id=p.get("resource_id"), payload=p), p) for p in payloads]


def incident_ref(incident: Incident, key: str, row_id: int) -> events.IncidentRef:
    return events.IncidentRef.of(incident.id, incident.name, monitor_ref(key, row_id))


def start_incident(config, key: str, row_id: int, now=NOW, **kw) -> tuple[Incident, int]:
    """Open an incident with its incident.started event (plus incident.grouped for a group member)
    and enqueue them, all in the caller's transaction; returns (incident, rows enqueued)."""
    incident = open_incident(key, row_id, now, **kw)
    ref = incident_ref(incident, key, row_id)
    payloads = [events.incident_started(CTX, now, ref, cause="HTTP 503", regions=["local"])]
    if incident.group_id is not None and incident.group_id != incident.id:
        payloads.append(events.incident_grouped(CTX, now, ref, incident.group_id))
    return incident, enqueue(config, store(payloads, now), now)


def states() -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in NotificationDelivery.select(NotificationDelivery.state):
        counts[row.state] = counts.get(row.state, 0) + 1
    return counts


async def eventually(condition, timeout: float = 15.0, interval: float = 0.05) -> bool:
    """Poll `condition()` (sync) until true or `timeout` seconds pass; bounded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(condition):
            return True
        await asyncio.sleep(interval)
    return bool(await asyncio.to_thread(condition))


def wait_until(condition, timeout: float = 15.0, interval: float = 0.05) -> bool:
    """`eventually` for plain (non-async) tests."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


def start_group(config, members: list[tuple[str, int]], leader_id: int, now) -> int:
    """Open incidents of group members with their incident.started and incident.grouped events in
    bulk (insert_many) and enqueue them in one call, inside the caller's transaction."""
    from peewee import fn

    before = Incident.select(fn.MAX(Incident.id)).scalar() or 0
    Incident.insert_many([{
        "type": "down", "name": f"Web {key} down", "resource_type": "monitor", "resource_id": row_id,
        "resource_key": key, "resource_name": f"Web {key}", "cause": "timeout", "status": "critical",
        "severity": "critical", "active": True, "flapping": False, "maintenance": False,
        "snooze_cancel_on_updates": True, "escalation_level": 0, "group_key": "edge", "group_id": leader_id,
        "started_at": now, "updated_at": now, "created_at": now} for key, row_id in members]).execute()
    payloads = []
    for incident in Incident.select().where(Incident.id > before).order_by(Incident.id):
        ref = incident_ref(incident, incident.resource_key, incident.resource_id)
        payloads += [events.incident_started(CTX, now, ref, cause="timeout", regions=["local"]),
                     events.incident_grouped(CTX, now, ref, leader_id)]
    first_event = (Event.select(fn.MAX(Event.id)).scalar() or 0) + 1
    Event.insert_many([{"name": p["event"], "dt": now, "incident": p["incident_id"], "resource_type": "monitor",
                        "resource_id": p["resource_id"], "payload": p} for p in payloads]).execute()
    rows = list(Event.select(Event.id).where(Event.id >= first_event).order_by(Event.id))
    return enqueue(config, list(zip(rows, payloads)), now)
