"""PaneTable: a keyboard-driven table that draws only the rows on screen.

Textual's DataTable measures and stores every cell as it is added: 10,000 rows take about 3 s
to build (PERFORMANCE.md). A pane here holds its rows as plain objects and renders a line only
when the compositor asks for it (the Line API), so building, filtering and updating cost the
same for 10 rows or 10,000. Line 0 is the pane's title (name, counts, filter), line 1 the
column header; both stay put while the rows scroll.

While another screen (a dialog) covers the pane, updates only mark it stale; it repaints once,
when its screen is shown again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

HEADER_LINES = 2


@dataclass(frozen=True)
class Column:
    """A column: its label, width (or flex share of the rest) and how a row shows in it."""

    label: str
    render: Callable[[Any, datetime], str | Text]
    width: int = 0  # 0: flexible
    min_width: int = 6
    hide_below: int = 0  # left out when the pane is narrower than this (80-column terminals)


class PaneTable(ScrollView, can_focus=True):
    """Rows of any objects, a cursor, and a filter; see the module docstring."""

    DEFAULT_CSS = """
    PaneTable { height: 1fr; scrollbar-size-vertical: 1; overflow-x: hidden; }
    PaneTable > .pane-table--title { background: $panel; color: $text-muted; text-style: bold; }
    PaneTable:focus > .pane-table--title { background: $primary; color: $text; text-style: bold; }
    PaneTable > .pane-table--header { color: $text-muted; text-style: bold underline; }
    PaneTable > .pane-table--cursor { background: $surface-lighten-2; }
    PaneTable:focus > .pane-table--cursor { background: $accent; color: $text; }
    """
    COMPONENT_CLASSES = {"pane-table--title", "pane-table--header", "pane-table--cursor"}
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
    ]

    class Moved(Message):
        """The cursor moved to another row (or the rows changed under it)."""

        def __init__(self, table: PaneTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> PaneTable:
            return self.table

    def __init__(self, title: str, columns: list[Column], *, key: Callable[[Any], Any],
                 search: Callable[[Any], str], clock: Callable[[], datetime],
                 id: str | None = None, empty: str = "nothing here", cache_search: bool = False) -> None:
        super().__init__(id=id)
        self.title = title
        self.columns = columns
        self._key, self._search, self._clock = key, search, clock
        self.empty = empty
        self.filter_text = ""
        self._all: list = []
        self._view: list = []
        self._position: dict[Any, int] = {}
        self._by_key: dict[Any, Any] = {}
        self.cursor = 0
        self.stale = False
        self._widths: tuple[int, list[tuple[Column, int]]] = (-1, [])
        self._styles: tuple[bool, dict[str, Style]] | None = None
        # key -> casefolded search text, kept until the row changes (only for search texts that
        # depend on the row alone, not on the clock)
        self._search_cache: dict[Any, str] | None = {} if cache_search else None

    # --- data ---------------------------------------------------------------------------------

    @property
    def rows(self) -> list:
        """Every row, filtered out or not."""
        return self._all

    @property
    def visible_rows(self) -> list:
        """The rows the filter lets through, in order."""
        return self._view

    @property
    def selected(self) -> Any | None:
        """The row under the cursor."""
        return self._view[self.cursor] if 0 <= self.cursor < len(self._view) else None

    def set_rows(self, rows: list) -> None:
        """Replace every row; the cursor stays on the same row when it is still there."""
        selected = self.selected
        self._all = list(rows)
        self._by_key = {self._key(r): r for r in self._all}
        self.rows_changed()
        self._apply_filter(self._key(selected) if selected is not None else None)

    def prepend(self, row: Any, limit: int = 500) -> None:
        """Add a row on top (the live tail), keeping at most `limit`."""
        self._all.insert(0, row)
        del self._all[limit:]
        self._by_key = {self._key(r): r for r in self._all}
        self.rows_changed()
        selected = self.selected
        self._apply_filter(self._key(selected) if selected is not None and self.cursor else None)

    def get(self, key: Any) -> Any | None:
        """The row with this key, shown or filtered out."""
        return self._by_key.get(key)

    def set_filter(self, text: str) -> None:
        """Show only rows whose search text contains `text` (any case)."""
        self.filter_text = text.strip()
        selected = self.selected
        self._apply_filter(self._key(selected) if selected is not None else None)

    def rows_changed(self) -> None:
        """Any row may have changed in place (forget their search texts)."""
        if self._search_cache is not None:
            self._search_cache.clear()

    def prepare_filter(self) -> None:
        """Compute the search texts before the first character is typed (the filter bar opened)."""
        if self._search_cache is not None:
            for row in self._all:
                self._search_text(row)

    def _search_text(self, row: Any) -> str:
        cache = self._search_cache
        if cache is None:
            return self._search(row).casefold()
        key = self._key(row)
        text = cache.get(key)
        if text is None:
            text = cache[key] = self._search(row).casefold()
        return text

    def _apply_filter(self, keep_key: Any) -> None:
        needle = self.filter_text.casefold()
        text = self._search_text
        self._view = [r for r in self._all if needle in text(r)] if needle else list(self._all)
        self._position = {self._key(r): i for i, r in enumerate(self._view)}
        self.cursor = self._position.get(keep_key, min(self.cursor, max(0, len(self._view) - 1)))
        self.virtual_size = Size(self.size.width, len(self._view) + HEADER_LINES)
        self._scroll_to_cursor()
        self.redraw()
        self.post_message(self.Moved(self))

    def row_changed(self, key: Any) -> None:
        """A row's fields changed in place: repaint its line if it is on screen."""
        if self._search_cache is not None:
            self._search_cache.pop(key, None)
        position = self._position.get(key)
        if position is None:
            return
        top = self.scroll_offset.y
        if top <= position < top + self.size.height - HEADER_LINES:
            if self._covered():
                self.stale = True
            else:
                self.refresh_line(position + HEADER_LINES)

    def redraw(self) -> None:
        """Repaint the whole pane (skipped while a dialog covers it)."""
        if self._covered():
            self.stale = True
        else:
            self.stale = False
            self.refresh()

    def _covered(self) -> bool:
        try:
            return self.app.screen is not self.screen
        except Exception:  # not mounted yet
            return False

    # --- keys ---------------------------------------------------------------------------------

    def action_cursor(self, delta: int) -> None:
        """Move the cursor by `delta` rows."""
        self.move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        """Move by a screenful."""
        self.move_to(self.cursor + direction * max(1, self.size.height - HEADER_LINES - 1))

    def action_jump(self, where: int) -> None:
        """To the first (0) or last (-1) row."""
        self.move_to(0 if where == 0 else len(self._view) - 1)

    def move_to(self, position: int) -> None:
        """Put the cursor on a row (clamped) and keep it on screen."""
        if not self._view:
            return
        previous, self.cursor = self.cursor, max(0, min(position, len(self._view) - 1))
        if previous == self.cursor:
            return
        if not self._scroll_to_cursor():
            self.refresh_line(previous + HEADER_LINES)
            self.refresh_line(self.cursor + HEADER_LINES)
        self.post_message(self.Moved(self))

    def _scroll_to_cursor(self) -> bool:
        """Scroll so the cursor row shows; True when it scrolled."""
        shown = max(1, self.size.height - HEADER_LINES)
        top = self.scroll_offset.y
        target = top
        if self.cursor < top:
            target = self.cursor
        elif self.cursor >= top + shown:
            target = self.cursor - shown + 1
        if target != top:
            self.scroll_to(y=target, animate=False, immediate=True)
            self.refresh()
            return True
        return False

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._view) + HEADER_LINES)

    # --- drawing ------------------------------------------------------------------------------

    def _layout(self, width: int) -> list[tuple[Column, int]]:
        """The columns shown at this width, with their widths."""
        if self._widths[0] == width:
            return self._widths[1]
        columns = [c for c in self.columns if width >= c.hide_below]
        gaps = len(columns) - 1
        fixed = sum(c.width for c in columns if c.width)
        flex = [c for c in columns if not c.width]
        rest = max(0, width - fixed - gaps)
        share = rest // len(flex) if flex else 0
        widths = [column.width or max(column.min_width, share) for column in columns]
        if flex and rest - share * len(flex) > 0:  # give the remainder to the first flexible column
            first = next(i for i, c in enumerate(columns) if not c.width)
            widths[first] += rest - share * len(flex)
        self._widths = (width, list(zip(columns, widths)))
        return self._widths[1]

    def title_text(self) -> str:
        """The title line: name, rows shown of all, the filter."""
        shown = f"{len(self._view)}/{len(self._all)}" if self.filter_text else f"{len(self._all)}"
        text = f" {self.title} ({shown})"
        if self.filter_text:
            text += f"  filter: {self.filter_text}  (/ to change, esc in it to clear)"
        return text

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None

    def _line_styles(self) -> dict[str, Style]:
        """The pane's styles by part; resolving them walks the DOM, so once per style change."""
        if self._styles is None or self._styles[0] != self.has_focus:
            part = self.get_component_rich_style
            self._styles = (self.has_focus, {
                "base": self.rich_style, "title": part("pane-table--title"),
                "header": part("pane-table--header"), "cursor": part("pane-table--cursor")})
        return self._styles[1]

    def render_line(self, y: int) -> Strip:
        # Segments are built here rather than through rich's Text.render: a pane repaints every
        # visible line each second, and this is most of that cost.
        width = self.size.width
        styles = self._line_styles()
        if y == 0:
            return _strip([_fit(self.title_text(), width)], [styles["title"]], width)
        layout = self._layout(width)
        if y == 1:
            return _strip(_cells([c.label for c, _ in layout], layout), [styles["header"]] * len(layout), width)
        position = self.scroll_offset.y + y - HEADER_LINES
        if position >= len(self._view):
            if position == 0:
                return _strip([_fit(f" {self.empty}", width)], [styles["base"] + EMPTY_STYLE], width)
            return Strip.blank(width, styles["base"])
        row = self._view[position]
        now = self._clock()
        base = styles["cursor"] if position == self.cursor else styles["base"]
        texts, cell_styles = [], []
        for column, _ in layout:
            value = column.render(row, now)
            if isinstance(value, Text):
                texts.append(value.plain)
                cell_styles.append(base + _parse(value.style) if value.style else base)
            else:
                texts.append(str(value))
                cell_styles.append(base)
        return _strip(_cells(texts, layout), cell_styles, width, base)


EMPTY_STYLE = Style(dim=True, italic=True)


def _parse(style: str | Style) -> Style:
    return style if isinstance(style, Style) else Style.parse(style)


def _fit(text: str, width: int) -> str:
    """`text` in exactly `width` cells: padded, or cut with an ellipsis."""
    length = cell_len(text)
    if length <= width:
        return text + " " * (width - length)
    return set_cell_size(text, width - 1) + "…" if width else ""


def _cells(texts: list[str], layout: list[tuple[Column, int]]) -> list[str]:
    """Each cell fitted to its column, a space between columns."""
    return [(" " if i else "") + _fit(text, cell_width) for i, (text, (_column, cell_width)) in enumerate(zip(texts, layout))]


def _strip(texts: list[str], styles: list[Style], width: int, rest: Style | None = None) -> Strip:
    """One line of cells; what is left of the width takes `rest` (the first cell's style when None)."""
    segments = [Segment(text, style) for text, style in zip(texts, styles)]
    used = sum(cell_len(text) for text in texts)
    if used < width:
        segments.append(Segment(" " * (width - used), rest or styles[0]))
    return Strip(segments).crop(0, width) if used > width else Strip(segments, width)
