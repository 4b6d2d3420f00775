"""Real components on 127.0.0.1 for the tests: free ports, an HTTP target, bounded waits for events."""

import asyncio
import socket

from aiohttp import web


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Target:
    """An HTTP target whose answer the test switches, counting the requests it gets."""

    def __init__(self):
        self.status, self.requests = 200, 0

    async def __aenter__(self):
        async def answer(request):
            self.requests += 1
            return web.Response(status=self.status, text="ok")

        app = web.Application()
        app.router.add_get("/", answer)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        self.port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc):
        await self.runner.cleanup()


async def wait_for(queue: asyncio.Queue, name: str, seconds: float = 15.0) -> dict:
    """The next event called `name`, within a bounded time."""
    async with asyncio.timeout(seconds):
        while True:
            payload = await queue.get()
            if payload["event"] == name:
                return payload
