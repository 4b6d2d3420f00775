"""The demo's local targets and notification receiver (uptime-tui --demo), on free ports."""

from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from uptime_tui.config import load_config
from uptime_tui.demo import RECEIVER_PORT, TARGET_PORT, DemoTargets

from support.network import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_the_example_channels_and_targets_are_the_demo_s():
    """config.example.yaml and the demo agree on ports: its notifications are delivered, not failing."""
    config = load_config(ROOT / "config.example.yaml", env={})
    urls = [c.spec.url for c in config.channels if c.kind == "webhook"]
    urls += [u for c in config.channels if c.kind == "apprise" for u in c.spec.urls]
    assert urls and {urlsplit(u).port for u in urls} == {RECEIVER_PORT}
    assert {urlsplit(m.target).port for m in config.monitors if "://" in m.target} == {TARGET_PORT}


@pytest.mark.anyio
async def test_targets_answer_and_the_receiver_takes_notifications():
    demo = DemoTargets("http://127.0.0.1:9", port=free_port(), receiver_port=free_port())
    await demo.start()
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            health = await client.get(f"http://127.0.0.1:{demo.port}/health")
            hook = await client.post(f"http://127.0.0.1:{demo.receiver_port}/hooks/uptime", json={"event": "x"})
        assert (health.status_code, health.json()["status"]) == (200, "UP")
        assert hook.status_code == 200 and demo.received == ["/hooks/uptime"]
    finally:
        await demo.stop()
