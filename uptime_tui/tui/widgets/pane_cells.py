"""A PaneTable's columns and how one of its lines is cut into cells: pure functions of text and
widths, no widget state (the pane caches their results per width and per style change).

A row's line is built as plain texts and styles rather than through rich's Text.render: a pane
repaints every visible line each second, and this is most of that cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from uptime_tui.tui.format import Badge


@dataclass(frozen=True)
class Column:
    """A column: its label, width (or flex share of the rest) and how a row shows in it.

    `render` gives a str, or a Badge (format.py) whose tone styles its words.
    """

    label: str
    render: Callable[[Any, datetime], str | Badge]
    width: int = 0  # 0: flexible
    min_width: int = 6
    hide_below: int = 0  # left out when the pane is narrower than this (80-column terminals)


def column_widths(columns: list[Column], width: int) -> list[tuple[Column, int]]:
    """The columns shown at this width, with their widths: the flexible ones share what the
    fixed ones leave, the first of them taking the remainder."""
    columns = [c for c in columns if width >= c.hide_below]
    gaps = len(columns) - 1
    fixed = sum(c.width for c in columns if c.width)
    flex = [c for c in columns if not c.width]
    rest = max(0, width - fixed - gaps)
    share = rest // len(flex) if flex else 0
    widths = [column.width or max(column.min_width, share) for column in columns]
    if flex and rest - share * len(flex) > 0:
        first = next(i for i, c in enumerate(columns) if not c.width)
        widths[first] += rest - share * len(flex)
    return list(zip(columns, widths))


def fit(text: str, width: int) -> str:
    """`text` in exactly `width` cells: padded, or cut with an ellipsis."""
    length = cell_len(text)
    if length <= width:
        return text + " " * (width - length)
    return set_cell_size(text, width - 1) + "…" if width else ""


def cells(texts: list[str], layout: list[tuple[Column, int]]) -> list[str]:
    """Each cell fitted to its column, a space between columns."""
    return [(" " if i else "") + fit(text, cell_width) for i, (text, (_column, cell_width)) in enumerate(zip(texts, layout))]


def strip(texts: list[str], styles: list[Style], width: int, rest: Style | None = None) -> Strip:
    """One line of cells; what is left of the width takes `rest` (the first cell's style when None)."""
    segments = [Segment(text, style) for text, style in zip(texts, styles)]
    used = sum(cell_len(text) for text in texts)
    if used < width:
        segments.append(Segment(" " * (width - used), rest or styles[0]))
    return Strip(segments).crop(0, width) if used > width else Strip(segments, width)


def row_cells(row: Any, layout: list[tuple[Column, int]], now: datetime, width: int, base: Style,
              tones: dict[str, Style]) -> tuple[list[str], list[Style]]:
    """A row's cells in `width` cells, with their styles: `base`, and a badge's tone on its words."""
    texts, styles = [], []
    for i, (column, cell_width) in enumerate(layout):
        value = column.render(row, now)
        if i:
            texts.append(" ")
            styles.append(base)
        if isinstance(value, Badge):  # its tone on its words only: reverse video (NO_COLOR)
            fitted = fit(value.text, cell_width)  # made a block of the padding too
            words = fitted.rstrip(" ")
            texts += [words, fitted[len(words):]]
            styles += [tones[value.tone], base]
        else:
            texts.append(fit(str(value), cell_width))
            styles.append(base)
    used = sum(cell_len(text) for text in texts)
    if used < width:
        texts.append(" " * (width - used))
        styles.append(base)
    return texts, styles


def scrollbar_cell(line: int, shown: int, total: int, top: int) -> str:
    """The scroll bar's cell on a row line: the thumb where the rows shown are, else blank."""
    if total <= shown:
        return " "
    thumb = max(1, shown * shown // total)
    start = round(top * (shown - thumb) / (total - shown))
    return "▐" if start <= line < start + thumb else " "


def title_line(title: str, shown: int, total: int, filter_text: str, filtering: bool) -> str:
    """A pane's title line: its name, the rows shown of all, the filter."""
    counts = f"{shown}/{total}" if filter_text else f"{total}"
    text = f" {title} ({counts})"
    if filtering:
        text += f"  / {filter_text}▏  type to filter · enter keeps · esc clears"
    elif filter_text:
        text += f"  filter: {filter_text}  (/ to change, esc in it to clear)"
    return text
