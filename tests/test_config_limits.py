"""Every duration and number in the config has a range: NaN, infinity and values that would
overflow timedelta or datetime are refused with their line and column, never accepted."""

import math
from datetime import datetime, timedelta, timezone

import pytest

from uptime_tui.config import limits
from uptime_tui.config import ConfigInvalid, parse_config
from uptime_tui.config.values import duration, human_duration

MONITOR = "monitors:\n  - id: web\n    type: http\n    url: http://127.0.0.1:9/\n"
HEARTBEAT = "heartbeats:\n  - id: job\n    period: 1h\n"
CHANNEL = "channels:\n  - id: c\n    apprise: json://127.0.0.1:9/\n"
POLICY = CHANNEL + "policies:\n  - id: p\n    steps:\n      - channels: [c]\n"
WINDOW = MONITOR + "maintenance:\n  - id: w\n    monitors: [web]\n    schedule: '0 3 * * *'\n    duration: 1h\n"

# (a valid file, the key path, how to set the value in it, its range)
DURATIONS = [
    (MONITOR, "monitors[0].interval", "    interval: {}\n", limits.MONITOR_INTERVAL),
    (MONITOR + "    interval: 1d\n", "monitors[0].timeout", "    timeout: {}\n", limits.MONITOR_TIMEOUT),
    (MONITOR, "monitors[0].degraded_after", "    degraded_after: {}\n", limits.DEGRADED_AFTER),
    ("heartbeats:\n  - id: job\n", "heartbeats[0].period", "    period: {}\n", limits.HEARTBEAT_PERIOD),
    (HEARTBEAT, "heartbeats[0].grace", "    grace: {}\n", limits.HEARTBEAT_GRACE),
    ("settings:\n", "settings.group_window", "  group_window: {}\n", limits.GROUP_WINDOW),
    (CHANNEL, "channels[0].min_interval", "    min_interval: {}\n", limits.CHANNEL_MIN_INTERVAL),
    (CHANNEL, "channels[0].timeout", "    timeout: {}\n", limits.CHANNEL_TIMEOUT),
    (POLICY, "policies[0].steps[0].wait", "        wait: {}\n", limits.ESCALATION_WAIT),
    (POLICY, "policies[0].repeat_delay", "    repeat_delay: {}\n", limits.REPEAT_DELAY),
    (POLICY, "policies[0].reminder", "    reminder: {}\n", limits.REMINDER),
    (WINDOW.replace("    duration: 1h\n", ""), "maintenance[0].duration", "    duration: {}\n", limits.WINDOW_DURATION),
]
IDS = [case[1] for case in DURATIONS]


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigInvalid) as info:
        parse_config(text, "c.yaml", {})
    return [str(p) for p in info.value.problems]


def position(text: str) -> str:
    """file:line:col of the last line's value (where each case puts the value under test)."""
    lines = text.rstrip("\n").split("\n")
    return f"c.yaml:{len(lines)}:{lines[-1].index(':') + 3}"


@pytest.mark.parametrize("base, path, line, bounds", DURATIONS, ids=IDS)
@pytest.mark.parametrize("bad", [".nan", ".inf", "-.inf", ".NaN", "99999999999999999999999d", "99999999999w",
                                 "1" + "0" * 400, "9" * 400 + "s", "1e400", "-1s", "[1s]", "{a: 1}", "true"])
def test_each_duration_refuses_nan_infinity_and_overflow_at_its_position(base, path, line, bounds, bad):
    text = base + line.format(bad)
    found = problems(text)
    assert len(found) == 1, found
    assert found[0].startswith(f"{position(text)}: {path}: "), found


@pytest.mark.parametrize("base, path, line, bounds", DURATIONS, ids=IDS)
def test_each_duration_accepts_its_bounds_and_refuses_just_past_them(base, path, line, bounds):
    low, high = bounds
    for seconds in (low, high):
        parse_config(base + line.format(f"{seconds}s" if seconds >= 1 else f"{seconds * 1000:g}ms"), "c.yaml", {})
    [above] = problems(base + line.format(f"{high + 1}s"))
    assert f"{path}: must be at most {human_duration(high)}" in above
    if low > 0:
        [below] = problems(base + line.format(f"{low / 2 * 1000:g}ms"))
        assert f"{path}: must be at least {human_duration(low)}" in below


def test_the_reported_cases():
    assert problems(MONITOR + "    interval: .nan\n") == [
        "c.yaml:5:15: monitors[0].interval: must be a finite duration such as 30s, 5m, 1h30m or 2d, got nan"]
    assert problems(MONITOR + "    interval: .inf\n") == [
        "c.yaml:5:15: monitors[0].interval: must be a finite duration such as 30s, 5m, 1h30m or 2d, got inf"]
    assert problems(MONITOR + "    interval: 99999999999999999999999d\n") == [
        "c.yaml:5:15: monitors[0].interval: must be at most 1d, got '99999999999999999999999d'"]
    assert problems("settings:\n  group_window: 99999999999w\n") == [
        "c.yaml:2:17: settings.group_window: must be at most 1d, got '99999999999w'"]


def test_every_accepted_duration_fits_timedelta_from_now():
    config = parse_config(
        "settings: {group_window: 1d}\n" + MONITOR + "    interval: 1d\n    timeout: 5m\n"
        "heartbeats: [{id: job, period: 365d, grace: 365d}]\n", "c.yaml", {})
    now = datetime.now(timezone.utc)
    for seconds in (config.settings.group_window, config.monitors[0].interval, config.heartbeats[0].period,
                    config.heartbeats[0].grace):
        assert math.isfinite(seconds)
        assert now - timedelta(seconds=seconds) < now + timedelta(seconds=seconds)


# (a file, the key path, how to set the value, its range)
NUMBERS = [
    (MONITOR, "monitors[0].confirmation", "    confirmation: {}\n", limits.CONFIRMATION),
    (MONITOR, "monitors[0].recovery", "    recovery: {}\n", limits.CONFIRMATION),
    (MONITOR.replace("type: http", "type: tls"), "monitors[0].tls_warning_days", "    tls_warning_days: {}\n",
     limits.TLS_WARNING_DAYS),
    (MONITOR.replace("type: http\n    url: http://127.0.0.1:9/", "type: tcp\n    host: h"), "monitors[0].port",
     "    port: {}\n", limits.PORT),
    (CHANNEL, "channels[0].burst", "    burst: {}\n", limits.BURST),
    (POLICY, "policies[0].repeat", "    repeat: {}\n", limits.POLICY_REPEAT),
    ("settings:\n  retention:\n", "settings.retention.audit", "    audit: {}\n", limits.RETENTION_DAYS),
]


@pytest.mark.parametrize("base, path, line, bounds", NUMBERS, ids=[case[1] for case in NUMBERS])
def test_each_number_has_a_range_and_refuses_nan_and_huge_values(base, path, line, bounds):
    low, high = bounds
    for value in (low, high):
        parse_config(base + line.format(value), "c.yaml", {})
    for bad in (low - 1, high + 1, 10 ** 300, "9" * 5000, ".nan", ".inf", 1.5, "'2'"):
        text = base + line.format(bad)
        found = problems(text)
        assert len(found) == 1 and found[0].startswith(f"{position(text)}: {path}: "), (bad, found)


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "1969-12-31 23:00",
                                  "3000-01-01 00:00", "2026-13-45", "2026-02-30 10:00"])
def test_one_off_window_times_stay_inside_datetime(when):
    text = MONITOR + f"maintenance:\n  - id: w\n    monitors: [web]\n    start: 2026-01-01 10:00\n    end: {when}\n"
    [found] = problems(text)
    assert found.startswith(f"{position(text)}: maintenance[0].end: "), found


def test_a_window_time_in_range_is_aware_and_kept():
    text = MONITOR + "maintenance:\n  - {id: w, monitors: [web], start: 2026-01-01 10:00, end: 2999-12-31 23:00,\n" \
                     "     timezone: Europe/Berlin}\n"
    window = parse_config(text, "c.yaml", {}).maintenance[0]
    assert window.end.year == 2999 and window.end.utcoffset() == timedelta(hours=1)


def test_the_duration_grammar_refuses_non_finite_values_for_every_caller():
    """The API's snooze duration reads the same grammar: it must see a ValueError, not NaN."""
    assert duration("1h30m") == 5400 and duration(90) == 90 and duration("500ms") == 0.5
    for bad in (math.nan, math.inf, -math.inf, 10 ** 400, "9" * 400 + "d", "-5s", True, None, [1]):
        with pytest.raises(ValueError):
            duration(bad)


def test_ten_thousand_monitors_written_out_in_full_are_within_the_size_limits():
    from uptime_tui.config import yamltree

    lines = ["defaults: &defaults {interval: 60s, timeout: 5s, confirmation: 2, recovery: 2}", "monitors:"]
    lines += [f"  - {{<<: *defaults, id: m{i}, name: Monitor {i}, type: http, url: 'http://127.0.0.1:9/{i}', "
              f"tags: [a, b], group: g{i % 50}}}" for i in range(10_000)]
    tree = yamltree.parse("\n".join(lines) + "\n", {})
    assert tree.problems == [] and len(tree.value["monitors"]) == 10_000
