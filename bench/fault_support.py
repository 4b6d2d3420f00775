"""What bench/faults.py runs its faults against: real processes and real servers on 127.0.0.1.

- the code under test: a snapshot of the package that every child imports (`snapshot_code`);
- `Store`: a fresh database: a SQLite file, or a schema of its own on PostgreSQL (as the tests'
  conftest does), with read-only queries for the checks and the engine's connections named by
  `application_name` so a fault can cut them without touching anyone else's.
- `Serve`: `uptime-tui serve` as a subprocess, restarted any number of times, its output appended
  to one log; `stop_all()` kills whatever is still running.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from bench.fault_servers import Receiver, Targets

REPO = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("UPTIME_TUI_TEST_PG") or "postgresql://postgres@127.0.0.1:5432/test"
CODE = REPO  # the folder `uptime_tui` is imported from by every child; see snapshot_code()
READY_MARK = "serving "  # the line `serve` logs once the engine and its listener run
_running: list[subprocess.Popen] = []  # every child still to be reaped, for stop_all()


def snapshot_code(directory: Path, revision: str = "tree") -> str:
    """Copy the package to run into `directory` and point every child at it, so that edits made to
    the working tree during a run (others work in it too) cannot change the code mid-run.
    `revision` "tree" copies the working tree as it is now, else `git archive` of that revision
    (read-only: nothing in the repository changes). Returns a description of the code."""
    global CODE
    directory.mkdir(parents=True, exist_ok=True)
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD" if revision == "tree" else revision],
                          capture_output=True, text=True, check=False).stdout.strip()
    if revision == "tree":
        shutil.copytree(REPO / "uptime_tui", directory / "uptime_tui", ignore=shutil.ignore_patterns("__pycache__"))
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "uptime_tui"],
                               capture_output=True, text=True, check=False).stdout.strip()
        described = f"working tree (HEAD {head or '?'}{' + uncommitted changes' if dirty else ''})"
    else:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", revision, "uptime_tui"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(directory)], input=archive, check=True)
        described = f"git {revision} ({head})"
    CODE = directory
    where = subprocess.run([sys.executable, "-c", "import uptime_tui; print(uptime_tui.__file__)"], cwd=CODE,
                           env=_child_env(), capture_output=True, text=True, check=False).stdout.strip()
    if not where.startswith(str(directory)):
        raise RuntimeError(f"the children would import uptime_tui from {where or '?'}, not the snapshot")
    return described


def _child_env() -> dict:
    return os.environ | {"PYTHONPATH": str(CODE)}


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value) -> datetime | None:
    """A timestamp column (naive UTC text on SQLite, naive datetime on PostgreSQL) as aware UTC."""
    if value is None or isinstance(value, datetime):
        return value and (value if value.tzinfo else value.replace(tzinfo=timezone.utc))
    return datetime.fromisoformat(str(value)).replace(tzinfo=timezone.utc)


class Store:
    """A fresh database for one run; `query()` reads it with a short-lived connection."""

    def __init__(self, kind: str, directory: Path):
        self.kind = kind
        self.app = f"faults_{uuid.uuid4().hex[:10]}"  # the engine's application_name, and the schema
        if kind == "sqlite":
            self.path = directory / "uptime.db"
            self.url = str(self.path)
            return
        import psycopg2

        self.schema = self.app
        admin = psycopg2.connect(PG_URL, connect_timeout=5)
        admin.autocommit = True
        admin.cursor().execute(f"CREATE SCHEMA {self.schema}")
        admin.close()
        separator = "&" if "?" in PG_URL else "?"
        self.url = (f"{PG_URL}{separator}application_name={self.app}"
                    f"&options={quote(f'-c search_path={self.schema}')}")

    def query(self, sql: str, params=()) -> list[tuple]:
        """Rows of a read (`?` placeholders on both engines)."""
        if self.kind == "sqlite":
            if not self.path.exists():
                return []
            with closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)) as connection:
                return connection.execute(sql, params).fetchall()
        import psycopg2

        connection = psycopg2.connect(PG_URL, connect_timeout=5, application_name="faults_reader")
        try:
            cursor = connection.cursor()
            cursor.execute(f"SET search_path TO {self.schema}")
            if params:
                cursor.execute(sql.replace("%", "%%").replace("?", "%s"), params)
            else:
                cursor.execute(sql)
            return cursor.fetchall()
        finally:
            connection.close()

    def scalar(self, sql: str, params=(), default=0):
        try:
            rows = self.query(sql, params)
        except Exception:  # the table may not exist yet (killed before its migration)
            return default
        return rows[0][0] if rows and rows[0][0] is not None else default

    def terminate_engine_connections(self) -> int:
        """pg_terminate_backend on the engine's connections (only those of this run); how many."""
        import psycopg2

        connection = psycopg2.connect(PG_URL, connect_timeout=5)
        connection.autocommit = True
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND pid <> pg_backend_pid() AND application_name = %s",
                           (self.app,))
            return sum(1 for (done,) in cursor.fetchall() if done)
        finally:
            connection.close()

    def drop(self) -> None:
        if self.kind != "postgres":
            return
        import psycopg2

        admin = psycopg2.connect(PG_URL, connect_timeout=5)
        admin.autocommit = True
        try:
            self.terminate_engine_connections()
            admin.cursor().execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        finally:
            admin.close()

    @property
    def label(self) -> str:
        return "SQLite" if self.kind == "sqlite" else "PostgreSQL"


def write_config(path: Path, targets: Targets, count: int, receiver: Receiver, listen_port: int,
                 heartbeat_token: str | None = None) -> Path:
    """`count` http monitors on 1 s, 2 failures to open and 2 successes to resolve, each sending
    every incident event to the receiver without a storm limit (no digests)."""
    # The shortest lease: a serve restarted after a kill -9 waits for the killed one's to expire.
    settings = (f"{{listen: '127.0.0.1:{listen_port}', organization_id: faults, team_id: bench, region: local, "
                "lease: 3s}")
    lines = [f"settings: {settings}", "monitors:"]
    lines += [f"  - {{id: t{i:02}, name: T{i:02}, type: http, url: '{targets.url(i)}', interval: 1s, "
              f"timeout: 900ms, confirmation: 2, recovery: 2, channels: [hook]}}" for i in range(count)]
    if heartbeat_token:
        lines += ["heartbeats:", f"  - {{id: job, name: Job, period: 1h, grace: 1h, token: {heartbeat_token}}}"]
    hook = f"{{url: '{receiver.url()}', secret: {receiver.secret}}}"
    lines += ["channels:", f"  - {{id: hook, webhook: {hook}, events: ['incident.*'], min_interval: 0s, timeout: 5s}}"]
    path.write_text("\n".join(lines) + "\n")
    check = subprocess.run([sys.executable, "-m", "uptime_tui", "check-config", str(path)], cwd=CODE,
                           env=_child_env(), capture_output=True, text=True, timeout=60, check=False)
    if check.returncode != 0:
        raise RuntimeError(f"the generated config is refused: {check.stderr.strip()}")
    return path


# Sets the soft RLIMIT_NOFILE, then becomes `serve` (same pid). Not preexec_fn: the bench has
# server threads running, and preexec_fn is not safe with threads.
LIMITED = ("import os, resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[1]), "
           "resource.getrlimit(resource.RLIMIT_NOFILE)[1])); os.execv(sys.executable, [sys.executable, *sys.argv[2:]])")


class Serve:
    """`uptime-tui serve --config C --db URL`, one process at a time, output appended to `log`;
    with `file_limit`, its soft RLIMIT_NOFILE is set to that."""

    def __init__(self, config: Path, db_url: str, log: Path, file_limit: int | None = None):
        self.command = [sys.executable, "-m", "uptime_tui", "serve", "--config", str(config), "--db", db_url]
        if file_limit:
            self.command = [sys.executable, "-c", LIMITED, str(file_limit), *self.command[1:]]
        self.log = log
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self._offset = 0

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "still running"
        self.starts += 1
        with self.log.open("a") as out:
            out.write(f"=== faults: start {self.starts} at {utc_now().isoformat()} ===\n")
            self._offset = out.tell()
            self.process = subprocess.Popen(self.command, cwd=CODE, env=_child_env(), stdin=subprocess.DEVNULL,
                                            stdout=out, stderr=subprocess.STDOUT)
        _running.append(self.process)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ready(self) -> bool:
        """Running, and this start has logged that it serves."""
        if not self.alive():
            return False
        with self.log.open() as log:
            log.seek(self._offset)
            return READY_MARK in log.read()

    def wait_ready(self, timeout: float = 30.0) -> bool:
        """Until this start logged that it serves (False: it died or took longer)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.log.open() as log:
                log.seek(self._offset)
                if READY_MARK in log.read():
                    return True
            if not self.alive():
                return False
            time.sleep(0.05)
        return False

    def kill(self) -> None:
        """SIGKILL, and reap it."""
        if self.alive():
            self.process.send_signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(10)

    def terminate(self, timeout: float = 30.0) -> int | str:
        """SIGTERM; the exit code, or 'hung' (then killed) when it did not stop within `timeout`."""
        if not self.alive():
            return self.process.returncode if self.process else "not running"
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return "hung"


def stop_all() -> None:
    """Kill every child still running (called in `finally`)."""
    for process in _running:
        if process.poll() is None:
            process.kill()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                pass
    _running.clear()


def track(process: subprocess.Popen) -> subprocess.Popen:
    """Register a helper child so stop_all() reaps it too."""
    _running.append(process)
    return process


def audit_verify(config: Path, db_url: str) -> tuple[int, str]:
    """`uptime-tui --config C --db URL audit verify`: (exit code, its last line)."""
    done = subprocess.run([sys.executable, "-m", "uptime_tui", "--config", str(config), "--db", db_url,
                           "audit", "verify"], cwd=CODE, env=_child_env(), capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL, check=False)
    lines = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode, lines[-1] if lines else ""


def log_counts(log: Path) -> dict:
    """Tracebacks and ERROR lines in a serve log, and its size."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return {"tracebacks": text.count("Traceback (most recent call last)"),
            "errors": sum(1 for line in text.splitlines() if " ERROR " in line),
            "bytes": len(text.encode())}


def first_error(log: Path) -> str:
    """The first ERROR line or exception message of a serve log (for the report)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    for line in text.splitlines():
        if " ERROR " in line or (line and not line[0].isspace() and "Error:" in line):
            return line[:160]
    return ""
