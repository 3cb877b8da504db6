"""Sign in with a name and password; the slow password check runs off the UI thread."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Header, Input, Label

from modelunit.domain import context, users
from modelunit.domain.models import User
from modelunit.errors import ModelUnitError
from modelunit.i18n import t
from modelunit.storage.database import Database
from modelunit.tui.widgets.field_input import FieldInput
from modelunit.tui.widgets.keys_footer import KeysFooter


class LoginScreen(Screen):
    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(classes="dialog", id="login"):
            yield Label(t("tui.login.title"), classes="dialog-title")
            yield Label(t("tui.login.name"))
            yield FieldInput(id="name")
            yield Label(t("tui.login.password"))
            yield FieldInput(password=True, id="password", last=True)
            yield Button(t("tui.login.button"), variant="primary", id="login-button")
            yield Label("", id="login-status")
        yield KeysFooter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.sign_in()  # the password field's Enter (the name's moves on: FieldInput)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.sign_in()

    def sign_in(self) -> None:
        name = self.query_one("#name", Input).value.strip()
        password = self.query_one("#password", Input).value
        self.query_one("#login-status", Label).update(t("tui.login.checking"))
        self.check(name, password)

    @work(thread=True, exclusive=True)
    def check(self, name: str, password: str) -> None:
        try:
            user = users.sign_in(self.db, name, password)
        except ModelUnitError as err:
            self.app.call_from_thread(self.failed, err.render())
            return
        if user.must_change:  # an initial password opens nothing but its own change
            self.app.call_from_thread(self.change_initial, user.name, password)
            return
        self.app.call_from_thread(self.app.signed_in, context.Context(self.db, user))

    def change_initial(self, name: str, password: str) -> None:
        from modelunit.tui.dialogs.password_dialog import PasswordDialog

        def done(user: User | None) -> None:
            if user is None:
                self.failed(t("tui.password.still_initial", name=name))
                return
            self.app.notify(t("tui.password.changed", name=name), markup=False)
            self.app.signed_in(context.Context(self.db, user))

        self.query_one("#login-status", Label).update("")
        self.app.push_screen(PasswordDialog(self.db, name, current=password), done)

    def failed(self, message: str) -> None:
        self.query_one("#login-status", Label).update(Text(message))  # may quote the typed name
        self.query_one("#password", Input).value = ""
        self.query_one("#password", Input).focus()
