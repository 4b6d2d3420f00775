"""The runtime's side of the engine lease: take it (or wait as a standby), renew it, give it up.

One engine per database: `Runtime.start()` takes the lease before anything else starts, and an
engine that finds a live one either says so (`LeaseHeld`, for a console, which attaches to the
holder instead) or waits as a standby (`serve`), polling every third of the lease, and takes over
once the holder releases it (a clean stop) or stops renewing it (killed). The holder renews every
third of the lease; a renewal that finds another epoch, or a write the fence refused, means
another engine took over: this one writes nothing more and its runtime stops (`lost`).

Lease calls run on one thread of their own, so they keep one connection and never queue behind
the writer's backlog: a renewal must not wait for a batch of check results. The lease is judged on
the wall clock of each host (store/lease.py says why that is enough), never the engine's injected
clock, which tests freeze.

The console credential lives here too: the holder writes a fresh token (mode 0600) where consoles
on this host can read it, and records the file's path in the lease row with its listener's URL.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import secrets
import socket
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import peewee

from uptime_tui import __version__
from uptime_tui.config import Settings
from uptime_tui.queries.engine_lease import LeaseHolder, holder_of
from uptime_tui.store import lease as stored
from uptime_tui.store.lease import Claim, LeaseLost

log = logging.getLogger(__name__)

__all__ = ["Lease", "LeaseHeld", "LeaseLost", "token_path", "write_token"]


class LeaseHeld(Exception):
    """Another engine holds a live lease on this database (`holder` says which)."""

    def __init__(self, holder: LeaseHolder):
        self.holder = holder
        super().__init__(f"the engine is held by {holder.describe()}")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Lease:
    """This engine's lease on `database`: `take`, then `keep` renewing it until `release`."""

    def __init__(self, database: peewee.Database, kind: str, seconds: float,
                 clock: Callable[[], datetime] = utcnow):
        self.database, self.kind, self.seconds, self.clock = database, kind, seconds, clock
        self.claim = Claim(host=socket.gethostname(), pid=os.getpid(), version=__version__, kind=kind)
        self.epoch: int | None = None
        self.started_at: datetime | None = None
        self.lost = asyncio.Event()  # set once another engine took over
        self.standing_by = asyncio.Event()  # set once `take` waits for another engine's lease
        self.lost_to: LeaseLost | None = None
        self._on_lost: list[Callable[[LeaseLost], None]] = []
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="uptime-tui-lease")
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _run(self, call: Callable[..., Any], *args) -> Any:
        def connected():
            self.database.connect(reuse_if_open=True)
            try:
                return call(*args)
            except LeaseLost:
                raise
            except Exception:
                self.database.close()  # a dead connection: the next call opens a fresh one
                raise
        return await asyncio.get_running_loop().run_in_executor(self._thread, connected)

    async def take(self, standby: bool) -> None:
        """Take the lease; when it is held, raise LeaseHeld, or with `standby` wait until it is
        free (a cancellation while waiting leaves nothing behind)."""
        self._loop = asyncio.get_running_loop()
        said = None
        while True:
            now = self.clock()
            attempt = asyncio.ensure_future(
                self._run(stored.acquire, self.database, self.claim, now, self.seconds))
            try:
                epoch, row = await asyncio.shield(attempt)
            except asyncio.CancelledError:  # the attempt runs on: give back what it took
                epoch, _ = await attempt
                if epoch is not None:
                    await self._run(stored.release, self.database, epoch)
                raise
            if epoch is not None:
                self.epoch, self.started_at = epoch, now
                if said is not None:
                    log.info("took over the engine lease (epoch %d)", epoch)
                return
            holder = holder_of(row)
            if not standby:
                raise LeaseHeld(holder)
            if said != (holder.epoch, holder.host, holder.pid):
                said = (holder.epoch, holder.host, holder.pid)
                log.info("standby: the engine is held by a %s on %s pid %d", holder.kind, holder.host, holder.pid)
            self.standing_by.set()
            await asyncio.sleep(self.seconds / 3)

    def fence(self) -> None:
        """Raise LeaseLost unless this engine still holds the lease (the writer's thread runs it
        first in every transaction)."""
        stored.check_fence(self.database, self.epoch if self.epoch is not None else -1)

    def when_lost(self, callback: Callable[[LeaseLost], None]) -> None:
        """Call `callback(lost)` on the event loop once the lease is lost."""
        self._on_lost.append(callback)

    def lose(self, lost: LeaseLost) -> None:
        """Another engine took over: say it once, tell who asked, set `lost` (loop thread only)."""
        if self.lost.is_set():
            return
        self.lost_to = lost
        log.error("%s: stopping", lost)
        for callback in self._on_lost:
            callback(lost)
        self.lost.set()

    def lose_from_thread(self, lost: LeaseLost) -> None:
        """`lose`, from another thread (the writer's, when its fence trips)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.lose, lost)

    async def announce(self, url: str | None, token_file: str | None) -> None:
        """Record where consoles reach this engine (its listener and credential file)."""
        await self._run(stored.announce, self.database, self.epoch, url, token_file)

    async def keep(self) -> None:
        """Renew every third of the lease until cancelled or lost; an unreachable database is
        retried (the lease expires for others meanwhile, and the fence then guards the writes)."""
        unreachable = False
        while not self.lost.is_set():
            await asyncio.sleep(self.seconds / 3)
            try:
                await self._run(stored.renew, self.database, self.epoch, self.clock())
            except LeaseLost as lost:
                self.lose(lost)
                return
            except Exception as exc:  # the database is unreachable: try again at the next renewal
                if not unreachable:
                    log.warning("could not renew the engine lease: %s", exc)
                unreachable = True
            else:
                unreachable = False

    async def release(self) -> bool:
        """Give the lease up so a standby takes over now; False when it was not ours anymore."""
        if self.epoch is None or self.lost.is_set():
            return False
        try:
            return await self._run(stored.release, self.database, self.epoch)
        except Exception as exc:  # unreachable: it expires on its own
            log.warning("could not release the engine lease (it expires in %.0f s): %s", self.seconds, exc)
            return False

    async def close(self) -> None:
        """Close the lease thread's connection and end the thread."""
        try:
            await asyncio.get_running_loop().run_in_executor(self._thread, self.database.close)
        except Exception:  # noqa: BLE001 - a dead connection may fail to close; it is dropped anyway
            pass
        self._thread.shutdown(wait=False)

    def identity(self) -> dict:
        """Who this engine is, for `GET /api/v1/engine` and the event stream's hello."""
        return {"host": self.claim.host, "pid": self.claim.pid, "kind": self.kind,
                "version": self.claim.version,
                "started_at": self.started_at.isoformat() if self.started_at else None,
                "epoch": self.epoch}


def database_identity(database: peewee.Database) -> str:
    """The database as a URL naming it the same way from every process on this host (a SQLite
    file by its real path, PostgreSQL by server, name and options), without its password."""
    if isinstance(database, peewee.SqliteDatabase):
        return "sqlite:///" + os.path.realpath(database.database)
    params = database.connect_params
    host, port, user = params.get("host", ""), params.get("port", ""), params.get("user", "")
    options = f"?options={params['options']}" if params.get("options") else ""
    return f"postgresql://{user}@{host}:{port}/{database.database}{options}"


def token_path(settings: Settings, database: peewee.Database) -> Path:
    """Where the console credential is written: settings.console_token_file, else one file per
    database in the user's state directory."""
    if settings.console_token_file:
        return Path(settings.console_token_file).expanduser()
    from platformdirs import user_state_dir

    digest = hashlib.sha256(database_identity(database).encode()).hexdigest()[:12]
    return Path(user_state_dir("uptime-tui", appauthor=False)) / f"engine-{digest}.token"


def write_token(path: Path, shared: bool = False) -> str:
    """A fresh console credential, written to `path` readable by this user only (mode 0600,
    parents created), or with `shared` (a `settings.console_token_file` chosen for a team) by its
    group too (0640: the directory's group, e.g. a setgid `oncall` directory, says who may attach);
    replaced in one step, so a console never reads half a token."""
    token = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".engine-", suffix=".token")
    try:
        os.fchmod(descriptor, 0o640 if shared else 0o600)
        os.write(descriptor, token.encode())
    finally:
        os.close(descriptor)
    os.replace(temporary, path)
    return token


def remove_token(path: Path, token: str) -> None:
    """Delete the credential file if it still holds `token` (an engine that took over since
    wrote its own there, which stays)."""
    try:
        if path.read_text() == token:
            path.unlink()
    except OSError:
        pass
