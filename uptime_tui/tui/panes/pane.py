"""Pane: a dashboard pane, a PaneTable that knows its rows' read and how the engine changes them.

Each pane owns four things: its columns, its read (through the app's ConsoleReads, tui/reads.py, run in
the dashboard's thread worker), how it folds the engine's messages into its rows, and its search text. What
happens between panes (one load at a time, degraded monitors from the incidents, the header) is
the dashboard's; a pane knows nothing of the others.

A pane keeps over a read what it learnt from the engine since the read began (`show`), and
counts the reads started (`read_started`) so it can tell a read older than a change it shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, ClassVar

from uptime_tui.config import Config
from uptime_tui.tui.messages import EngineMessage
from uptime_tui.tui.reads import ConsoleReads
from uptime_tui.tui.widgets.pane_table import Column, PaneTable


class Pane(PaneTable):
    """Subclasses give NAME, TITLE, COLUMNS, EMPTY, `search_text` and `read`."""

    NAME: ClassVar[str]  # its id, and the part of the dashboard it reads: "monitors"
    TITLE: ClassVar[str]
    COLUMNS: ClassVar[list[Column]]
    EMPTY: ClassVar[str]
    CACHE_SEARCH: ClassVar[bool] = False  # True when the search text depends on the row alone

    def __init__(self, clock: Callable[[], datetime]) -> None:
        super().__init__(self.TITLE, self.COLUMNS, key=self.row_key, search=self.search_text, clock=clock,
                         id=self.NAME, empty=self.EMPTY, cache_search=self.CACHE_SEARCH)
        self.clock = clock
        self.reads_started = 0

    @staticmethod
    def row_key(row: Any) -> Any:
        return row.id

    def search_text(self, row: Any) -> str:
        """What the filter (`/`) matches in a row."""
        raise NotImplementedError

    def read(self, reads: ConsoleReads, config: Config | None, now: datetime) -> list:
        """The pane's rows, from `reads` (in a thread worker: touches no widget)."""
        raise NotImplementedError

    def read_started(self) -> int:
        """A read for this pane starts: its number, handed back to `show` with its rows."""
        self.reads_started += 1
        return self.reads_started

    def show(self, rows: list, number: int) -> None:
        """The rows read by read number `number`."""
        self.set_rows(rows)

    def fold(self, message: EngineMessage) -> bool:
        """Fold what the engine did into the rows; True when the pane must read again to show it."""
        return False
