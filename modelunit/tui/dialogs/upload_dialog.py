"""Show a one-time upload link (``modelunit serve``): the browser's way to file a material."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from modelunit.i18n import t
from modelunit.uploads import LINK_MINUTES


class UploadLinkDialog(ModalScreen[None]):
    BINDINGS = [Binding("escape", "close", t("upload.close"), tooltip=t("upload.close"), id="dialog.close")]

    def __init__(self, link: str) -> None:
        super().__init__()
        self.link = link

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(t("upload.link_title", minutes=LINK_MINUTES), classes="dialog-title")
            yield Static(t("upload.link_help"), markup=False)
            yield Static(self.link, id="link", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(t("upload.open"), variant="primary", id="open")
                yield Button(t("upload.close"), id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "open":
            self.app.open_url(self.link, new_tab=True)  # under textual-serve: a new tab of the user's browser
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
