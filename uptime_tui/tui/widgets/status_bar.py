"""The dashboard's header line: what is up and down, open incidents, region, clock."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from uptime_tui.tui import format as fmt
from uptime_tui.tui.tones import tone_styles


@dataclass(frozen=True)
class Summary:
    """The counts the header shows."""

    monitors: Counter
    heartbeats: Counter
    open_incidents: int
    unacknowledged: int
    region: str
    clock: str
    failing_channels: tuple[str, ...] = ()  # notification channels whose deliveries fail
    engine_problems: tuple[str, ...] = ()  # the engine's own: database unreachable, no descriptors
    engine: str = ""  # which engine: "engine: embedded", "engine: serve on HOST, pid N, up 3h", or lost
    # (shown in the room the line has left; when lost, always, as bad news)


class StatusBar(Widget):
    """One line at 80 columns and up; counts by glyph and word, never by colour alone (tones.py).

    Not a Static: Static.update re-lays the whole screen out (40-70 ms with 10,000 monitors),
    and the header changes every second. This one does so only when its height changes.
    """

    DEFAULT_CSS = """
    StatusBar { height: auto; background: $boost; padding: 0 1; }
    """
    _text = Text()
    _tones: dict[str, Style] | None = None
    _summary: Summary | None = None

    def render(self) -> Text:
        return self._text

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._tones = None  # a theme switch: resolve the tones again
        if self._summary is not None:  # and repaint now: the old theme's tones may not read on the new
            self.call_later(self.show, self._summary)

    def _height(self, text: Text) -> int:
        return max(1, -(-text.cell_len // max(1, self.content_size.width)))

    def show(self, summary: Summary) -> None:
        """Repaint with new counts (only when they changed)."""
        self._summary = summary
        if self._tones is None:
            self._tones = tone_styles(self.app, self.rich_style)
        tones = self._tones
        text = Text()
        counts = summary.monitors + summary.heartbeats
        for status, label in (("up", "up"), ("down", "down"), ("degraded", "degr"),
                              ("paused", "paused"), ("maintenance", "maint")):
            glyph, _word, tone = fmt.STATUS[status]
            n = counts.get(status, 0)
            text.append(f"{glyph}{n} {label}", style=tones[tone if n or status == "up" else "muted"])
            text.append(" ")
        text.append("│ ", style=tones["muted"])
        tone = "bad" if summary.unacknowledged else ("warn" if summary.open_incidents else "ok")
        text.append(f"{summary.open_incidents} open {summary.unacknowledged} unack", style=tones[tone])
        text.append(" │ ", style=tones["muted"])
        if summary.engine.startswith("⚠"):  # lost: the panes show what the engine last knew
            text.append(summary.engine, style=tones["bad"])
            text.append(" │ ", style=tones["muted"])
        for problem in summary.engine_problems:  # nothing may be stored or checked: say so first
            text.append(f"⚠ {problem}", style=tones["bad"])
            text.append(" │ ", style=tones["muted"])
        if summary.failing_channels:  # pages may not be reaching anyone: say so in the header
            text.append(f"⚠ notify failing: {', '.join(summary.failing_channels)}", style=tones["bad"])
            text.append(" │ ", style=tones["muted"])
        tail = f"{summary.region} {summary.clock}"
        if summary.engine and not summary.engine.startswith("⚠"):
            # Which engine is context, not news: it takes the room left on the line, in full
            # ("engine: serve on HOST, pid N, up 3h"), shortened ("serve on HOST"), or not at all.
            room = self.content_size.width - text.cell_len - len(tail)
            short = summary.engine.removeprefix("engine: ").split(",")[0]
            shown = next((s for s in (summary.engine, short) if len(s) + 3 <= room), None)
            if shown:
                text.append(shown, style=tones["muted"])
                text.append(" │ ", style=tones["muted"])
        text.append(tail)
        if text != self._text:
            relayout = self._height(text) != self._height(self._text)
            self._text = text
            self.refresh(layout=relayout)
