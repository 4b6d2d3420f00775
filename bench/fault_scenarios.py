"""The secondary faults of bench/faults.py; each takes a started-from-scratch `Rig` and returns its
rows (the rig's `finish()` rows last: exit code at SIGTERM, audit verify, results lost, log).

- pg-outage: targets go down while the engine's PostgreSQL connections are terminated every
  0.5 s for 15 s; the engine should reconnect, keep (or at least not crash on) its results and
  open every incident once the database is back.
- idle-flood: `serve` with a soft RLIMIT_NOFILE of 1,024 gets 1,100 idle TCP connections to its
  listener for 30 s while its targets are up: nothing should open, the API and pings should
  answer, the log should not flood.
- sqlite-lock: another process holds BEGIN EXCLUSIVE on the SQLite file for 20 s while the
  targets go down: how many results are lost and how late the incidents open.
"""

from __future__ import annotations

import os
import resource
import select
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime, timezone

from bench.fault_checks import Row
from bench.fault_support import as_utc, track, utc_now

TOKEN = "faults-heartbeat-token-0001"
IDLE_CONNECTIONS = 1100
FILE_LIMIT = 1024
OUTAGE_SECONDS = 15.0
FLOOD_SECONDS = 30.0
LOCK_SECONDS = 20.0
EXPECTED_OPEN = 2.0  # seconds from failing targets to an incident: 2 failed checks 1 s apart


def rig_options(scenario: str) -> dict:
    if scenario == "idle-flood":
        return {"file_limit": FILE_LIMIT, "heartbeat_token": TOKEN}
    return {}


def run(scenario: str, rig, args) -> list[Row]:
    return {"pg-outage": pg_outage, "idle-flood": idle_flood, "sqlite-lock": sqlite_lock}[scenario](rig, args)


def _time_param(store, moment: datetime):
    naive = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return naive if store.kind == "postgres" else naive.isoformat(sep=" ")


def _results_between(store, start: datetime, end: datetime | None = None) -> int:
    if end is None:
        return store.scalar("SELECT COUNT(*) FROM check_result WHERE checked_at >= ?", (_time_param(store, start),))
    return store.scalar("SELECT COUNT(*) FROM check_result WHERE checked_at >= ? AND checked_at < ?",
                        (_time_param(store, start), _time_param(store, end)))


def _wait_incidents(rig, count: int, timeout: float) -> float | None:
    """Seconds until `count` incidents exist (None: not within `timeout`)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if rig.incidents() >= count:
            return time.monotonic() - started
        time.sleep(0.25)
    return None


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f}"


def _end(rig, rows: list[Row], args) -> list[Row]:
    rig.targets.set_all(True)
    settled = rig.settle(args.settle) if rig.serve.alive() else None
    return rows + rig.finish(settle=-1 if settled is None else settled)


# --- pg-outage ----------------------------------------------------------------------------------

def pg_outage(rig, args) -> list[Row]:
    monitors = len(rig.targets.up)
    rig.start()
    time.sleep(3)
    start, hits_before = utc_now(), sum(rig.targets.hits)
    rig.targets.set_all(False)
    terminated, began = 0, time.monotonic()
    while time.monotonic() - began < OUTAGE_SECONDS:
        try:
            terminated += rig.store.terminate_engine_connections()
        except Exception as exc:
            print(f"  (could not terminate connections: {exc})")
        time.sleep(0.5)
    end, hits_during = utc_now(), sum(rig.targets.hits) - hits_before
    opened_during = rig.incidents()
    took = _wait_incidents(rig, monitors, 30.0)
    time.sleep(3)
    during, after = _results_between(rig.store, start, end), _results_between(rig.store, end)
    rows = [
        Row("engine connections terminated", terminated),
        Row("checks answered during the outage", hits_during),
        Row("results stored from the outage", during),
        Row("results of the outage lost (1/monitor slack)", max(0, hits_during - during),
            hits_during - during > monitors),
        Row("results stored after it (until all open + 3 s)", after, after == 0),
        Row("incidents opened during the outage", opened_during),
        Row(f"incidents opened after it (of {monitors})", rig.incidents(), rig.incidents() < monitors),
        Row("seconds after the outage until all open", _seconds(took), took is None),
        Row("serve still running after the outage", rig.serve.alive(), not rig.serve.alive()),
    ]
    return _end(rig, rows, args)


# --- idle-flood ---------------------------------------------------------------------------------

def _open_idle(port: int, count: int) -> tuple[list[socket.socket], int]:
    """Non-blocking connects to the listener, 50 at a time so that its accept backlog (128) never
    overflows (an overflow drops the handshake's last ACK: the client then believes in a
    connection the server never had); (sockets, how many were established within 10 s)."""
    sockets = []
    for n in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        sockets.append(s)
        if n % 50 == 49:
            time.sleep(0.05)
    pending, established, deadline = set(sockets), 0, time.monotonic() + 10
    poller = select.poll()
    for s in pending:
        poller.register(s, select.POLLOUT)
    while pending and time.monotonic() < deadline:
        for fd, _ in poller.poll(200):
            s = next(x for x in pending if x.fileno() == fd)
            poller.unregister(s)
            pending.discard(s)
            established += s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
    return sockets, established


def _open_files(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def _status(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return str(response.status)
    except urllib.error.HTTPError as exc:
        return str(exc.code)
    except Exception as exc:  # timeout, reset, refused: the kind is the answer
        reason = getattr(exc, "reason", exc)
        return "timeout" if "timed out" in str(reason) else type(reason).__name__


def _ratio(statuses: list[str]) -> str:
    return f"{statuses.count('200')} of {len(statuses)}"


def _tally(statuses: list[str]) -> str:
    return " ".join(f"{k}x{n}" for k, n in Counter(statuses).most_common())


def idle_flood(rig, args) -> list[Row]:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # this script needs ~1,200 files itself
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    rig.start()
    time.sleep(3)
    base = f"http://127.0.0.1:{rig.listen}"
    api, ping = f"{base}/api/openapi.json", f"{base}/ping/{TOKEN}"
    before = (_status(api), _status(ping))
    incidents, size = rig.incidents(), rig.log.stat().st_size
    start, hits_before = utc_now(), sum(rig.targets.hits)
    sockets, established = _open_idle(rig.listen, IDLE_CONNECTIONS)
    api_codes, ping_codes, files, began = [], [], [], time.monotonic()
    try:
        while time.monotonic() - began < FLOOD_SECONDS:
            files.append(_open_files(rig.serve.process.pid))
            api_codes.append(_status(api))
            ping_codes.append(_status(ping))
            time.sleep(2)
        during_incidents = rig.incidents() - incidents
        growth = rig.log.stat().st_size - size
        hits, stored = sum(rig.targets.hits) - hits_before, _results_between(rig.store, start)
    finally:
        for s in sockets:
            s.close()
    time.sleep(3)
    after = (_status(api), _status(ping))
    rows = [
        Row("API / ping before the flood", " / ".join(before)),
        Row(f"idle connections established (of {IDLE_CONNECTIONS})", established),
        Row(f"serve's open files, most seen (limit {FILE_LIMIT})", max(files, default=-1)),
        Row("API answered 200 during the flood", _ratio(api_codes), "200" not in api_codes),
        Row("ping answered 200 during the flood", _ratio(ping_codes), "200" not in ping_codes),
        Row("incidents opened during the flood", during_incidents, during_incidents > 0),
        Row("checks answered / results stored (flood)", f"{hits} / {stored}"),
        Row("log growth during the flood (bytes)", growth, growth > 100_000),
        Row("API / ping 3 s after closing them", " / ".join(after), after != ("200", "200")),
        Row("serve still running", rig.serve.alive(), not rig.serve.alive()),
    ]
    print(f"  [{rig.store.label}] during the flood, API: {_tally(api_codes)}; ping: {_tally(ping_codes)}")
    return _end(rig, rows, args)


# --- sqlite-lock --------------------------------------------------------------------------------

LOCKER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("ROLLBACK")
print("released", flush=True)
"""


def sqlite_lock(rig, args) -> list[Row]:
    monitors = len(rig.targets.up)
    rig.start()
    time.sleep(3)
    hits_before, results_before = sum(rig.targets.hits), rig.results()
    locker = track(subprocess.Popen([sys.executable, "-c", LOCKER, str(rig.store.path), str(LOCK_SECONDS)],
                                    stdout=subprocess.PIPE, text=True))
    waited = time.monotonic()
    if locker.stdout.readline().strip() != "locked":
        raise RuntimeError("the locker could not take the lock")
    lock_wait = time.monotonic() - waited
    locked = time.monotonic()
    time.sleep(1)
    flip_at, flipped = utc_now(), time.monotonic()
    rig.targets.set_all(False)
    first = all_open = None
    while time.monotonic() - flipped < LOCK_SECONDS + 40 and all_open is None:
        count = rig.incidents()
        now = time.monotonic() - flipped
        first = now if first is None and count > 0 else first
        all_open = now if count >= monitors else None
        time.sleep(0.25)
    locker.wait(LOCK_SECONDS + 30)
    held, hits_locked = time.monotonic() - locked, sum(rig.targets.hits) - hits_before
    starts = [as_utc(s) for (s,) in rig.store.query("SELECT started_at FROM incident")]
    lateness = [(s - flip_at).total_seconds() for s in starts]
    time.sleep(2)
    hits, results = sum(rig.targets.hits) - hits_before, rig.results() - results_before
    rows = [
        Row("lock: waited for it / held (s)", f"{lock_wait:.1f} / {held:.1f}"),
        Row(f"incidents opened (of {monitors})", len(starts), len(starts) < monitors),
        Row("first / all visible after the flip (s)", f"{_seconds(first)} / {_seconds(all_open)}"),
        Row("expected visible after (s)", f"~{EXPECTED_OPEN:g}"),
        Row("started_at - flip: median / max (s)",
            f"{statistics.median(lateness):.1f} / {max(lateness):.1f}" if lateness else "-"),
        Row("checks run while locked (of ~monitors x s)", f"{hits_locked} of ~{int(monitors * held)}"),
        Row("checks answered / results stored (since lock)", f"{hits} / {results}"),
        Row("results lost (since lock)", max(0, hits - results), hits - results > 0),
        Row("serve still running", rig.serve.alive(), not rig.serve.alive()),
    ]
    return _end(rig, rows, args)
