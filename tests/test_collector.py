"""The console's garbage collection policy (tui/collector.py), with a fake monotonic clock."""

import gc

from uptime_tui.tui.collector import NEVER, Collector


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_full_collections_wait_for_a_quiet_moment_and_are_given_back():
    before = gc.get_threshold()
    clock = Clock()
    collector = Collector(every=30, at_least=300, quiet=2, clock=clock)
    collector.start()
    try:
        assert gc.get_threshold() == (before[0], before[1], NEVER)
        clock.now += 31
        collector.key_pressed()
        clock.now += 1
        assert not collector.tick()  # a key came a moment ago: later
        clock.now += 2
        assert collector.tick()  # quiet for 2 s and due
        assert not collector.tick()  # not again before `every`
        for _ in range(301):  # keys all the time: still at least every `at_least`
            clock.now += 1
            collector.key_pressed()
            if collector.tick():
                break
        else:
            raise AssertionError("no collection within at_least")
    finally:
        collector.stop()
    assert gc.get_threshold() == before


def test_a_full_load_is_collected_once_and_frozen_until_the_console_stops():
    collector = Collector()
    collector.start()
    try:
        collector.loaded()
        assert gc.get_freeze_count() > 0
    finally:
        collector.stop()
    assert gc.get_freeze_count() == 0
