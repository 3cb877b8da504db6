"""Bulk import of a CSV file in a worker thread, with a progress bar; the file goes in whole or not at all.

In a browser (``modelunit serve``) the file is on the user's machine, not the server's: the dialog
then gives a one-time upload link for the chosen import instead of asking for a path, and the
server imports the file through the same :func:`modelunit.imports.run_import`."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static

from modelunit.domain.context import Context
from modelunit.domain.permissions import allowed
from modelunit.errors import ModelUnitError
from modelunit.i18n import t
from modelunit.imports import IMPORTS, run_import
from modelunit.tui.delivery import in_browser
from modelunit.uploads import LINK_MINUTES, UPLOAD_IMPORTS


class ImportDialog(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", t("tui.cancel"), tooltip=t("tui.cancel"), id="dialog.cancel")]

    def __init__(self, ctx: Context, campaign) -> None:
        super().__init__()
        self.ctx = ctx
        self.kinds = [(t(f"import.{kind}"), kind) for kind, spec in IMPORTS.items()
                      if allowed(ctx.actor, spec.action, campaign)]
        self.running = False
        self.browser = False  # set when the dialog is shown: under textual-serve, an upload link

    def compose(self) -> ComposeResult:
        self.browser = in_browser(self.app)
        if self.browser:  # a materials list names files on the server's disk: not from a browser
            self.kinds = [(label, kind) for label, kind in self.kinds if kind in UPLOAD_IMPORTS]
        with Vertical(classes="dialog wide"):
            yield Label(t("tui.import_title"), classes="dialog-title")
            yield Label(t("tui.import_kind"))
            yield Select(self.kinds, allow_blank=False, id="kind") if self.kinds else Static(t("perm.role",
                                                                                               action=t("key.import"),
                                                                                               role=t(f"role.{self.ctx.actor.role}")))
            if self.browser:
                yield Static(t("tui.import_upload_help", minutes=LINK_MINUTES), id="upload-help", markup=False)
            else:
                yield Label(t("tui.import_file"))
                with Horizontal(classes="buttons"):
                    yield Input(id="path")
                    yield Button(t("tui.browse"), id="browse")
            yield ProgressBar(total=None, show_eta=False, id="progress")
            with VerticalScroll(id="problems"):
                yield Static("", id="problem-lines", markup=False)  # quotes the file's own cells
            with Horizontal(classes="buttons"):
                yield Button(t("tui.import_get_link") if self.browser else t("key.import"), variant="primary", id="go",
                             disabled=not self.kinds)
                yield Button(t("tui.close"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#progress", ProgressBar).display = False
        self.query_one("#problems").display = not self.browser  # the upload page shows the problems

    @on(Button.Pressed, "#browse")
    def browse(self) -> None:
        from modelunit.tui.dialogs.file_dialog import FileDialog

        def picked(path: str | None) -> None:
            if path:
                self.query_one("#path", Input).value = path

        self.app.push_screen(FileDialog(), picked)

    @on(Button.Pressed, "#go")
    @on(Input.Submitted, "#path")
    def start(self) -> None:
        if self.browser:
            self.offer_upload()
            return
        path = self.query_one("#path", Input).value.strip()
        if self.running or not path or not self.kinds:
            return
        self.running = True
        self.query_one("#go", Button).disabled = True
        self.query_one("#progress", ProgressBar).display = True
        self.query_one("#problem-lines", Static).update(t("tui.import_running"))
        self.run_import(str(self.query_one("#kind", Select).value), path)

    def offer_upload(self) -> None:
        """Close, and show a one-time link whose page takes the CSV file and imports it as this user."""
        from modelunit.tui.delivery import upload_link
        from modelunit.tui.dialogs.upload_dialog import UploadLinkDialog

        if not self.kinds:
            return
        link = upload_link(self.app, self.ctx.actor.name, self.ctx.campaign_id, "",
                           kind=str(self.query_one("#kind", Select).value))
        self.dismiss(None)
        self.app.push_screen(UploadLinkDialog(link))

    @work(thread=True, exclusive=True, group="import")
    def run_import(self, kind: str, path: str) -> None:
        try:
            message = run_import(self.ctx, kind, path)
        except ModelUnitError as err:
            self.ctx.refused(err, f"import {kind}")
            lines = err.lines() if hasattr(err, "lines") else [err.render()]
            self.app.call_from_thread(self.failed, lines)
            return
        self.app.call_from_thread(self.done, message)

    def done(self, message: str) -> None:
        self.running = False
        self.app.notify(message)
        self.dismiss(message)

    def failed(self, lines: list[str]) -> None:
        self.running = False
        self.query_one("#progress", ProgressBar).display = False
        self.query_one("#go", Button).disabled = False
        self.query_one("#problem-lines", Static).update("\n".join([t("tui.import_failed")] + lines[:200]))
        self.app.notify(lines[0], severity="error")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if not self.running:
            self.dismiss(None)
