"""ResolveDialog: resolving by hand needs a reason, which goes to the timeline and audit log."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class ResolveDialog(ModalScreen[str | None]):
    """Type the reason and press enter; esc cancels. An empty reason is refused."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Resolve {self.what}", classes="dialog-title")
            yield Input(placeholder="reason (required), e.g. fixed by restarting the pool", id="resolve-reason")
            yield Label("", id="resolve-error", classes="dialog-error")
            yield Label("enter resolve · esc cancel", classes="dialog-help")

    def action_cancel(self) -> None:
        """Close without resolving."""
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        if not reason:
            self.query_one("#resolve-error", Label).update("a reason is required")
            return
        self.dismiss(reason)
