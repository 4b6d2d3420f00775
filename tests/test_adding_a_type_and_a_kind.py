"""A monitor type and a channel kind defined here, each registered with one line, work end to end:
their settings load from YAML (refused with line and column), a check runs through `run_check`,
and a notification about it is delivered through the kind's sender by the outbox's loop.

This is the promise of docs/development.md ("Adding a monitor type or a channel kind"): if this
test needs more than its module and one registry line per thing, the design has to change.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from support.notify import CTX, eventually, states, store
from uptime_tui import events
from uptime_tui.checks import ProbeClient, registry, run_check
from uptime_tui.checks.monitor_type import MonitorType
from uptime_tui.config import ConfigInvalid, parse_config
from uptime_tui.config.values import identifier, one_of
from uptime_tui.notify import Notifier, NotifierOptions, channels, enqueue
from uptime_tui.notify.channels import ChannelKind, ChannelSender
from uptime_tui.notify.delivery import utcnow
from uptime_tui.notify.plan import SendResult
from uptime_tui.notify.redact import describe_channel
from uptime_tui.store import open_database
from uptime_tui.store.models import Monitor as MonitorRow
from uptime_tui.store.sync import sync_definitions


# --- a monitor type: always passes, in the mood it is given --------------------------------------

@dataclass(frozen=True)
class AlwaysSpec:
    mood: str | None

    @property
    def target(self) -> str:
        return f"always ({self.mood})"

    @property
    def payload_type(self) -> str:
        return "always"


def read_always(r, m, path) -> AlwaysSpec:
    if "mood" not in m:
        r.problem(path, "'mood' is required for an always monitor")
    return AlwaysSpec(r.get(m, path, "mood", one_of("calm", "cheerful")))


async def probe_always(monitor, client, seen) -> None:
    seen.passed(None if monitor.spec.mood == "calm" else "suspiciously cheerful")


ALWAYS = MonitorType("always", ("mood",), read_always, probe_always)


# --- a channel kind: messages dropped into an in-memory box --------------------------------------

BOXES: dict[str, list] = {}


@dataclass(frozen=True)
class MemoSpec:
    box: str


def read_memo(r, m, path) -> MemoSpec:
    return MemoSpec(r.get(m, path, "memo", identifier, ""))


class MemoSender(ChannelSender):
    def __init__(self, options):
        self.options = options

    async def send(self, channel, message, *, ctx, now, redact, details=None) -> SendResult:
        BOXES.setdefault(channel.spec.box, []).extend((message.key, d.payload) for d in message.deliveries)
        return SendResult(True)


MEMO = ChannelKind("memo", "'memo'", read_memo, lambda spec: f"memo box {spec.box}", lambda spec: set(), MemoSender)


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(registry.TYPES, "always", ALWAYS)  # the one line a new type adds
    monkeypatch.setitem(channels.KINDS, "memo", MEMO)  # the one line a new kind adds
    BOXES.clear()


YAML = """\
monitors:
  - id: zen
    type: always
    mood: calm
    interval: 30s
    channels: [desk]
channels:
  - id: desk
    memo: inbox
    events: [monitor.*]
    min_interval: 0s
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigInvalid) as refused:
        parse_config(text, "c.yaml", {})
    return [str(p) for p in refused.value.problems]


def test_their_settings_are_read_and_refused_with_line_and_column(registered):
    config = parse_config(YAML, "c.yaml", {})
    [monitor], [channel] = config.monitors, config.channels
    assert (monitor.type, monitor.spec, monitor.target, monitor.interval) == ("always", AlwaysSpec("calm"),
                                                                               "always (calm)", 30)
    assert (channel.kind, channel.spec, describe_channel(channel)) == ("memo", MemoSpec("inbox"), "memo box inbox")
    assert problems(YAML.replace("mood: calm", "mood: grumpy").replace("memo: inbox", "memo: 'in box'")) == [
        "c.yaml:4:11: monitors[0].mood: 'grumpy' is not one of calm, cheerful",
        "c.yaml:9:11: channels[0].memo: 'in box' is not a valid id (letters, digits, '_', '.', ':', '-')",
    ]
    assert problems(YAML.replace("    mood: calm\n", "")) == [
        "c.yaml:2:5: monitors[0]: 'mood' is required for an always monitor"]
    assert problems(YAML.replace("    memo: inbox\n", "    memo: inbox\n    webhook: {url: 'http://x/'}\n")) == [
        "c.yaml:8:5: channels[0]: give exactly one of 'apprise' (URLs), 'webhook', 'memo'"]


def test_unregistered_they_are_unknown():
    assert "c.yaml:3:11: monitors[0].type: 'always' is not one of http, keyword, tcp, dns, tls, ping, postgres, mysql, redis, ssh, grpc, smtp, websocket" in problems(YAML)
    assert "c.yaml:9:5: channels[0].memo: unknown key 'memo'" in problems(YAML)


@pytest.mark.anyio
async def test_a_check_runs_and_its_notification_is_delivered(registered, tmp_path):
    config = parse_config(YAML, "c.yaml", {})
    [monitor] = config.monitors
    async with ProbeClient() as client:
        result = await run_check(monitor, client, "eu")
        cheerful = await run_check(parse_config(YAML.replace("calm", "cheerful"), "c.yaml", {}).monitors[0], client, "eu")
    assert (result.success, result.cause, result.degraded) == (True, None, False)
    assert (cheerful.success, cheerful.cause, cheerful.degraded) == (True, "suspiciously cheerful", True)

    database = open_database(str(tmp_path / "uptime.db"))
    notifier = Notifier(config, database, None, options=NotifierOptions(poll_interval=0.05))
    try:
        sync_definitions(config, utcnow())
        ref = events.MonitorRef.of(monitor, MonitorRow.get(MonitorRow.key == "zen").id)
        payload = events.monitor_down(CTX, utcnow(), ref, cause="the mood soured", regions=["eu"])
        with database.atomic():
            assert enqueue(config, store([payload]), utcnow()) == 1
        await notifier.start()
        assert await eventually(lambda: states() == {"sent": 1})
    finally:
        await notifier.stop()
        database.close()
    [(key, delivered)] = BOXES["inbox"]
    assert key.startswith("evt_") and delivered == payload
    assert (delivered["monitor_type"], delivered["monitor_url"]) == ("always", "always (calm)")
