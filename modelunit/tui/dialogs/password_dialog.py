"""A user changes their own password: after signing in with an initial one, or whenever they wish.

The change is :func:`modelunit.domain.users.change_password`, the one ``modelunit passwd`` runs: the
current password proves who it is, the policy (length, not the name, not common, not the old one) is
the domain's, and the change is audited.  It runs in a worker (scrypt is slow on purpose); a refusal
is shown under the field it concerns and the dialog stays open with what was typed.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from modelunit.domain import users
from modelunit.domain.models import User
from modelunit.errors import ModelUnitError
from modelunit.i18n import t
from modelunit.storage.database import Database
from modelunit.tui.dialogs.ok_cancel_dialog import OkCancelDialog
from modelunit.tui.widgets.field_input import FieldInput

# Which field a refusal concerns (the message key): the rest concern the new password.
CURRENT_FIELD_ERRORS = ("auth.failed", "auth.locked")


class PasswordDialog(OkCancelDialog[User | None]):
    """Dismissed with the user once the new password is stored, or ``None`` if cancelled."""

    DEFAULT_CSS = """
    PasswordDialog .field-error { color: $error; height: auto; }
    """

    def __init__(self, db: Database, name: str, current: str | None = None) -> None:
        """``current``: the password just used to sign in (an initial one); else it is asked for."""
        super().__init__()
        self.db, self.user_name, self.current = db, name, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            title = "tui.password.initial" if self.current is not None else "tui.password.title"
            yield Static(t(title, name=self.user_name), classes="dialog-title", markup=False)
            if self.current is None:
                yield Static(t("tui.password.current"), markup=False)
                yield FieldInput(password=True, id="current")
                yield Static("", id="current-error", classes="field-error", markup=False)
            yield Static(t("tui.password.new"), markup=False)
            yield FieldInput(password=True, id="new", placeholder=t("tui.password.rule"))
            yield Static(t("tui.password.again"), markup=False)
            yield FieldInput(password=True, id="again", last=True)
            yield Static("", id="new-error", classes="field-error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(t("tui.password.ok"), variant="primary", id="ok")
                yield Button(t("tui.cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#current" if self.current is None else "#new", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.prevent_default()  # only the last field submits (FieldInput): finish once, here
        self.finish()

    def _show(self, field: str, message: str) -> None:
        for name in ("current", "new"):
            for error in self.query(f"#{name}-error"):
                error.update(message if name == field else "")
        self.query_one(f"#{field}", Input).focus()

    def finish(self) -> None:
        current = self.current if self.current is not None else self.query_one("#current", Input).value
        new, again = self.query_one("#new", Input).value, self.query_one("#again", Input).value
        if new != again:
            self._show("new", t("auth.mismatch"))
            return
        self.query_one("#ok", Button).disabled = True
        self.change(current, new)

    @work(thread=True, exclusive=True)
    def change(self, current: str, new: str) -> None:
        try:
            user = users.change_password(self.db, self.user_name, current, new)
        except ModelUnitError as err:
            field = "current" if self.current is None and err.key in CURRENT_FIELD_ERRORS else "new"
            self.app.call_from_thread(self.refused, field, err.render())
            return
        self.app.call_from_thread(self.dismiss, user)

    def refused(self, field: str, message: str) -> None:
        self.query_one("#ok", Button).disabled = False
        self._show(field, message)
