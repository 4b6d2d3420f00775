"""PaneTable: a keyboard-driven table that draws only the rows on screen.

Textual's DataTable measures and stores every cell as it is added: 10,000 rows take about 3 s
to build (docs/performance.md). A pane here holds its rows as plain objects and renders a line only
when the compositor asks for it (the Line API), so building, filtering and updating cost the
same for 10 rows or 10,000. Line 0 is the pane's title (name, counts, filter), line 1 the
column header; both stay put while the rows scroll.

It scrolls itself (the last column is its scroll bar) rather than being a ScrollView: a
ScrollView's virtual size is laid out by the screen, and every change of the number of rows (an
event on the tail, a keystroke in the filter) re-laid the whole screen out, 40-60 ms with
10,000 monitors. Here a change of rows repaints this pane, nothing else.

`/` puts the pane in filter mode: the title line is the filter, typed characters, backspace and
ctrl+u edit it, enter keeps it, esc clears it (unless the pane is made with `filterable=False`:
then `/` is its screen's). `on_select`, when given, is called with the row under the cursor
whenever that changes.

While another screen (a dialog) covers the pane, updates only mark it stale; it repaints once,
when its screen is shown again.

Longer than our modules should be: its keys, its scrolling and its drawing
share the cursor, the filter and the rows shown, and split apart they would reach into each
other's state. What needs none of them (columns, a row's cells, the title line, the scroll
bar's thumb) is in pane_cells.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from uptime_tui.tui.tones import tone_styles
from uptime_tui.tui.widgets.pane_cells import (Column, cells, column_widths, fit, row_cells, scrollbar_cell,
                                               strip, title_line)

__all__ = ["Column", "PaneTable"]  # the screens take both from here

HEADER_LINES = 2


class PaneTable(Widget, can_focus=True):
    """Rows of any objects, a cursor, and a filter; see the module docstring."""

    DEFAULT_CSS = """
    PaneTable { height: 1fr; }
    PaneTable > .pane-table--title { background: $panel; color: $text-muted; text-style: bold; }
    PaneTable:focus > .pane-table--title { background: $primary; color: $text; text-style: bold; }
    PaneTable > .pane-table--header { color: $text-muted; text-style: bold underline; }
    PaneTable > .pane-table--cursor { background: $surface-lighten-2; }
    PaneTable:focus > .pane-table--cursor { background: $accent; color: $text; }
    /* ANSI themes: the terminal's palette; its accent under its default text did not read */
    PaneTable:ansi:focus > .pane-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
    }
    PaneTable > .pane-table--scrollbar { color: $panel-lighten-2; }
    PaneTable > .pane-table--filter { background: $warning 30%; color: $text; text-style: bold; }
    """
    COMPONENT_CLASSES = {"pane-table--title", "pane-table--header", "pane-table--cursor",
                         "pane-table--scrollbar", "pane-table--filter"}
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
    ]

    def __init__(self, title: str, columns: list[Column], *, key: Callable[[Any], Any],
                 search: Callable[[Any], str], clock: Callable[[], datetime],
                 id: str | None = None, empty: str = "nothing here", cache_search: bool = False,
                 filterable: bool = True, on_select: Callable[[Any | None], None] | None = None) -> None:
        super().__init__(id=id)
        self.filterable = filterable
        self._on_select = on_select
        self._selected_key: Any = None  # what on_select was last told
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
        self.top = 0  # the first row shown
        self.filtering = False  # filter mode: keys edit the filter
        self.stale = False
        self._widths: tuple[int, list[tuple[Column, int]]] = (-1, [])
        self._styles: tuple[bool, dict[str, Style], dict[str, Style], dict[str, Style]] | None = None
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
        self._scroll_to_cursor()
        self.redraw()
        self._selection_moved()

    def _selection_moved(self) -> None:
        """Tell `on_select` when the row under the cursor is another one."""
        if self._on_select is None:
            return
        selected = self.selected
        key = None if selected is None else self._key(selected)
        if key != self._selected_key or selected is None:
            self._selected_key = key
            self._on_select(selected)

    def row_changed(self, key: Any) -> None:
        """A row's fields changed in place: repaint its line if it is on screen."""
        if self._search_cache is not None:
            self._search_cache.pop(key, None)
        position = self._position.get(key)
        if position is not None and self.top <= position < self.top + self._shown():
            if self._covered():
                self.stale = True
            else:
                self._refresh_row(position)

    def redraw(self) -> None:
        """Repaint the whole pane (skipped while a dialog covers it)."""
        if self._covered():
            self.stale = True
        else:
            self.stale = False
            self.refresh()

    def _refresh_row(self, position: int) -> None:
        self.refresh(Region(0, position - self.top + HEADER_LINES, self.size.width, 1))

    def _shown(self) -> int:
        """How many rows fit under the title and header."""
        return max(1, self.size.height - HEADER_LINES)

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
        self.move_to(self.cursor + direction * max(1, self._shown() - 1))

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
        if self._scroll_to_cursor():
            self.refresh()
        else:
            self._refresh_row(previous)
            self._refresh_row(self.cursor)
        self._selection_moved()

    def _scroll_to_cursor(self) -> bool:
        """Scroll so the cursor row shows (and no blank lines below the last row); True when it scrolled."""
        shown = self._shown()
        top = max(0, min(self.top, len(self._view) - shown))
        if self.cursor < top:
            top = self.cursor
        elif self.cursor >= top + shown:
            top = self.cursor - shown + 1
        scrolled, self.top = top != self.top, top
        return scrolled

    def start_filter(self) -> None:
        """Filter mode: the keys typed edit the filter, shown in the title line."""
        self.filtering = True
        if self._search_cache is not None:  # the search texts before the first character
            for row in self._all:
                self._search_text(row)
        self._filter_mode_changed()

    def stop_filter(self, keep: bool) -> None:
        """Leave filter mode, keeping the filter or showing every row again."""
        self.filtering = False
        if not keep:
            self.set_filter("")
        self._filter_mode_changed()

    def type_filter(self, text: str) -> None:
        """Characters typed (or pasted) in filter mode."""
        self.set_filter(self.filter_text + text)

    def _filter_mode_changed(self) -> None:
        self.refresh(Region(0, 0, self.size.width, 1))
        if self.is_attached:
            self.screen.refresh_bindings()  # the footer says what enter and esc do now

    def on_key(self, event: events.Key) -> None:
        # The pane handles its filter keys itself, not through bindings: the app hands every key
        # to the focused widget's queue in order, so "/" followed at once by "web" and enter (a
        # paste, tmux, a fast typist) filters for "web" and none of its letters is a command.
        key = event.key
        if not self.filtering:
            if key != "slash" or not self.filterable:
                return
            self.start_filter()
        elif key in ("enter", "escape"):
            self.stop_filter(keep=key == "enter")
        elif key == "backspace":
            self.set_filter(self.filter_text[:-1])
        elif key == "ctrl+u":
            self.set_filter("")
        elif event.is_printable and event.character:
            self.type_filter(event.character)
        else:
            return
        event.stop()
        event.prevent_default()

    def on_paste(self, event: events.Paste) -> None:
        if self.filtering:
            self.type_filter(" ".join(event.text.split()))
            event.stop()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._scroll_by(3)
        event.stop()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._scroll_by(-3)
        event.stop()

    def _scroll_by(self, lines: int) -> None:
        top = max(0, min(self.top + lines, len(self._view) - self._shown()))
        if top != self.top:
            self.top = top
            self.cursor = max(top, min(self.cursor, top + self._shown() - 1))
            self.refresh()
            self._selection_moved()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        if self.filtering:
            self.stop_filter(keep=True)
        self.refresh()

    def on_resize(self) -> None:
        self._scroll_to_cursor()

    # --- drawing ------------------------------------------------------------------------------

    def _layout(self, width: int) -> list[tuple[Column, int]]:
        """The columns shown at this width, with their widths."""
        if self._widths[0] == width:
            return self._widths[1]
        self._widths = (width, column_widths(self.columns, width))
        return self._widths[1]

    def title_text(self) -> str:
        """The title line: name, rows shown of all, the filter."""
        return title_line(self.title, len(self._view), len(self._all), self.filter_text, self.filtering)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None

    def _line_styles(self) -> dict[str, Style]:
        """The pane's styles by part, and the tones' on a row and on the cursor row (see tones.py);
        resolving them walks the DOM, so once per style change."""
        if self._styles is None or self._styles[0] != self.has_focus:
            part = self.get_component_rich_style
            base, cursor = self.rich_style, part("pane-table--cursor")
            self._styles = (self.has_focus, {
                "base": base, "title": part("pane-table--title"), "filter": part("pane-table--filter"),
                "header": part("pane-table--header"), "cursor": cursor,
                "scrollbar": part("pane-table--scrollbar")}, tone_styles(self.app, base), tone_styles(self.app, cursor))
        return self._styles[1]

    def render_line(self, y: int) -> Strip:
        # Line 0 is the title, line 1 the header, then the rows; the last column is the scroll bar's.
        width = self.size.width
        styles = self._line_styles()
        if y == 0:
            return strip([fit(self.title_text(), width)], [styles["filter" if self.filtering else "title"]], width)
        layout = self._layout(width - 1)
        if y == 1:
            return strip(cells([c.label for c, _ in layout], layout), [styles["header"]] * len(layout), width)
        position = self.top + y - HEADER_LINES
        if position >= len(self._view):
            if position == 0:
                empty = self._styles[2]["muted"] + EMPTY_STYLE
                return strip([fit(f" {self.empty}", width)], [empty], width)
            return Strip.blank(width, styles["base"])
        on_cursor = position == self.cursor
        base = styles["cursor"] if on_cursor else styles["base"]
        texts, cell_styles = row_cells(self._view[position], layout, self._clock(), width - 1, base,
                                       self._styles[3] if on_cursor else self._styles[2])
        texts.append(scrollbar_cell(y - HEADER_LINES, self._shown(), len(self._view), self.top))
        cell_styles.append(styles["base"] + styles["scrollbar"])
        return strip(texts, cell_styles, width, base)


EMPTY_STYLE = Style(italic=True)  # on the muted tone: never dim, which NO_COLOR greyed out
