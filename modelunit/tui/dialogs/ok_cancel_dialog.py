"""The shared behaviour of the OK / cancel dialogs: Enter or OK finishes, Escape or cancel closes."""

from __future__ import annotations

from typing import TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Button, Input

from modelunit.i18n import t

ResultType = TypeVar("ResultType")


class OkCancelDialog(ModalScreen[ResultType]):
    """Subclasses compose an ``#ok`` and a ``#cancel`` button and implement :meth:`finish`."""

    BINDINGS = [Binding("escape", "cancel", t("tui.cancel"), tooltip=t("tui.cancel"), id="dialog.cancel")]

    def finish(self) -> None:
        """Check what was entered and ``dismiss`` with it (or leave the dialog open)."""
        raise NotImplementedError  # abstract: every dialog says what its OK means

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.finish()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.finish()
        elif event.button.id == "cancel":
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
