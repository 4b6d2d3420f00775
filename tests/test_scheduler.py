"""The scheduler: spread, no overlap, a global cap, reschedule on change."""

import asyncio
from collections import Counter

import pytest

from support.config import monitor as build_monitor
from uptime_tui.engine.scheduler import Scheduler, phase


def monitor(i, interval=1.0):
    return build_monitor("tcp", id=f"m{i}", host="127.0.0.1", port=9, interval=interval, timeout=interval)


def test_ten_thousand_monitors_spread_over_the_interval():
    per_second = Counter(int(phase(f"monitor-{i}", 60.0)) for i in range(10_000))
    assert len(per_second) == 60
    assert max(per_second.values()) < 2 * 10_000 / 60  # no second carries twice its share


@pytest.mark.anyio
async def test_a_slow_check_never_overlaps_itself():
    running, most, runs = Counter(), Counter(), Counter()

    async def slow_check(m):
        running[m.id] += 1
        most[m.id] = max(most[m.id], running[m.id])
        runs[m.id] += 1
        await asyncio.sleep(0.25)  # longer than the interval
        running[m.id] -= 1

    scheduler = Scheduler(slow_check)
    scheduler.set_monitors([monitor(1, interval=0.1)])
    await asyncio.sleep(1.2)
    await scheduler.stop()
    assert most["m1"] == 1
    assert 2 <= runs["m1"] <= 6  # missed slots were skipped, not replayed in a burst


@pytest.mark.anyio
async def test_the_global_cap_bounds_concurrent_checks():
    running = most = 0

    async def check(m):
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.05)
        running -= 1

    scheduler = Scheduler(check, max_concurrent=5)
    scheduler.set_monitors([monitor(i, interval=0.2) for i in range(50)])
    await asyncio.sleep(0.8)
    await scheduler.stop()
    assert most == 5


@pytest.mark.anyio
async def test_set_monitors_starts_stops_and_reschedules():
    seen = []

    async def check(m):
        seen.append((m.id, m.interval))

    scheduler = Scheduler(check)
    scheduler.set_monitors([monitor(1, 0.1), monitor(2, 0.1)])
    await asyncio.sleep(0.35)
    scheduler.set_monitors([monitor(1, 0.05), monitor(3, 0.1)])
    assert scheduler.monitor_ids == {"m1", "m3"}
    seen.clear()
    await asyncio.sleep(0.35)
    await scheduler.stop()
    assert {s[0] for s in seen} == {"m1", "m3"} and ("m1", 0.05) in seen


@pytest.mark.anyio
async def test_a_check_that_raises_keeps_its_schedule():
    calls = 0

    async def broken(m):
        nonlocal calls
        calls += 1
        raise RuntimeError("bug")

    scheduler = Scheduler(broken)
    scheduler.set_monitors([monitor(1, 0.05)])
    await asyncio.sleep(0.3)
    await scheduler.stop()
    assert calls >= 3
