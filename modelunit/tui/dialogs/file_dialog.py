"""Pick an evidence file from the disk (a directory tree, or a typed path)."""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DirectoryTree, Input, Label

from modelunit.i18n import t
from modelunit.tui.dialogs.ok_cancel_dialog import OkCancelDialog


class FileDialog(OkCancelDialog[str | None]):
    def __init__(self, start: str | None = None) -> None:
        super().__init__()
        self.start = start or os.getcwd()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(t("tui.pick_file"), classes="dialog-title")
            yield DirectoryTree(self.start, id="tree")
            yield Input(placeholder=t("tui.pick_file"), id="path")
            with Horizontal(classes="buttons"):
                yield Button(t("tui.ok"), variant="primary", id="ok")
                yield Button(t("tui.cancel"), id="cancel")

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        self.query_one("#path", Input).value = str(event.path)

    def finish(self) -> None:
        value = self.query_one("#path", Input).value.strip()
        if value and Path(value).expanduser().is_file():
            self.dismiss(str(Path(value).expanduser()))
        else:
            self.query_one("#path", Input).focus()
