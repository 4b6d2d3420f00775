"""The per-monitor series of `/metrics`, written straight from the engine's readings.

They are nearly every line of a scrape (five families, 40,000 lines at 10,000 monitors). Going
through prometheus-client's families costs a `Sample` and a labels dict per line before a
character is written (300 ms a scrape at 10,000 monitors, bench/metrics.py); here each monitor's
label text is built once, kept while its id, name and type stay, and a scrape only appends
values. The format is the one `Exposition` writes for the other families (text format 0.0.4).
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.utils import floatToGoString

ANSWERING = frozenset({"up", "degraded"})  # the statuses `uptime_monitor_up` counts as 1

# (name as written, type, help), in the order a scrape writes them
FAMILIES = (
    ("uptime_monitor_up", "gauge",
     "1 while the monitor answers (up or degraded), 0 while it is down or verifying"),
    ("uptime_monitor_response_time_seconds", "gauge", "The last check's response time"),
    ("uptime_monitor_checks_total", "counter", "Checks recorded since the engine started"),
    ("uptime_monitor_failures_total", "counter", "Failed checks since the engine started"),
    ("uptime_monitor_certificate_expiry_timestamp_seconds", "gauge",
     "When the last certificate a check saw expires (Unix time)"),
)


def escape_value(value: str) -> str:
    """A label value as the text format writes it."""
    if "\\" in value or "\n" in value or '"' in value:
        return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')
    return value


def number(value) -> str:
    """A sample value: Python's repr (which Prometheus reads), inf and nan as Go writes them."""
    text = repr(value)
    return floatToGoString(value) if text[-1] in "fn" else text


class MonitorSeries:
    """Writes the five per-monitor families; keeps each monitor's label text between scrapes
    (what a scrape did not use is dropped, so removed monitors do not stay)."""

    def __init__(self) -> None:
        self._heads: dict[tuple, tuple[str, ...]] = {}
        self._regions: dict[tuple, tuple[str, str]] = {}

    def render(self, readings: Iterable, out: list[str]) -> None:
        """Append every family's help, type and sample lines for `readings` to `out`."""
        lines: tuple[list[str], ...] = ([], [], [], [], [])
        up, response, checks, failures, expiry = lines
        known, used = self._heads, {}
        known_regions, used_regions = self._regions, {}
        for reading in readings:
            key, figures = reading.monitor_id, reading.figures
            identity = (key, reading.name, reading.type)
            heads = known.get(identity) or _heads(*identity)
            used[identity] = heads
            up.append(heads[0] + ("1.0\n" if reading.status in ANSWERING else "0.0\n"))
            if figures.response_time is not None:
                response.append(heads[1] + number(figures.response_time) + "\n")
            if figures.certificate_expiry is not None:
                expiry.append(heads[2] + number(figures.certificate_expiry) + "\n")
            for region, count in figures.checks.items():
                place = (key, region)
                check_head, failure_head = known_regions.get(place) or _region_heads(heads[3], region)
                used_regions[place] = (check_head, failure_head)
                checks.append(f"{check_head}{count}\n")  # counts are ints: digits, as repr writes them
                failures.append(f"{failure_head}{figures.failures.get(region, 0)}\n")
        self._heads, self._regions = used, used_regions
        for (name, kind, help_text), samples in zip(FAMILIES, (up, response, checks, failures, expiry)):
            out.append(header(name, kind, help_text))
            out.extend(samples)


def header(name: str, kind: str, help_text: str) -> str:
    """A family's HELP and TYPE lines, `name` as written (a counter's with `_total`, as 0.0.4 has it)."""
    help_text = help_text.replace("\\", "\\\\").replace("\n", "\\n")
    return f"# HELP {name} {help_text}\n# TYPE {name} {kind}\n"


def _heads(key: str, name: str, monitor_type: str) -> tuple[str, ...]:
    monitor = f'monitor="{escape_value(key)}"'
    return (f'uptime_monitor_up{{{monitor},name="{escape_value(name)}",type="{escape_value(monitor_type)}"}} ',
            f"uptime_monitor_response_time_seconds{{{monitor}}} ",
            f"uptime_monitor_certificate_expiry_timestamp_seconds{{{monitor}}} ",
            monitor)


def _region_heads(monitor: str, region: str) -> tuple[str, str]:
    labels = f'{monitor},region="{escape_value(region)}"'
    return f"uptime_monitor_checks_total{{{labels}}} ", f"uptime_monitor_failures_total{{{labels}}} "

