"""Local demo targets on 127.0.0.1, so a newcomer with no internet sees the panes come alive.

They match config.example.yaml: port 8791 serves /health (healthy), /flaky (flaps: fails for
20 s of every 40 s), /slow (answers in 1.2-2.4 s, over its degraded threshold); port 8799 is left
closed (the database that is down); port 8792 receives the notifications of the example's
channels (the webhook and Apprise's json://), so they are delivered, not failing; and a job
pings the `demo-job` heartbeat every 5 s for its first minute, then stops, so that heartbeat
goes down.
"""

from __future__ import annotations

import asyncio
import random
import time

import httpx
from aiohttp import web

TARGET_PORT = 8791
RECEIVER_PORT = 8792
DEMO_JOB_TOKEN = "demo-job-token-0001"
FLAP_PERIOD = 40.0
JOB_LIFETIME = 60.0


class DemoTargets:
    """Starts and stops the demo HTTP targets and the demo job."""

    def __init__(self, ping_base: str, host: str = "127.0.0.1", port: int = TARGET_PORT,
                 receiver_port: int = RECEIVER_PORT):
        self.ping_base, self.host, self.port, self.receiver_port = ping_base.rstrip("/"), host, port, receiver_port
        self.received: list[str] = []  # the paths notifications were posted to
        self._runners: list[web.AppRunner] = []
        self._job: asyncio.Task | None = None
        self._started = time.monotonic()

    async def start(self) -> None:
        """Serve the targets and the receiver, and start the job."""
        targets = web.Application()
        targets.router.add_get("/health", self._health)
        targets.router.add_get("/flaky", self._flaky)
        targets.router.add_get("/slow", self._slow)
        receiver = web.Application()
        receiver.router.add_post("/{path:.*}", self._receive)
        for app, port in ((targets, self.port), (receiver, self.receiver_port)):
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            self._runners.append(runner)
            await web.TCPSite(runner, self.host, port).start()
        self._job = asyncio.create_task(self._demo_job())

    async def stop(self) -> None:
        """Stop everything."""
        if self._job:
            self._job.cancel()
        for runner in self._runners:
            await runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        await request.read()
        self.received.append(request.path)
        return web.Response(text="received")

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "UP", "version": "1.4.2"})  # for the example's conditions

    async def _flaky(self, request: web.Request) -> web.Response:
        if (time.monotonic() - self._started) % FLAP_PERIOD < FLAP_PERIOD / 2:
            return web.Response(text="status: ok")
        return web.Response(status=500, text="status: error")

    async def _slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(random.uniform(1.2, 2.4))
        return web.Response(text="results")

    async def _demo_job(self) -> None:
        async with httpx.AsyncClient(timeout=5) as client:
            while time.monotonic() - self._started < JOB_LIFETIME:
                await asyncio.sleep(5)
                try:
                    await client.post(f"{self.ping_base}/ping/{DEMO_JOB_TOKEN}", content=b"demo run")
                except httpx.HTTPError:
                    pass  # the listener is not up yet; the next run pings again
