"""The dashboard's header line: what is up and down, open incidents, region, clock."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from uptime_tui.tui import format as fmt


@dataclass(frozen=True)
class Summary:
    """The counts the header shows."""

    monitors: Counter
    heartbeats: Counter
    open_incidents: int
    unacknowledged: int
    region: str
    clock: str


class StatusBar(Static):
    """One line at 80 columns and up; counts by glyph and word, never by colour alone."""

    DEFAULT_CSS = """
    StatusBar { height: auto; background: $boost; padding: 0 1; }
    """

    def show(self, summary: Summary) -> None:
        """Repaint with new counts (only when they changed)."""
        text = Text()
        counts = summary.monitors + summary.heartbeats
        for status, label in (("up", "up"), ("down", "down"), ("degraded", "degr"),
                              ("paused", "paused"), ("maintenance", "maint")):
            glyph, _word, style = fmt.STATUS[status]
            n = counts.get(status, 0)
            text.append(f"{glyph}{n} {label}", style=style if n or status == "up" else "dim")
            text.append(" ")
        text.append("│ ", style="dim")
        style = "bold red" if summary.unacknowledged else ("yellow" if summary.open_incidents else "green")
        text.append(f"{summary.open_incidents} open {summary.unacknowledged} unack", style=style)
        text.append(" │ ", style="dim")
        text.append(f"{summary.region} {summary.clock}")
        self.update(text)
