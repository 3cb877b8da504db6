"""The footer of every screen: Textual's, recomposed only when the keys it shows change.

Textual's footer mounts a widget for every key it shows, and mounts them all again whenever the
screen's bindings are recomputed — on every move of the focus, every ``refresh_bindings`` — though the
keys shown are nearly always the same.  On a score sheet that is twenty widgets styled anew for each
Tab between two fields (a quarter of the dashboard's work in its tests).  This one compares what it
would show with what it shows, and rebuilds only on a difference.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeysFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True)
        self._shown: tuple | None = None

    @staticmethod
    def _keys(screen: Screen) -> tuple:
        return tuple((binding.key, binding.action, binding.description, binding.show, binding.group, enabled, tooltip)
                     for _, binding, enabled, tooltip in screen.active_bindings.values())

    def compose(self):
        if self._bindings_ready:
            self._shown = self._keys(self.screen)
        for widget in super().compose():
            if isinstance(widget, FooterKey) and self.compact:
                # Born compact: else each key, once mounted, adds the class and is styled all over again.
                widget.add_class("-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen) -> None:
        if self._bindings_ready and screen is self.screen and self._keys(screen) == self._shown:
            return
        super().bindings_changed(screen)
