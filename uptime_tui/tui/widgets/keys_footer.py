"""KeysFooter: Textual's Footer, recomposed only when the keys it shows change.

Textual's Footer rebuilds all its key widgets whenever the screen's bindings *may* have changed
(every focus change, every screen pushed or popped), several times per change. Rebuilding costs a
few milliseconds per key on the UI's loop, which a key press then waits behind. The keys it shows
rarely change: compare what it would show with what it shows, and rebuild only on a difference.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    """A Footer that skips rebuilds which would show the same keys."""

    _shown: tuple | None = None

    def _keys(self) -> tuple:
        """What compose() would show: every active binding with its state."""
        return tuple((binding.key, binding.action, binding.description, binding.show, enabled, tooltip)
                     for _node, binding, enabled, tooltip in self.screen.active_bindings.values())

    def bindings_changed(self, screen: Screen) -> None:
        if (self._bindings_ready and self._shown is not None and screen.app.app_focus
                and self.is_attached and screen is self.screen and self._keys() == self._shown):
            return
        super().bindings_changed(screen)

    def compose(self):
        if self._bindings_ready:
            self._shown = self._keys()
        yield from super().compose()
