"""Attach or embed: which engine the console drives, decided at start and again when it goes.

One engine runs per database, and it holds the lease (queries/engine_lease.py). At start the
console reads the lease: when an engine holds a fresh one, has a listener (`url`) and its console
credential is readable here (`token_file`, mode 0600: the same user on the same host), the console
attaches to it (tui/attached.py): operations and the live stream go over the listener, reads stay
local (the console reads the database itself). Otherwise it starts an engine in its own process,
as before; if another engine took the lease meanwhile, that start raises `LeaseHeld` and the
console attaches to the holder instead.

When an attached console loses its engine for good (its stream ended and no engine holds the
lease: released by a clean stop, or expired after a kill), it waits a third of the lease and a
second more, the time a standby `serve` takes to notice, and attaches to whoever took the lease
meanwhile; if nobody did, it starts an engine itself. First come takes the lease: when the console that embedded the engine quits, the consoles attached to it see
the stream end; one of them (or a standby `serve`, which waits for exactly this) takes the lease,
and the others, refused by `LeaseHeld`, attach to the winner. Each says what it did in a toast.
A console that attached with `--connect` has no lease to read: it only reconnects.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit, urlunsplit

from uptime_tui.queries.engine_lease import running_engine
from uptime_tui.runtime.lease import LeaseHeld
from uptime_tui.tui.attached import AttachedEngine, AttachFailed, EngineAddress

log = logging.getLogger(__name__)


def lease_seconds(config) -> float:
    """How long a lease lasts unrenewed (settings.lease)."""
    return float(config.settings.lease)


def reachable_url(url: str) -> str:
    """The holder's listener URL as this host reaches it: a listener bound to every address
    (0.0.0.0, ::) is recorded as such, and answers on loopback."""
    parts = urlsplit(url.rstrip("/"))
    if parts.hostname in ("0.0.0.0", "::"):
        port = f":{parts.port}" if parts.port else ""
        parts = parts._replace(netloc=f"{'127.0.0.1' if parts.hostname == '0.0.0.0' else '[::1]'}{port}")
    return urlunsplit(parts)


def holder_address(holder) -> EngineAddress | None:
    """Where a lease holder's listener is, with its console credential; None when this console
    cannot attach to it (no listener, or the credential is not readable here)."""
    if holder is None or not getattr(holder, "url", None) or not getattr(holder, "token_file", None):
        return None
    try:
        token = Path(holder.token_file).read_text().strip()
    except OSError:
        return None
    return EngineAddress(reachable_url(holder.url), token) if token else None


def lease_holder(config):
    """The engine holding a fresh lease on the console's database, or None."""
    return running_engine(datetime.now(timezone.utc), lease_seconds(config))


def _lease_held(exc: BaseException):
    """The holder when `exc` is the runtime's LeaseHeld, else None."""
    return exc.holder if isinstance(exc, LeaseHeld) else None


class ConsoleEngine:
    """The engine the console drives: attached to the lease's holder, or embedded (an EngineThread).

    Same shape as either (`start`, `stop`, `call`, `engine`); `current` is the one in use, and the
    EngineLink asks it for the header's words. `link_changed(kind, sentence)` tells the App.
    """

    def __init__(self, config, embed: Callable[[], object],
                 locate_holder: Callable[[], object | None] | None = None) -> None:
        self._config = config
        self._embed_thread = embed  # makes an EngineThread around the console's Runtime
        self._locate_holder = locate_holder or (lambda: lease_holder(config))
        self.current = None
        self.link_changed: Callable[[str, str], None] | None = None
        self._on_event: Callable[[dict], None] = lambda payload: None
        self._stopped = False

    @property
    def engine(self):
        return getattr(self.current, "engine", None)

    def call(self, operation):
        if self.current is None:
            raise RuntimeError("the engine is not running")
        return self.current.call(operation)

    def start(self, on_event: Callable[[dict], None], timeout: float = 60.0) -> None:
        """Attach to the lease's holder, or embed an engine (and attach if another one won)."""
        self._on_event = on_event
        address = holder_address(self._locate_holder())
        if address is not None:
            self._attach(address)
        else:
            self._embed()

    def stop(self, timeout: float = 15.0) -> None:
        self._stopped = True
        if self.current is not None:
            self.current.stop()

    def _locate(self) -> EngineAddress | None:
        """For the attached link: where the engine is now (None: no engine holds the lease)."""
        holder = self._locate_holder()
        if holder is None:
            return None
        return holder_address(holder) or (self.current.address if self.current is not None else None)

    def _attach(self, address: EngineAddress) -> None:
        attached = AttachedEngine(address, locate=self._locate)
        attached.link_changed = self._changed
        attached.start(self._on_event)
        self.current = attached

    def _embed(self) -> str:
        """Start an engine here; attach to the holder when the lease is taken. Says which."""
        thread = self._embed_thread()
        try:
            thread.start(self._on_event, on_failed=self._embedded_lost)
        except Exception as exc:
            holder = _lease_held(exc)
            if holder is None:
                raise
            address = self._address_when_announced(holder)
            if address is None:
                raise AttachFailed(f"the engine is held by a {holder.kind} on {holder.host} pid {holder.pid}, "
                                   "and its console credential is not readable here") from exc
            self._attach(address)
            return "attached"
        self.current = thread
        return "embedded"

    def _address_when_announced(self, holder, tries: int = 40, pause: float = 0.25):
        """The holder's address; an engine that took the lease a moment ago names its listener
        only once that listens (two consoles started together), so wait a few seconds for it."""
        for _ in range(tries):
            address = holder_address(holder)
            if address is not None:
                return address
            time.sleep(pause)
            holder = self._locate_holder() or holder
        return None

    def _embedded_lost(self, exc: BaseException) -> None:
        """From the engine's thread: this console's engine lost its lease (another took it while
        this one was paused or cut off) and stopped: attach to the new holder, or start again."""
        self._changed("gone", f"This console's engine lost its lease and stopped: {exc}")

    def _changed(self, kind: str, sentence: str) -> None:
        """From the attached link's thread: pass it on; when the engine is gone, take over."""
        if kind == "gone" and not self._stopped:
            threading.Thread(target=self._take_over, name="uptime-tui-take-over", daemon=True).start()
        if self.link_changed is not None:
            self.link_changed(kind, sentence)

    def _take_over(self) -> None:
        """The engine stopped and nobody holds the lease: start one here, first come first served."""
        previous = self.current
        if previous is not None:
            previous.stop()
        # A standby `serve` polls every third of the lease: give it the first chance, so a team's
        # engine stays on its server rather than moving into whichever console noticed first.
        time.sleep(lease_seconds(self._config) / 3 + 1)
        address = holder_address(self._locate_holder())
        if address is not None and not self._stopped:
            self._attach(address)
            self._say("attached", f"The engine stopped: attached to the one that took over "
                                  f"({self.current.describe(datetime.now(timezone.utc))})")
            return
        if self._stopped:
            return
        try:
            became = self._embed()
        except Exception as exc:
            log.exception("the console could not take over the engine")
            self._say("failed", f"No engine runs and this console could not start one: {exc}")
            return
        if became == "embedded":
            self._say("embedded", "The engine stopped: this console now runs it")
        else:
            self._say("attached", f"The engine stopped: attached to the one that took over "
                                  f"({self.current.describe(datetime.now(timezone.utc))})")

    def _say(self, kind: str, sentence: str) -> None:
        if self.link_changed is not None:
            self.link_changed(kind, sentence)


def check_connection(address: EngineAddress) -> dict:
    """Before the UI starts (`--connect`): the engine's identity, or AttachFailed saying in one
    line why not (connection refused, not an uptime-tui listener, a key it refuses)."""
    import asyncio

    import httpx

    from uptime_tui.tui.attached import read_identity

    async def ask() -> dict:
        async with httpx.AsyncClient() as client:
            return await read_identity(client, address)

    return asyncio.run(ask())
