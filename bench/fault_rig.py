"""One fault run's rig: targets, receiver, a fresh database, a config and `serve`; torn down in
`close()` whatever happened (children killed, schema dropped, servers closed)."""

from __future__ import annotations

import time
from pathlib import Path

from bench.fault_checks import Row
from bench.fault_servers import Receiver, Targets, free_port
from bench.fault_support import (
    Serve,
    Store,
    audit_verify,
    first_error,
    log_counts,
    stop_all,
    write_config,
)


class Rig:
    def __init__(self, kind: str, monitors: int, directory: Path, *, file_limit=None, heartbeat_token=None):
        self.directory = directory
        self.store = Store(kind, directory)  # first: PostgreSQL may refuse, with nothing to undo
        self.targets = Targets(monitors)
        self.receiver = Receiver()
        self.listen = free_port()
        try:
            self.config = write_config(directory / "faults.yaml", self.targets, monitors, self.receiver,
                                       self.listen, heartbeat_token)
        except BaseException:
            self.close()
            raise
        self.log = directory / "serve.log"
        self.serve = Serve(self.config, self.store.url, self.log, file_limit)

    def close(self) -> None:
        stop_all()
        for closing in (self.targets.close, self.receiver.close, self.store.drop):
            try:
                closing()
            except Exception as exc:  # keep tearing down; say what could not be undone
                print(f"  (cleanup: {closing.__qualname__} failed: {exc})")

    def start(self, timeout: float = 60.0) -> None:
        self.serve.start()
        if not self.serve.wait_ready(timeout):
            raise RuntimeError(f"serve did not start within {timeout:g}s (see {self.log})")

    # --- reads ------------------------------------------------------------------------------------

    def open_incidents(self) -> int:
        return self.store.scalar("SELECT COUNT(*) FROM incident WHERE resolved_at IS NULL", default=-1)

    def incidents(self) -> int:
        return self.store.scalar("SELECT COUNT(*) FROM incident")

    def pending(self) -> int:
        return self.store.scalar("SELECT COUNT(*) FROM notification_delivery WHERE state = 'pending'", default=-1)

    def undelivered(self) -> int:
        """Started/resolved events stored that the receiver has not seen yet."""
        stored = {e for (e,) in self.store.query(
            "SELECT id FROM event WHERE name IN ('incident.started', 'incident.resolved')")}
        return len(stored - {d.event_id for d in self.receiver.deliveries})

    def results(self) -> int:
        return self.store.scalar("SELECT COUNT(*) FROM check_result")

    def settle(self, timeout: float) -> float | None:
        """Wait until no incident is open, no notification pending and every started/resolved
        event received; the seconds it took, or None when `timeout` passed first."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                if self.open_incidents() == 0 and self.pending() == 0 and self.undelivered() == 0:
                    return time.monotonic() - started
            except Exception:  # a read may meet a lock or a restart; try again
                pass
            if not self.serve.alive():
                return None
            time.sleep(0.5)
        return None

    # --- the end of every scenario ------------------------------------------------------------------

    def finish(self, settle: float | None = None) -> list[Row]:
        """SIGTERM (exit code 0 expected), `audit verify`, and the serve log's error counts."""
        exit_code = self.serve.terminate(30)
        verified, verdict = audit_verify(self.config, self.store.url)
        counts = log_counts(self.log)
        if error := first_error(self.log):
            print(f"  [{self.store.label}] first error in the serve log: {error}")
        hits, stored = sum(self.targets.hits), self.results()
        rows = []
        if settle is not None:
            rows.append(Row("settled (s) after the last fault", "never" if settle < 0 else f"{settle:.1f}", settle < 0))
        return rows + [
            Row("serve exit code at SIGTERM", exit_code, exit_code != 0),
            Row("audit verify exit code", verified, verified != 0),
            Row("checks answered by targets / results stored", f"{hits} / {stored}"),
            Row("target requests not from this run (ignored)", self.targets.foreign),
            Row("check results lost (answered - stored)", max(0, hits - stored)),
            Row("log: tracebacks / ERROR lines", f"{counts['tracebacks']} / {counts['errors']}"),
        ] + ([Row("  audit verify said", verdict[:40])] if verified != 0 else [])
