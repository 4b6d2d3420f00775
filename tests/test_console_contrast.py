"""Every status word reads: a contrast of at least 4.5:1 (WCAG AA) against its background, in
every theme the console offers, on the cursor row too, with NO_COLOR set and without.

The screen is read as the terminal gets it: the compositor's lines after Textual's own filters
(ANSI colours to the theme's palette; with NO_COLOR, every colour greyed by its luminance).
A reversed cell swaps its colours, which leaves the contrast as it is."""

import dataclasses
import re

import pytest
from rich.color import Color as RichColor

from support.console import recorded_demo
from support.clock import FixedClock
from uptime_tui.store import open_database
from uptime_tui.tui import format as fmt
from uptime_tui.tui.app import build_app

AA = 4.5
ROW_WORDS = sorted({f"{glyph} {word}" for table in (fmt.STATUS, fmt.SEVERITY, fmt.INCIDENT_STATE)
                    for glyph, word, _tone in table.values()} | {"… acknowledging"}, key=len, reverse=True)
HEADER_WORDS = re.compile(r"[●✖▲‖◆]\d+ \w+|\d+ open \d+ unack")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A database holding ten minutes of the demo, and the moment it ends."""
    return recorded_demo(tmp_path_factory.mktemp("contrast"))


def luminance(rgb) -> float:
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a, b) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def shown(color, palette, foreground):
    """A segment's colour as the terminal shows it (ANSI and default colours by the palette)."""
    color = color or RichColor.default()
    return color.triplet or color.get_truecolor(palette, foreground)


def status_cells(app):
    """(text, lowest contrast among its cells, line) of every status word on the screen."""
    found = []
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        cells = []
        for segment in strip:
            style = segment.style
            colors = (shown(style and style.color, app.ansi_theme, True),
                      shown(style and style.bgcolor, app.ansi_theme, False))
            cells += [(char, colors) for char in segment.text]
        line = "".join(char for char, _ in cells)
        spans, taken = [], set()
        for word in ROW_WORDS:  # longest first: "!! critical" is not also "! critical"
            for match in re.finditer(re.escape(word), line):
                if not taken & set(range(*match.span())):
                    spans.append(match.span())
                    taken |= set(range(*match.span()))
        if y == 0:
            spans += [m.span() for m in HEADER_WORDS.finditer(line)]
        for start, end in spans:
            worst = min(contrast(*colors) for char, colors in cells[start:end] if char != " ")
            found.append((line[start:end], worst, y))
    return found


def every_status(app):
    """Rows that show every status, severity and incident state (the demo ends with some only)."""
    dashboard = app.dashboard
    statuses = list(fmt.STATUS)
    resources = dashboard.table("monitors").rows + dashboard.table("heartbeats").rows
    for row, status in zip(resources, statuses):
        row.status = status
    assert len(resources) >= len(statuses)
    incidents = dashboard.table("incidents")
    template, now = incidents.rows[0], app.clock()
    variants = [{"active": True, "acknowledged_by": None, "snoozed_until": None, "severity": "critical"},
                {"active": True, "acknowledged_by": "alice", "snoozed_until": None, "severity": "warning"},
                {"active": True, "acknowledged_by": "bob", "pending": "acknowledging", "severity": "ok"},
                {"active": True, "snoozed_until": now.replace(year=now.year + 1), "severity": "critical"},
                {"active": False, "severity": "warning"}]
    incidents.set_rows([dataclasses.replace(template, id=1000 + n, **fields) for n, fields in enumerate(variants)])
    dashboard.tick_header()
    for name in ("monitors", "heartbeats", "incidents"):
        dashboard.table(name).rows_changed()
        dashboard.table(name).redraw()


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
@pytest.mark.anyio
async def test_every_status_word_reads_in_every_theme_and_on_the_cursor_row(recorded, monkeypatch, no_color):
    config, path, now = recorded
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    database = open_database(str(path))
    app = build_app(config, operator="alice", clock=FixedClock(now))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            assert app.no_color is no_color
            for _ in range(200):
                if app.dashboard.loaded and app.dashboard.table("incidents").rows:
                    break
                await pilot.pause(0.02)
            monkeypatch.setattr(app.dashboard, "schedule_reload", lambda *parts, **delay: None)  # rows stay as set
            every_status(app)
            await pilot.pause()
            themes = sorted(app.available_themes)
            assert {"textual-dark", "textual-light", "ansi-dark", "ansi-light"} <= set(themes)
            failures, seen, on_cursor = [], set(), set()
            for theme in themes:
                app.theme = theme
                for pane in ("monitors", "heartbeats", "incidents"):
                    table = app.dashboard.table(pane)
                    table.focus()
                    for position in range(len(table.visible_rows)):  # the cursor on every row
                        table.move_to(position)
                        await pilot.pause()
                        cursor_line = table.region.y + 2 + position - table.top
                        for text, worst, y in status_cells(app):
                            seen.add(text)
                            if y == cursor_line:
                                on_cursor.add(text)
                            if worst < AA:
                                failures.append(f"{theme}: {text!r} on line {y} at {worst:.2f}:1")
            assert not failures, f"{len(failures)} status cells below {AA}:1, e.g. " + "; ".join(failures[:8])
            assert set(ROW_WORDS) <= seen and set(ROW_WORDS) <= on_cursor  # every word was checked
            header = {w for w in seen if HEADER_WORDS.fullmatch(w)}
            assert any(re.fullmatch(r"✖[1-9]\d* down", w) for w in header), header  # the header's words too
            assert any(re.fullmatch(r"\d+ open [1-9]\d* unack", w) for w in header), header
    finally:
        database.close()
