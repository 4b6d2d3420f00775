"""MonitorScreen: a monitor's recent results, a response-time chart and its incidents."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from uptime_tui.queries import dashboard as queries
from uptime_tui.tui import format as fmt
from uptime_tui.tui.screens.detail import ResourceDetailScreen
from uptime_tui.tui.tones import tone_styles
from uptime_tui.tui.widgets.keys_footer import KeysFooter
from uptime_tui.tui.widgets.pane_table import Column, PaneTable

RESULT_COLUMNS = [
    Column("Time (UTC)", lambda r, now: fmt.clock(r[1]), 19),
    Column("Result", lambda r, now: fmt.status("up" if r[2] else "down"), 11),
    Column("Response", lambda r, now: fmt.milliseconds(r[3] * 1000), 9),
    Column("Code", lambda r, now: str(r[4] or "-"), 5),
    Column("Cause", lambda r, now: r[5] or "", min_width=10),
]
INCIDENT_COLUMNS = [
    Column("#", lambda i, now: f"#{i.id}", 5),
    Column("State", lambda i, now: fmt.badge(fmt.INCIDENT_STATE, i.state(now)), 12),
    Column("Type", lambda i, now: i.type, 9),
    Column("Cause", lambda i, now: i.cause or "-", min_width=10),
    Column("Started", lambda i, now: fmt.clock(i.started_at), 19),
    Column("For", lambda i, now: fmt.span(((i.resolved_at or now) - i.started_at).total_seconds()), 7),
]


class ResponseChart(Widget):
    """The last checks' response times as block characters, oldest left, across the screen.

    Textual's Sparkline took 13 ms and more to draw each time the screen was shown; this is the
    dashboard's sparkline (format.sparkline), one line wide.
    """

    DEFAULT_CSS = "ResponseChart { height: 1; padding: 0 1; color: $accent; }"
    values: list[float] = []

    def show(self, values: list[float]) -> None:
        self.values = values
        self.refresh()

    def render(self) -> str:
        return fmt.sparkline(self.values, self.content_size.width) or "no checks yet"


class MonitorScreen(ResourceDetailScreen):
    """enter on an incident opens it; p pauses or resumes; esc goes back."""

    kind = "monitor"
    read = staticmethod(lambda reads, monitor_id: reads.monitor_detail(monitor_id))

    def compose(self) -> ComposeResult:
        clock = lambda: self.app.clock()  # noqa: E731
        yield Static("", id="monitor-head", classes="detail-head")
        with Vertical(classes="detail-body"):
            yield Static("Response time, last checks (oldest left)", id="chart-title", classes="section")
            yield ResponseChart(id="chart")
            yield PaneTable("Recent results", RESULT_COLUMNS, key=lambda r: r[0], clock=clock, id="results",
                            search=lambda r: f"{'up' if r[2] else 'down'} {r[4] or ''} {r[5] or ''}",
                            empty="no results yet")
            yield PaneTable("Incidents", INCIDENT_COLUMNS, key=lambda i: i.id, clock=clock, id="monitor-incidents",
                            search=lambda i: f"#{i.id} {i.type} {i.cause or ''}", empty="no incidents")
        yield KeysFooter()

    def present(self, monitor_id: int, detail: queries.MonitorDetail | None) -> None:
        head = self.query_one("#monitor-head", Static)
        if detail is None:
            head.update(f"Monitor {monitor_id} was removed (esc to go back)")
            return
        row = self.app.dashboard.table("monitors").get(monitor_id)
        tones = tone_styles(self.app, head.rich_style)
        text = Text()
        text.append(f"{detail.name}", style="bold")
        text.append(f"  {detail.type} {detail.target}  ")
        if row is not None:
            status = fmt.status(row.status)
            text.append(status.text, style=tones[status.tone])
            text.append(f"  24h uptime {fmt.percent(row.uptime_24h)}")
        times = [r[2] * 1000 for r in reversed(detail.results)]
        if times:
            ordered = sorted(times)
            text.append(f"\nlast {len(times)} checks: min {fmt.milliseconds(ordered[0])}, "
                        f"median {fmt.milliseconds(ordered[len(ordered) // 2])}, max {fmt.milliseconds(ordered[-1])}")
        for condition, passed, found in detail.conditions:
            mark, tone = ("✓", "ok") if passed else (("✗", "bad") if passed is False else ("·", "muted"))
            text.append(f"\n  {mark} ", style=tones.get(tone, ""))
            text.append(condition)
            text.append(f"  ({found})" if found is not None else "  (not checked yet)", style=tones["muted"])
        text.append("\np pause/resume · enter open incident · esc back", style=tones["muted"])
        head.update(text)
        self.query_one("#chart", ResponseChart).show(times)
        self.query_one("#results", PaneTable).set_rows([(n, *r) for n, r in enumerate(detail.results)])
        self.query_one("#monitor-incidents", PaneTable).set_rows(detail.incidents)
