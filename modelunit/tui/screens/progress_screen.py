"""Who is missing: each unit's self-check, evidence, documents, nomination and sheets, with what its next
step still lacks, and below each inspector's sheets.  ``m`` narrows both to what is missing; ``x`` writes
the reminder list an office sends to the units."""

from __future__ import annotations

import os

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Header, Static

from modelunit.domain import progress, views
from modelunit.errors import ModelUnitError
from modelunit.i18n import t
from modelunit.tui import actions
from modelunit.tui.actions import PROGRESS, ActionScreen
from modelunit.tui.widgets.keys_footer import KeysFooter


class ProgressScreen(ActionScreen):
    SCREEN = PROGRESS
    BINDINGS = actions.bindings(PROGRESS)

    def __init__(self, missing_only: bool = False) -> None:
        super().__init__()
        self.missing_only = missing_only
        self.view: progress.Progress | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="progress-info")
        yield DataTable(id="progress-units", cursor_type="row", zebra_stripes=True)
        yield Static(t("progress.inspectors"), classes="section", id="inspectors-title")
        yield DataTable(id="progress-inspectors", cursor_type="row", zebra_stripes=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        try:
            self.view = progress.progress(self.app.ctx)
        except ModelUnitError as err:
            self.query_one("#progress-info", Static).update(Text(err.render()))
            return
        units = self.query_one("#progress-units", DataTable)
        for label in progress.table_header(self.view):
            units.add_column(label)
        for label in progress.inspector_header():
            self.query_one("#progress-inspectors", DataTable).add_column(label)
        self.fill()
        units.focus()

    def fill(self) -> None:
        if self.view is None:
            return
        view = self.view.missing_only() if self.missing_only else self.view
        units = self.query_one("#progress-units", DataTable)
        units.clear()
        for r in view.units:
            # Text cells: names, requests and contacts are user text, never markup.
            *cells, lacks = progress.table_row(view, r)
            style = "bold red" if r.overdue else ("yellow" if r.missing else "")
            units.add_row(*[Text(c) for c in cells], Text(lacks, style=style), key=r.code)
        team = self.query_one("#progress-inspectors", DataTable)
        team.clear()
        for i in view.inspectors:
            team.add_row(*[Text(c) for c in progress.inspector_row(i)], key=i.name)
        shown = self.query_one("#inspectors-title", Static)
        shown.display = team.display = bool(view.inspectors) or bool(self.view.inspectors)
        lacking = sum(1 for r in self.view.units if r.missing)
        line = t("tui.progress_filter_on" if self.missing_only else "tui.progress_filter_off")
        summary = t("progress.summary", total=len(self.view.units), missing=lacking)
        self.query_one("#progress-info", Static).update(Text(f"{summary}　{line}"))

    def offer(self, permission: str) -> views.Offer:
        if self.view is None:
            return views.Offer.NOT_NOW
        return views.offer(self.app.ctx.actor, permission, self.view.campaign)

    def action_missing(self) -> None:
        self.missing_only = not self.missing_only
        self.fill()

    def action_export_reminders(self) -> None:
        from modelunit.export.reminders import export_reminders
        from modelunit.tui.dialogs.export_dialog import ExportDialog

        missing_only = self.missing_only
        path = os.path.abspath(t("wb.reminder.file", id=self.view.campaign.id) if self.view else "reminders.xlsx")
        self.app.push_screen(ExportDialog(
            self.app.ctx, path, write=lambda ctx, target, _: export_reminders(ctx, target, missing_only),
            title=t("tui.reminders_title")))
