"""For tests of a console attached over HTTP (no tests here): a runtime whose listener accepts a
console credential and knows its identity, and a reader of its Server-Sent Events stream."""

import asyncio
import json
from contextlib import asynccontextmanager

import httpx

from support.api import CONFIG, Clock, config
from uptime_tui.api.listener import Listener
from uptime_tui.engine.service import EngineOptions
from uptime_tui.runtime.assembly import Runtime, RuntimeOptions


CONSOLE_TOKEN = "console-token-abcdefghijklmnopqrstuvwxyz012345"
IDENTITY = {"host": "engine-host", "pid": 4242, "kind": "serve", "version": "1.2.3",
            "started_at": "2026-11-23T09:00:00+00:00", "epoch": 7}
ALICE = {"name": "Alice Ops", "context": {"host": "laptop", "ssh_client": "10.0.0.5", "terminal": "xterm"},
         "email": "alice@example.com"}


def as_console(person: dict | None = ALICE) -> dict:
    """The headers of a console acting for `person` (none: the header is left out)."""
    headers = {"Authorization": f"Bearer {CONSOLE_TOKEN}"}
    if person is not None:
        headers["X-Uptime-Operator"] = json.dumps(person)
    return headers


@asynccontextmanager
async def attachable(database, clock: Clock, text: str = CONFIG, **listener):
    """A started runtime (no probes) whose listener takes the console credential; an HTTP client."""
    def make(*args, **kwargs):  # the test's credential and identity, over the runtime's own
        return Listener(*args, **{**kwargs, **listener, "console_token": CONSOLE_TOKEN, "identity": IDENTITY})

    runtime = Runtime(config(text), database, clock=clock, listener=make, options=RuntimeOptions(
        probes=False, engine=EngineOptions(escalation_tick=3600)))
    await runtime.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{runtime.listener.port}", timeout=10) as client:
            yield runtime, client
    finally:
        await runtime.stop()


class EventStream:
    """One open `GET /api/v1/stream`: its events as (name, data), comments skipped."""

    def __init__(self, response: httpx.Response):
        self.response = response
        self._lines = response.aiter_lines()

    async def next(self, timeout: float = 10) -> tuple[str | None, dict]:
        """The next event, within `timeout` seconds."""
        name, data = None, []
        async with asyncio.timeout(timeout):
            async for line in self._lines:
                if line.startswith(":"):
                    continue
                if line == "":
                    if data:
                        return name, json.loads("\n".join(data))
                    continue
                field, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if field == "event":
                    name = value
                elif field == "data":
                    data.append(value)
        raise EOFError("the stream ended")

    async def payloads_until(self, wanted, timeout: float = 10) -> list[dict]:
        """Payloads up to and including the first for which `wanted(payload)` is true."""
        seen = []
        async with asyncio.timeout(timeout):
            while True:
                _, payload = await self.next(timeout)
                seen.append(payload)
                if wanted(payload):
                    return seen


@asynccontextmanager
async def streaming(client: httpx.AsyncClient, headers: dict):
    """An open event stream of the listener `client` talks to."""
    async with client.stream("GET", "/api/v1/stream", headers=headers) as response:
        yield EventStream(response)
