"""ping checks: real ICMP echoes to 127.0.0.1 and to an address nobody answers; loss judged against
max_loss; the cause when no ICMP socket may be opened; the keys refused with line and column."""

from __future__ import annotations

import icmplib
import pytest

from uptime_tui.checks import ProbeClient, run_check
from uptime_tui.checks.observation import Observation
from uptime_tui.checks.ping import PERMISSION_CAUSE, PING

from support.config import loaded, refused

pytestmark = pytest.mark.anyio

# TEST-NET-2 (RFC 5737): routed nowhere. Not TEST-NET-1's 192.0.2.1, which is the gateway of a
# machine on a 192.0.2.0/24 network (this CI's is) and answers.
SILENT = "198.51.100.1"


def load(entry: str):
    return loaded(f"id: p, type: ping, {entry}")


def problems(entry: str) -> list[str]:
    return refused(f"id: p, type: ping, {entry}")


async def check(monitor):
    """(the result, the facts the probe recorded)."""
    async with ProbeClient() as client:
        result = await run_check(monitor, client, "eu")
        seen = Observation()
        await PING.probe(monitor, client, seen)
    return result, seen.facts


def fake_ping(monkeypatch, replies: int, calls: list | None = None, refuse: tuple = ()):
    """icmplib answering `replies` of the echoes (1 ms each); refusing the socket for each
    `privileged` value in `refuse`."""

    async def async_ping(address, count, interval, timeout, privileged):
        if calls is not None:
            calls.append(privileged)
        if privileged in refuse:
            raise icmplib.SocketPermissionError(privileged)
        return icmplib.Host(address, count, [1.0] * replies)

    monkeypatch.setattr(icmplib, "async_ping", async_ping)


async def test_localhost_answers_with_no_loss_and_a_round_trip():
    result, facts = await check(load("host: 127.0.0.1, timeout: 5s, conditions: [loss == 0, rtt < 1s]"))
    assert (result.success, result.cause) == (True, None)
    assert result.assertions == ((True, "0%"), (True, result.assertions[1][1]))
    assert facts["loss"] == 0 and 0 <= facts["rtt"] < 1
    assert 0 <= result.ttfb_ms < 1000  # the mean round trip, in ms


async def test_an_address_that_does_not_answer_loses_every_packet():
    result, facts = await check(load(f"host: {SILENT}, count: 2, timeout: 1s"))
    assert (result.success, result.cause) == (False, "2 of 2 packets lost (100%)")
    assert facts["loss"] == 100 and "rtt" not in facts
    assert result.response_time < 1.5  # the echoes' waits fit in the timeout; it did not cut them


async def test_loss_up_to_max_loss_passes_and_beyond_it_fails(monkeypatch):
    fake_ping(monkeypatch, replies=2)
    at_limit, facts = await check(load("host: 10.0.0.1, count: 4, max_loss: 50"))
    assert (at_limit.success, facts["loss"], facts["rtt"]) == (True, 50, 0.001)
    beyond, _ = await check(load("host: 10.0.0.1, count: 4, max_loss: 49"))
    assert (beyond.success, beyond.cause) == (False, "2 of 4 packets lost (50%)")


async def test_a_condition_on_loss_or_rtt_fails_the_check_naming_it(monkeypatch):
    fake_ping(monkeypatch, replies=3)
    result, _ = await check(load("host: 10.0.0.1, conditions: [rtt > 5ms, loss == 0]"))
    assert result.success is False and "rtt" in result.cause and "loss" not in result.cause
    assert [passed for passed, _ in result.assertions] == [False, True]


async def test_no_icmp_socket_says_what_to_change(monkeypatch):
    calls: list = []
    fake_ping(monkeypatch, replies=3, calls=calls, refuse=(True, False))
    result, _ = await check(load("host: 10.0.0.1"))
    assert (result.success, result.cause) == (False, PERMISSION_CAUSE)
    assert sorted(calls) == [False, False, True, True]  # both kinds of socket tried, each check
    assert "net.ipv4.ping_group_range" in PERMISSION_CAUSE and "root" in PERMISSION_CAUSE


async def test_the_other_kind_of_socket_is_tried_when_one_is_refused(monkeypatch):
    calls: list = []
    fake_ping(monkeypatch, replies=3, calls=calls, refuse=(True,))  # root without CAP_NET_RAW
    result, _ = await check(load("host: 10.0.0.1"))
    assert result.success is True and False in calls


async def test_a_name_that_does_not_resolve():
    result, _ = await check(load("host: nosuch.invalid, timeout: 3s"))
    assert (result.success, result.cause) == (False, "DNS: no such name")


def test_target_and_payload_type_and_defaults():
    monitor = load("host: 10.0.0.1")
    assert (monitor.target, monitor.payload_type) == ("ping 10.0.0.1", "ping")
    assert (monitor.spec.count, monitor.spec.max_loss) == (3, 50)


def test_keys_are_refused_with_line_and_column():
    assert problems("host: 10.0.0.1, count: 0, max_loss: 150") == [
        "c.yaml:2:48: monitors[0].count: must be between 1 and 10, got 0",
        "c.yaml:2:61: monitors[0].max_loss: must be between 0 and 100, got 150",
    ]
    assert problems("count: 3") == ["c.yaml:2:5: monitors[0]: 'host' is required for a ping monitor"]
    assert problems("host: 'http://10.0.0.1/'") == [
        "c.yaml:2:31: monitors[0].host: 'http://10.0.0.1/' is a URL: give the host name alone"]
    assert problems("host: 10.0.0.1, conditions: [result == 1]") == [
        "c.yaml:2:54: monitors[0].conditions[0]: ping monitors have no result (they have response_time, loss, rtt)"]
