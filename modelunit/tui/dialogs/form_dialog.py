"""A small form of labelled fields (text inputs, text areas and choices); returns the values or None."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Select, Static, TextArea

from modelunit.i18n import t
from modelunit.tui.dialogs.ok_cancel_dialog import OkCancelDialog
from modelunit.tui.widgets.plain import plain_text


@dataclass
class Field:
    name: str
    label: str
    value: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)  # (shown, value): a Select instead of an Input
    required: bool = False
    multiline: bool = False  # a text area: Enter starts a new line, the OK button finishes
    beside: bool = False  # on the same line as the field before it (short fields: a form fits 36 lines)


class FormDialog(OkCancelDialog[dict | None]):
    DEFAULT_CSS = """
    FormDialog .field-label { width: 100%; }
    FormDialog TextArea { height: 6; }
    FormDialog .field-row { height: auto; }
    FormDialog .field-row > Vertical { width: 1fr; height: auto; }
    """

    def __init__(self, title: str, fields: list[Field], ok_label: str | None = None) -> None:
        super().__init__()
        self.form_title = title
        self.fields = fields
        self.ok_label = ok_label or t("tui.ok")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):  # a long form scrolls inside a short terminal
            yield Static(self.form_title, classes="dialog-title field-label", markup=False)
            rows: list[list[Field]] = []
            for f in self.fields:
                if f.beside and rows:
                    rows[-1].append(f)
                else:
                    rows.append([f])
            for row in rows:
                if len(row) == 1:
                    yield from self.field(row[0])
                    continue
                with Horizontal(classes="field-row"):
                    for f in row:
                        with Vertical():
                            yield from self.field(f)
            with Horizontal(classes="buttons"):
                yield Button(self.ok_label, variant="primary", id="ok")
                yield Button(t("tui.cancel"), id="cancel")

    def field(self, f: Field) -> ComposeResult:
        yield Static(f.label, classes="field-label", markup=False)
        if f.choices:
            yield Select([(plain_text(shown), value) for shown, value in f.choices],
                         value=f.value or f.choices[0][1], allow_blank=False, id=f"f-{f.name}")
        elif f.multiline:
            yield TextArea(f.value, id=f"f-{f.name}", soft_wrap=True, show_line_numbers=False)
        else:
            yield Input(f.value, id=f"f-{f.name}")

    def values(self) -> dict:
        out = {}
        for f in self.fields:
            widget = self.query_one(f"#f-{f.name}")
            if isinstance(widget, TextArea):
                out[f.name] = widget.text.strip()
            else:
                out[f.name] = str(widget.value).strip() if widget.value is not Select.NULL else ""
        return out

    def finish(self) -> None:
        values = self.values()
        missing = [f for f in self.fields if f.required and not values[f.name]]
        if missing:
            self.query_one(f"#f-{missing[0].name}").focus()
            self.notify(t("row.missing_fields", fields=missing[0].label), severity="warning", markup=False)
            return
        self.dismiss(values)
