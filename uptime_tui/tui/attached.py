"""The console attached to an engine running elsewhere (a `serve`, or another console's).

Same shape as the embedded engine thread (runtime/engine_thread.py): `.start(on_event)`, `.stop()`,
`.call(lambda engine: ...)` and `.engine` (None while the engine cannot be reached), so the App and
its EngineLink need not know where the engine runs. A thread of its own runs an asyncio loop
with three things on it: the operations (`RemoteEngine`, HTTP calls to the listener), a reader of
the listener's event stream (`GET /api/v1/stream`, Server-Sent Events) that hands every payload to
`on_event`, and a poll of `GET /health` for the header's engine problems and failing channels.

The stream is the sign of life. When it ends, fails or is silent for SILENCE seconds (the
listener sends `: ping` every 10 s), the engine is *lost*: `.engine` is None, the header says so
and the panes keep what they last showed. The reader tries again after 0.5 s, doubling to 5 s.
Before each try it asks `locate()` (when given: the console on the engine's host reads the lease)
where the engine is now: the same address, another one (a standby took over: attach to it), or
None (no engine holds the lease: the engine is *gone*, and whoever started this link decides what
comes next: cli/attach.py starts an engine in the console). `link_changed(kind, sentence)` tells
the App each change, for a toast and, once back, a reload of every pane (what it missed meanwhile).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Awaitable, Callable, TypeVar

import httpx

from uptime_tui.tui import format as fmt
from uptime_tui.tui.remote_engine import RemoteEngine

log = logging.getLogger(__name__)

T = TypeVar("T")
FIRST_RETRY, LAST_RETRY = 0.5, 5.0  # seconds between tries to reach the stream again
SILENCE = 25.0  # no line from the stream for this long: the connection is dead
HEALTH_EVERY = 5.0
ATTACH_TRIES = 5  # at start: the engine may have just taken the lease and be opening its listener


@dataclass(frozen=True)
class EngineAddress:
    """Where an engine's listener is and the credential the console presents to it."""

    url: str
    credential: str
    console: bool = True  # the console credential (the person is named per operation), not an API key


class AttachFailed(Exception):
    """The listener could not be reached, is not an uptime-tui listener, or refused the credential."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


async def read_identity(client: httpx.AsyncClient, address: EngineAddress) -> dict:
    """`GET /api/v1/engine`: which engine answers, or AttachFailed saying why in one line."""
    try:
        response = await client.get(f"{address.url}/api/v1/engine", headers=_auth(address), timeout=5.0)
    except httpx.HTTPError as exc:
        raise AttachFailed(f"cannot reach {address.url}: {exc or type(exc).__name__}") from exc
    if response.status_code in (401, 403):
        raise AttachFailed(f"{address.url} refused the key (HTTP {response.status_code})")
    try:
        identity = response.json()
    except ValueError:
        identity = None
    if response.status_code != 200 or not isinstance(identity, dict) or "pid" not in identity:
        raise AttachFailed(f"{address.url} is not an uptime-tui listener (HTTP {response.status_code})")
    return identity


class AttachedEngine:
    """An engine elsewhere, reached through its listener."""

    def __init__(self, address: EngineAddress, locate: Callable[[], EngineAddress | None] | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.address = address
        self._locate = locate  # blocking (it may read the database): run in a thread
        self._clock = clock
        self.engine: RemoteEngine | None = None
        self.identity: dict | None = None
        self.lost_since: datetime | None = None
        self.health: dict = {}
        self.link_changed: Callable[[str, str], None] | None = None  # (lost|back|gone, sentence)
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._client: httpx.AsyncClient | None = None

    # --- the shape of EngineThread -------------------------------------------------------------

    def call(self, operation: Callable[[RemoteEngine], Awaitable[T]]) -> Future[T]:
        """Run `operation(engine)` on the link's loop, from any thread; a future of its result."""
        if self._loop is None or self.engine is None:
            raise RuntimeError("the engine is not reachable")
        return asyncio.run_coroutine_threadsafe(operation(self.engine), self._loop)

    def start(self, on_event: Callable[[dict], None], timeout: float = 30.0) -> None:
        """Attach; return once the engine answered (or raise AttachFailed)."""
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(on_event),),
                                        name="uptime-tui-attached", daemon=True)
        self._thread.start()
        self._ready.wait(timeout)
        if self.error is not None:
            raise self.error

    def stop(self, timeout: float = 5.0) -> None:
        """Detach (the engine elsewhere runs on) and wait for the thread."""
        if self._loop is not None and self._stopping is not None:
            try:
                self._loop.call_soon_threadsafe(self._stopping.set)
            except RuntimeError:  # the loop already ended (the engine was gone)
                pass
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    # --- what the header shows -----------------------------------------------------------------

    def describe(self, now: datetime) -> str:
        """Which engine the console drives, or since when it is lost."""
        if self.lost_since is not None:
            return f"⚠ engine lost since {self.lost_since:%H:%M:%SZ}, showing what it last knew"
        return describe_identity(self.identity or {}, now)

    def problems(self) -> tuple[str, ...]:
        """The engine's own problems, as its `/health` last told them."""
        if self.lost_since is not None:
            return ()
        problems = []
        database = self.health.get("database") or {}
        if database and not database.get("reachable", True):
            since = database.get("unreachable_since")
            problems.append(f"database unreachable{' since ' + since[11:19] + 'Z' if since else ''}")
        if self.health.get("short_of_descriptors_since"):
            problems.append("out of file descriptors: checks skipped")
        return tuple(problems)

    def failing_channels(self) -> tuple[str, ...]:
        """Channels whose last delivery failed, as the engine's `/health` last told them."""
        return tuple(sorted(self.health.get("channels_failing") or ()))

    # --- the loop ------------------------------------------------------------------------------

    async def _main(self, on_event: Callable[[dict], None]) -> None:
        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        async with httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=SILENCE + 5)) as client:
            self._client = client
            try:
                await self._attach_first()
            except BaseException as exc:  # reported to the thread that called start()
                self.error = exc
                self._ready.set()
                return
            self._ready.set()
            tasks = [asyncio.create_task(self._follow(on_event)), asyncio.create_task(self._poll_health())]
            stopping = asyncio.create_task(self._stopping.wait())
            await asyncio.wait([stopping, tasks[0]], return_when=asyncio.FIRST_COMPLETED)
            for task in (*tasks, stopping):
                task.cancel()
            self.engine = None

    async def _attach_first(self) -> None:
        delay = FIRST_RETRY
        for attempt in range(ATTACH_TRIES):
            try:
                self._attached(await read_identity(self._client, self.address))
                return
            except AttachFailed:
                if attempt == ATTACH_TRIES - 1 or self._locate is None:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, LAST_RETRY)

    def _attached(self, identity: dict) -> None:
        self.identity = identity
        self.engine = RemoteEngine(self._client, self.address.url, self.address.credential,
                                   names_operator=self.address.console)

    async def _follow(self, on_event: Callable[[dict], None]) -> None:
        """Read the stream; when it ends, try again with backoff; return when the engine is gone."""
        delay = FIRST_RETRY
        while True:
            try:
                async for name, data in self._stream():
                    if name == "hello":
                        delay = FIRST_RETRY
                        self._back(data)
                    else:
                        on_event(data)
            except (httpx.HTTPError, TimeoutError, ValueError) as exc:
                log.info("the engine's stream at %s ended: %s", self.address.url, exc or type(exc).__name__)
            if self.lost_since is None:
                self.lost_since, self.engine = self._clock(), None
                self._say("lost", "The engine is lost: showing what it last knew; trying again")
            await asyncio.sleep(delay)
            delay = min(delay * 2, LAST_RETRY)
            if self._locate is not None:
                try:
                    where = await asyncio.to_thread(self._locate)
                except Exception:
                    log.exception("cannot read which engine holds the lease")
                    continue
                if where is None:
                    self._say("gone", "The engine stopped and no engine holds the lease")
                    return
                self.address = where

    def _back(self, identity: dict) -> None:
        moved = self.identity is not None and (identity.get("pid"), identity.get("host"), identity.get("epoch")) != (
            self.identity.get("pid"), self.identity.get("host"), self.identity.get("epoch"))
        was_lost = self.lost_since is not None
        self._attached(identity)
        self.lost_since = None
        if was_lost or moved:
            self._say("back", f"Attached again: {describe_identity(identity, self._clock())}")

    async def _stream(self):
        """The stream's events as (name, data) pairs: ("hello", identity), then (None, payload)."""
        async with self._client.stream("GET", f"{self.address.url}/api/v1/stream",
                                       headers={**_auth(self.address), "Accept": "text/event-stream"}) as response:
            if response.status_code != 200:
                raise ValueError(f"HTTP {response.status_code}")
            lines = response.aiter_lines()
            name, data = None, []
            while True:
                async with asyncio.timeout(SILENCE):  # a ping comes every 10 s: silence is a dead link
                    line = await anext(lines, None)
                if line is None:
                    return
                if line.startswith(":"):
                    continue
                if line == "":
                    if data:
                        yield name, json.loads("\n".join(data))
                    name, data = None, []
                elif line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip())

    async def _poll_health(self) -> None:
        while True:
            try:
                response = await self._client.get(f"{self.address.url}/health", timeout=5.0)
                body = response.json()
                self.health = body if isinstance(body, dict) else {}
            except (httpx.HTTPError, ValueError):
                self.health = {}
            await asyncio.sleep(HEALTH_EVERY)

    def _say(self, kind: str, sentence: str) -> None:
        if self.link_changed is not None:
            try:
                self.link_changed(kind, sentence)
            except Exception:
                log.exception("a link subscriber failed")


def describe_identity(identity: dict, now: datetime) -> str:
    """`engine: serve on HOST, pid N, up 3h05m` from the listener's `/api/v1/engine`."""
    if not identity:
        return "engine: attached"
    started = identity.get("started_at")
    up = ""
    if started:
        try:
            moment = datetime.fromisoformat(started.replace("Z", "+00:00"))
            up = f", up {fmt.span((now - moment).total_seconds())}"
        except (ValueError, TypeError):
            pass
    return f"engine: {identity.get('kind', 'serve')} on {identity.get('host', '?')}, pid {identity.get('pid', '?')}{up}"


def _auth(address: EngineAddress) -> dict:
    return {"Authorization": f"Bearer {address.credential}"}
