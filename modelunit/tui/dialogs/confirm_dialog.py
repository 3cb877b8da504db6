"""Ask before anything irreversible."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from modelunit.i18n import t


class ConfirmDialog(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmDialog #question { width: 100%; }
    """
    BINDINGS = [Binding("escape", "cancel", t("tui.cancel"), tooltip=t("tui.cancel"), id="dialog.cancel")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, id="question", markup=False)  # wraps; holds unit names, shown as typed
            with Horizontal(classes="buttons"):
                yield Button(t("tui.confirm"), variant="primary", id="yes")
                yield Button(t("tui.cancel"), id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_cancel(self) -> None:
        self.dismiss(False)
