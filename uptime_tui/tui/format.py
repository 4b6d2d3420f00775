"""How values read on screen: status glyph + word + tone, ages, durations, sparklines.

Rich only (no textual), so the data layer's tests and the screenshot script can use it. Every
status carries a glyph and a word as well as a tone, so it reads without colour (NO_COLOR, a
colour-blind reader, a monochrome SSH client); tones.py turns a tone into a legible style.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

# status -> (glyph, word, tone); a tone is bad, warn, ok, info or muted (see tones.py)
STATUS = {
    "up": ("●", "up", "ok"),
    "down": ("✖", "down", "bad"),
    "degraded": ("▲", "degraded", "warn"),
    "verifying": ("◐", "verifying", "warn"),
    "paused": ("‖", "paused", "muted"),
    "maintenance": ("◆", "maint", "info"),
    "new": ("·", "new", "muted"),
    "started": ("▶", "running", "info"),
}
SEVERITY = {"critical": ("!!", "critical", "bad"), "warning": ("!", "warning", "warn"),
            "ok": ("·", "ok", "ok")}
INCIDENT_STATE = {"new": ("★", "new", "bad"), "acknowledged": ("✓", "ack", "warn"),
                  "snoozed": ("z", "snoozed", "info"), "resolved": ("✔", "resolved", "ok")}
SPARK = "▁▂▃▄▅▆▇█"


class Badge(NamedTuple):
    """A status as shown: its text (glyph, word, perhaps more) and its tone."""

    text: str
    tone: str


def badge(table: dict, key: str, extra: str = "") -> Badge:
    """The key's glyph and word (and `extra` after them) in its tone."""
    glyph, word, tone = table.get(key, ("?", key, "muted"))
    return Badge(f"{glyph} {word}{extra}", tone)


def status(key: str) -> Badge:
    """A monitor or heartbeat status."""
    return badge(STATUS, key)


def ago(moment: datetime | None, now: datetime) -> str:
    """How long ago, compactly: 5s, 3m, 2h, 4d ('-' for never)."""
    if moment is None:
        return "-"
    return span((now - moment).total_seconds())


def until(moment: datetime | None, now: datetime) -> str:
    """How long until: 'in 40s', or 'late 3m' once past ('-' for none)."""
    if moment is None:
        return "-"
    seconds = (moment - now).total_seconds()
    return f"in {span(seconds)}" if seconds >= 0 else f"late {span(-seconds)}"


def span(seconds: float) -> str:
    """A duration in its largest unit and the next: 45s, 3m05s, 2h10m, 4d03h."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"


def clock(moment: datetime | None) -> str:
    """A time of day in UTC (and the date when it is not today's concern): 2026-11-23 09:14:02."""
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def sparkline(values: list[float], width: int = 12) -> str:
    """The last `width` values as block characters, scaled from 0 to their maximum."""
    values = values[-width:]
    if not values:
        return ""
    top = max(values) or 1.0
    return "".join(SPARK[min(len(SPARK) - 1, int(v / top * (len(SPARK) - 1) + 0.5))] for v in values)


def milliseconds(value: float | None) -> str:
    """A response time: 42 ms, 1.2 s."""
    if value is None:
        return "-"
    return f"{value:.0f} ms" if value < 1000 else f"{value / 1000:.1f} s"


def percent(value: float | None) -> str:
    """Uptime: 99.95%, 100%, '-' without checks."""
    if value is None:
        return "-"
    return "100%" if value >= 100 else f"{value:.2f}%"
