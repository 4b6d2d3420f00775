"""KeysFooter: the keys the focused screen answers to, in one line.

Textual's Footer is a container of one widget per key, composed again whenever the screen's
bindings *may* have changed (every focus change, every screen shown), and styling those widgets
cost about 110 ms the first time a screen is shown: a key press waited behind it. This footer is
one widget that renders a line of text, repainted only when the keys it shows change.
"""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widget import Widget


class KeysFooter(Widget):
    """`key description` for every shown binding; the command palette's key on the right."""

    DEFAULT_CSS = """
    KeysFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
    }
    KeysFooter > .keys-footer--key { color: $footer-key-foreground; text-style: bold; }
    KeysFooter > .keys-footer--description { color: $footer-description-foreground; }
    KeysFooter > .keys-footer--disabled { color: $text-disabled; }
    """
    COMPONENT_CLASSES = {"keys-footer--key", "keys-footer--description", "keys-footer--disabled"}

    _keys: tuple = ()

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        if screen is not self.screen:
            return
        keys = self._shown_keys()
        if keys != self._keys:
            self._keys = keys
            self.refresh()

    def _shown_keys(self) -> tuple:
        """(key as displayed, description, enabled) of each binding to show, one per action.

        A screen may say what its keys mean at the moment with a `footer_keys()` method that
        returns such tuples (None: its bindings as they are).
        """
        override = getattr(self.screen, "footer_keys", lambda: None)()
        if override is not None:
            return tuple(override)
        app = self.app
        seen, keys = set(), []
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                keys.append((app.get_key_display(binding), binding.description, enabled))
        return tuple(keys)

    def render(self) -> Text:
        if not self._keys:
            self._keys = self._shown_keys()
        part = self.get_component_rich_style
        key_style, description_style = part("keys-footer--key"), part("keys-footer--description")
        disabled = part("keys-footer--disabled")
        line = Text(no_wrap=True, overflow="ellipsis")
        for key, description, enabled in self._keys:
            line.append(f" {key} ", style=key_style if enabled else disabled)
            line.append(f"{description} ", style=description_style if enabled else disabled)
        palette = self.app.COMMAND_PALETTE_BINDING if self.app.ENABLE_COMMAND_PALETTE else None
        if palette:
            hint = Text.assemble((f" {palette.replace('ctrl+', '^')} ", key_style), ("palette ", description_style))
            gap = self.size.width - line.cell_len - hint.cell_len
            if gap > 0:
                line.append(" " * gap)
                line.append_text(hint)
        return line
