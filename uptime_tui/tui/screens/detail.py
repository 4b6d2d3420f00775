"""DetailScreen: what the incident and monitor screens share.

The app builds one screen of each kind and shows every incident (or monitor) in it: composing a
screen, its tables and its footer again for each one cost more than a key press may wait. What to
show is read in a thread worker first (`UptimeApp.open_detail`), then shown in a single paint;
the engine's messages about it re-read it while it is on screen, and so does a read that failed
(after a delay: see failed_reads.py).
"""

from __future__ import annotations

from typing import Any, Callable

from textual import work
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker

from uptime_tui.tui.reads import ConsoleReads
from uptime_tui.tui.messages import EngineMessage
from uptime_tui.tui.widgets.pane_table import PaneTable


class DetailScreen(Screen):
    """Subclasses give `read` (runs in a worker), `present` and `concerns`."""

    BINDINGS = [Binding("escape,backspace", "app.pop_screen", "Back")]

    read: Callable[[ConsoleReads, int], Any]  # (the app's reads, the thing's id) -> what to show (None: removed)

    class Loaded(Message):
        """A worker re-read what the screen shows."""

        def __init__(self, key: int, detail: Any) -> None:
            super().__init__()
            self.key, self.detail = key, detail

    def __init__(self) -> None:
        super().__init__()
        self.key: int | None = None
        self.detail: Any = None
        self._composed = False

    def on_mount(self) -> None:
        self._composed = True
        if self.key is not None:  # show() came before the first compose
            self.show(self.key, self.detail)

    def show(self, key: int, detail: Any) -> None:
        """Show this thing, as read by `read` (None: it was removed)."""
        if not self._composed:
            self.key, self.detail = key, detail
            return
        if key != self.key or detail is None:
            self.key = key
            for table in self.query(PaneTable):  # another one: no filter, cursor on top
                table.filter_text = ""
                table.set_rows([])
        self.detail = detail
        self.present(key, detail)

    def on_screen_resume(self) -> None:
        # show() runs before the screen is pushed again, while another screen covers its tables:
        # they only marked themselves stale, and would still show the previous thing's rows.
        for table in self.query(PaneTable):
            if table.stale:
                table.redraw()

    def present(self, key: int, detail: Any) -> None:
        raise NotImplementedError

    def concerns(self, message: EngineMessage) -> bool:
        """Whether what the engine did is about what the screen shows."""
        raise NotImplementedError

    def fold(self, message: EngineMessage) -> None:
        if self.key is not None and self.concerns(message):
            self.reload()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.on_worker_state_changed(event)  # the one handler: Textual does not bubble these

    def read_again(self, worker: Worker) -> None:
        """The read failed (see failed_reads.py): try again."""
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False, description="read the details again")
    def reload(self) -> None:
        """Re-read what the screen shows, off the UI's loop."""
        key = self.key
        if key is not None:
            self.post_message(self.Loaded(key, type(self).read(self.app.reads, key)))

    def on_detail_screen_loaded(self, message: Loaded) -> None:
        if message.key == self.key:
            self.show(message.key, message.detail)


class ResourceDetailScreen(DetailScreen):
    """A monitor's or heartbeat's screen: its incidents table (`#<kind>-incidents`), `p` pauses
    or resumes it, `enter` opens the incident under the cursor."""

    BINDINGS = [Binding("enter", "open_incident", "Incident", show=False)]
    kind: str  # monitor | heartbeat

    def _incidents(self) -> PaneTable:
        return self.query_one(f"#{self.kind}-incidents", PaneTable)

    def concerns(self, message: EngineMessage) -> bool:
        """Anything about this monitor or heartbeat, or about one of its incidents."""
        return message.resource == (self.kind, self.key)

    def selected_incident(self):
        """The incident under the cursor in the Incidents table, when that table has the focus."""
        table = self._incidents()
        return table.selected if self.focused is table else None

    def selected_resource(self) -> tuple[str, int, str, bool] | None:
        """What `p` pauses or resumes: this monitor or heartbeat."""
        if self.detail is None:
            return None
        row = self.app.dashboard.table(f"{self.kind}s").get(self.key)
        paused = row.status == "paused" if row is not None else self.detail.paused
        return (self.kind, self.key, self.detail.name, paused)

    def action_open_incident(self) -> None:
        """Open the incident under the Incidents table's cursor."""
        incident = self._incidents().selected
        if incident is not None:
            self.app.open_incident(incident.id)
