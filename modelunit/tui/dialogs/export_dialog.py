"""Export the workbook (or another export, such as the reminder list) in a worker thread, with a
progress bar and a cancel button."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar
from textual.worker import get_current_worker

from modelunit.domain.context import Context
from modelunit.errors import ModelUnitError
from modelunit.i18n import t
from modelunit.tui.delivery import deliver, download_name, in_browser, staging_path


class ExportCancelled(Exception):
    """Raised inside the export when the user pressed cancel."""


class ExportDialog(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", t("tui.cancel"), tooltip=t("tui.cancel"), id="dialog.cancel")]

    def __init__(self, ctx: Context, default_path: str,
                 write: Callable[[Context, str, Callable[[int, int], None]], str] | None = None,
                 title: str | None = None, download: str | None = None) -> None:
        """``write(ctx, path, progress)`` writes the file and returns its path (default: the workbook);
        ``download``: the file name offered in a browser when it is not ``default_path``'s."""
        super().__init__()
        self.ctx = ctx
        self.default_path = default_path
        self.download = download or os.path.basename(default_path)
        self.write = write
        self.title_text = title or t("tui.export_title")
        self.running = False
        self.browser = False  # set when the dialog is shown: under textual-serve the file goes to the browser

    def compose(self) -> ComposeResult:
        self.browser = in_browser(self.app)
        with Vertical(classes="dialog wide"):
            yield Label(self.title_text, classes="dialog-title")
            if self.browser:  # the file goes to the browser: a name, never a path on the server
                yield Label(t("tui.export_download"))
                yield Input(self.download, id="path")
            else:
                yield Label(t("tui.export_path"))
                yield Input(self.default_path, id="path")
            yield ProgressBar(total=8, show_eta=False, id="progress")
            yield Label("", id="status", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(t("key.export"), variant="primary", id="go")
                yield Button(t("tui.cancel"), id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "go" and not self.running:
            self.start()
        elif event.button.id == "cancel":
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if not self.running:
            self.start()

    def start(self) -> None:
        self.running = True
        self.query_one("#go", Button).disabled = True
        self.query_one("#status", Label).update(t("tui.export_running"))
        typed = self.query_one("#path", Input).value.strip()
        self.export(staging_path(download_name(typed, self.download)) if self.browser else typed)

    @work(thread=True, exclusive=True, group="export")
    def export(self, path: str) -> None:
        from modelunit.export.workbook import export_workbook

        write = self.write or export_workbook
        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            if worker.is_cancelled:
                raise ExportCancelled()
            self.app.call_from_thread(self.query_one("#progress", ProgressBar).update, total=total, progress=done)

        written = None
        try:
            written = write(self.ctx, path, progress)
        except ExportCancelled:
            self.app.call_from_thread(self._finished, None, t("tui.export_cancelled"))
        except ModelUnitError as err:
            self.ctx.refused(err, "export")
            self.app.call_from_thread(self._finished, None, err.render())
        else:
            if self.browser:
                self.app.call_from_thread(self._delivered, written)
            else:
                self.app.call_from_thread(self._finished, written, t("tui.export_done", path=written))
        finally:
            if self.browser and written is None:
                shutil.rmtree(os.path.dirname(path), ignore_errors=True)

    def _delivered(self, path: str) -> None:
        deliver(self.app, path)
        self._finished(path, t("tui.export_delivered", name=os.path.basename(path)))

    def _finished(self, path: str | None, message: str) -> None:
        self.running = False
        self.app.notify(message, severity="information" if path else "warning")
        self.dismiss(path)

    def action_cancel(self) -> None:
        if self.running:
            self.workers.cancel_group(self, "export")
        else:
            self.dismiss(None)
