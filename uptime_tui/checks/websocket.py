"""websocket monitors: the HTTP upgrade; with `send`, one text message and the first reply to it.

The ProbeClient's aiohttp session is the httpx transport's own and not shared out, so a check
opens an aiohttp session of its own, trusting what the other checks trust (its SSL context);
`ignore_tls` skips verification as it does for http monitors. The reply is the `message` fact,
for conditions such as `message == "pong"`.

aiohttp is imported where a check needs it: config loading reads the spec here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from uptime_tui.checks.monitor_type import MonitorType
from uptime_tui.checks.observation import Observation
from uptime_tui.config.urls import url_of
from uptime_tui.config.values import Reader, boolean, described, text, text_mapping

if TYPE_CHECKING:
    from uptime_tui.checks.client import ProbeClient
    from uptime_tui.config.model import Monitor

MAX_MESSAGE_BYTES = 1024 * 1024  # a reply larger than this fails rather than being held in memory


@described({"type": "string", "pattern": "^[Ww][Ss][Ss]?://", "format": "uri",
            "patternErrorMessage": "a ws:// or wss:// URL"})
def ws_url(value: Any) -> str:
    """A ws:// or wss:// URL with a valid host (and a port in range, if it has one)."""
    return url_of(value, ("ws", "wss"), "a ws:// or wss://")


@dataclass(frozen=True)
class WebsocketSpec:
    """The socket upgraded to, and the message sent once it is open."""

    url: str | None  # None only in a config refused for it
    headers: dict = field(default_factory=dict)
    send: str | None = None
    ignore_tls: bool = False

    @property
    def target(self) -> str:
        return self.url

    @property
    def payload_type(self) -> str:
        return "tcp"  # Better Stack has no websocket monitor


def read(r: Reader, m: dict, path: tuple) -> WebsocketSpec:
    """A websocket monitor's URL (required), headers, message and TLS setting."""
    url = r.get(m, path, "url", ws_url)
    if url is None and "url" not in m:
        r.problem(path, "'url' is required for a websocket monitor")
    return WebsocketSpec(url, r.get(m, path, "headers", text_mapping, {}), r.get(m, path, "send", text),
                         r.get(m, path, "ignore_tls", boolean, False))


async def probe(monitor: Monitor, client: ProbeClient, seen: Observation) -> None:
    """Upgrade; send the message and wait for one reply when there is one; close."""
    import aiohttp

    spec: WebsocketSpec = monitor.spec
    if not spec.url:
        seen.failed("no URL configured")
        return
    tls = False if spec.ignore_tls else client.ssl_context
    started = time.perf_counter()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), trust_env=False) as session:
        try:
            ws = await session.ws_connect(spec.url, headers=spec.headers, ssl=tls, autoping=True,
                                          max_msg_size=MAX_MESSAGE_BYTES)
        except aiohttp.WSServerHandshakeError as exc:
            seen.status_code = exc.status
            seen.failed(f"upgrade refused: {exc.status}")
            return
        try:
            seen.ttfb_ms = (time.perf_counter() - started) * 1000
            seen.facts["connected"] = True
            if spec.send is None:
                seen.passed()
                return
            await ws.send_str(spec.send)
            _judge_reply(await ws.receive(), seen)
        finally:
            await ws.close()


def _judge_reply(reply, seen: Observation) -> None:
    from aiohttp import WSMsgType

    if reply.type is WSMsgType.TEXT:
        seen.facts["message"] = reply.data
        seen.passed()
    elif reply.type is WSMsgType.BINARY:
        seen.facts["message"] = reply.data.decode("utf-8", errors="replace")
        seen.passed()
    elif reply.type is WSMsgType.ERROR:
        seen.failed(f"websocket error before a reply: {reply.data}")
    else:  # CLOSE, CLOSING, CLOSED
        code = f" (code {reply.data})" if isinstance(reply.data, int) else ""
        seen.failed(f"closed before a reply{code}")


WEBSOCKET = MonitorType("websocket", ("url", "headers", "send", "ignore_tls"), read, probe,
                        facts=("connected", "message"))
