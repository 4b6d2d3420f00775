"""How values read on screen: status glyph + word + colour, ages, durations, sparklines.

Rich only (no textual), so the data layer's tests and the screenshot script can use it. Every
status carries a glyph and a word as well as a colour, so it reads without colour (NO_COLOR, a
colour-blind reader, a monochrome SSH client).
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

# status -> (glyph, word, style)
STATUS = {
    "up": ("●", "up", "green"),
    "down": ("✖", "down", "bold red"),
    "degraded": ("▲", "degraded", "yellow"),
    "verifying": ("◐", "verifying", "yellow"),
    "paused": ("‖", "paused", "dim"),
    "maintenance": ("◆", "maint", "blue"),
    "new": ("·", "new", "dim"),
    "started": ("▶", "running", "cyan"),
}
SEVERITY = {"critical": ("!!", "critical", "bold red"), "warning": ("!", "warning", "yellow"),
            "ok": ("·", "ok", "green")}
INCIDENT_STATE = {"new": ("★", "new", "bold red"), "acknowledged": ("✓", "ack", "yellow"),
                  "snoozed": ("z", "snoozed", "cyan"), "resolved": ("✔", "resolved", "green")}
SPARK = "▁▂▃▄▅▆▇█"


def badge(table: dict, key: str) -> Text:
    """A glyph and a word in the key's colour."""
    glyph, word, style = table.get(key, ("?", key, ""))
    return Text(f"{glyph} {word}", style=style)


def status(key: str) -> Text:
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
