"""SnoozeDialog: how long to snooze an incident (15m, 1h, 4h, 8h, 24h or a custom duration)."""

from __future__ import annotations

from datetime import timedelta

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from uptime_tui.config.values import duration_in

CHOICES = (("15m", timedelta(minutes=15)), ("1h", timedelta(hours=1)), ("4h", timedelta(hours=4)),
           ("8h", timedelta(hours=8)), ("24h", timedelta(hours=24)))
LONGEST = timedelta(days=30)  # what the engine accepts for a snooze
SNOOZE_RANGE = (1.0, LONGEST.total_seconds())


def parse_duration(text: str) -> timedelta:
    """'30s', '90m', '1h30m', '2d' -> a timedelta, 1s to 30 days: the config's duration grammar,
    so what a person types here reads as it would in the YAML and the API. ValueError's message
    is the config's reason, to show after the word "snooze"."""
    return timedelta(seconds=duration_in(SNOOZE_RANGE)(text))


class SnoozeDialog(ModalScreen[timedelta | None]):
    """Pick a duration with the arrows and enter (or the digits 1-5), or type one; esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")] + [
        Binding(str(i), f"pick({i - 1})", label, show=False) for i, (label, _) in enumerate(CHOICES, 1)]

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Snooze {self.what}", classes="dialog-title")
            yield OptionList(*[Option(f"{i}  {label}", id=label) for i, (label, _) in enumerate(CHOICES, 1)],
                             Option("6  custom…", id="custom"), id="snooze-choices")
            yield Input(placeholder="custom, e.g. 90m, 2h30m, 3d", id="snooze-custom")
            yield Label("", id="snooze-error", classes="dialog-error")
            yield Label("enter choose · esc cancel", classes="dialog-help")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 1  # 1h

    def on_key(self, event) -> None:
        if event.key == "6" and not isinstance(self.focused, Input):
            event.stop()
            self.query_one("#snooze-custom", Input).focus()

    def action_pick(self, index: int) -> None:
        """Choose one of the fixed durations."""
        if isinstance(self.focused, Input):
            return
        self.dismiss(CHOICES[index][1])

    def action_cancel(self) -> None:
        """Close without snoozing."""
        self.dismiss(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id == "custom":
            self.query_one("#snooze-custom", Input).focus()
        else:
            self.dismiss(dict(CHOICES)[event.option.id])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            chosen = parse_duration(event.value)
        except ValueError as exc:
            self.query_one("#snooze-error", Label).update(f"snooze {exc}")
        else:
            self.dismiss(chosen)
