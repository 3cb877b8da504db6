"""A small form of labelled fields (text inputs and choices); returns the values or None."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select

from modelunit.i18n import t
from modelunit.tui.dialogs.ok_cancel_dialog import OkCancelDialog


@dataclass
class Field:
    name: str
    label: str
    value: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)  # (shown, value): a Select instead of an Input
    required: bool = False


class FormDialog(OkCancelDialog[dict | None]):
    def __init__(self, title: str, fields: list[Field], ok_label: str | None = None) -> None:
        super().__init__()
        self.form_title = title
        self.fields = fields
        self.ok_label = ok_label or t("tui.ok")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.form_title, classes="dialog-title")
            for f in self.fields:
                yield Label(f.label)
                if f.choices:
                    yield Select(f.choices, value=f.value or f.choices[0][1], allow_blank=False, id=f"f-{f.name}")
                else:
                    yield Input(f.value, id=f"f-{f.name}")
            with Horizontal(classes="buttons"):
                yield Button(self.ok_label, variant="primary", id="ok")
                yield Button(t("tui.cancel"), id="cancel")

    def values(self) -> dict:
        out = {}
        for f in self.fields:
            widget = self.query_one(f"#f-{f.name}")
            out[f.name] = str(widget.value).strip() if widget.value is not Select.NULL else ""
        return out

    def finish(self) -> None:
        values = self.values()
        missing = [f for f in self.fields if f.required and not values[f.name]]
        if missing:
            self.query_one(f"#f-{missing[0].name}").focus()
            self.notify(t("row.missing_fields", fields=missing[0].label), severity="warning")
            return
        self.dismiss(values)
