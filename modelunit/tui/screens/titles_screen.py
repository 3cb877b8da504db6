"""Titles across the years (动态管理): valid, rectifying with the days left, expired, revoked with the
ban's end; the office confirms a rectification or revokes a title from here."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Header, Static

from modelunit.domain import titles
from modelunit.domain.calendar import today
from modelunit.domain.permissions import allowed
from modelunit.domain.views import Offer
from modelunit.errors import ModelUnitError
from modelunit.i18n import t
from modelunit.tui import actions
from modelunit.tui.actions import TITLES, ActionScreen
from modelunit.tui.app import Step
from modelunit.tui.widgets.keys_footer import KeysFooter

STYLE = {titles.RECTIFYING: "bold yellow", titles.REVOKED: "bold red", titles.EXPIRED: "dim"}


def remark(row: titles.TitleRow, day: date) -> str:
    """What a clerk and the office must know beside the status: the due date and days left, or the ban."""
    if row.rectify_due:
        left = (date.fromisoformat(row.rectify_due) - day).days
        return (t("tui.title_days_left", due=row.rectify_due, days=left) if left >= 0
                else t("tui.title_overdue", due=row.rectify_due, days=-left))
    if row.ban_until:
        return t("tui.title_banned", until=row.ban_until)
    return ""


class TitlesScreen(ActionScreen):
    SCREEN = TITLES
    BINDINGS = actions.bindings(TITLES)

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[titles.TitleRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(t("tui.titles_title"), id="titles-status", classes="totals")
        yield DataTable(id="titles", cursor_type="row", zebra_stripes=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one("#titles", DataTable)
        for key in ("col.code", "col.name", "col.certificate", "col.campaign", "col.awarded", "col.valid_until",
                    "col.status", "col.note"):
            table.add_column(t(key), key=key)
        self.reload()
        table.focus()

    def reload(self) -> None:
        table = self.query_one("#titles", DataTable)
        table.clear()
        try:
            self.rows = titles.list_titles(self.app.ctx)
        except ModelUnitError as err:
            self.query_one("#titles-status", Static).update(Text(err.render()))
            self.rows = []
            return
        day = today()
        for r in self.rows:  # Text cells: names are user text, never markup
            table.add_row(Text(r.unit), Text(r.name), Text(r.certificate), Text(r.campaign), Text(r.awarded),
                          Text(r.valid_until), Text(t(f"title.{r.status}"), style=STYLE.get(r.status, "")),
                          Text(remark(r, day)), key=r.unit)
        if not self.rows:
            self.query_one("#titles-status", Static).update(Text(t("tui.titles_none")))
        self.refresh_bindings()

    def selected(self) -> titles.TitleRow | None:
        table = self.query_one("#titles", DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def offer(self, permission: str) -> Offer:
        actor = self.app.ctx.actor
        if not allowed(actor, permission):
            return Offer.NEVER
        row = self.selected()
        if permission == "title.revoke":
            ready = row is not None and row.status in (titles.VALID, titles.RECTIFYING)
        else:
            ready = row is not None and row.status == titles.RECTIFYING
        return Offer.NOW if ready else Offer.NOT_NOW

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()  # revoke and rectified depend on the selected title

    def action_revoke(self) -> None:
        from modelunit.tui.dialogs.confirm_dialog import ConfirmDialog
        from modelunit.tui.dialogs.form_dialog import Field, FormDialog

        row = self.selected()
        if row is None:
            return
        ctx = self.app.ctx

        def confirmed(values: dict, ban: str):
            def go(yes: bool | None) -> None:
                if yes:
                    self.app.perform([Step("title.revoke", titles.revoke,
                                           (ctx, row.unit, values["reason"], values["decision_ref"]))],
                                     then=lambda result: result and self.done_revoke(row.unit, ban))
            return go

        def asked(values: dict | None) -> None:
            if not values:
                return
            try:
                title, ban = titles.revoke_preview(ctx, row.unit)
            except ModelUnitError as err:
                self.notify(Text(err.render()), severity="error")
                return
            question = t("tui.confirm_revoke", unit=row.unit, name=row.name, certificate=title.certificate,
                         awarded=title.awarded, ban=ban.isoformat())
            self.app.push_screen(ConfirmDialog(question), confirmed(values, ban.isoformat()))

        self.app.push_screen(FormDialog(t("tui.revoke_title", unit=row.unit), [
            Field("reason", t("tui.revoke_reason"), required=True, multiline=True),
            Field("decision_ref", t("tui.revoke_ref"), required=True)]), asked)

    def done_revoke(self, unit: str, ban: str) -> None:
        self.notify(Text(t("tui.revoked_done", unit=unit, ban=ban)))
        self.reload()

    def action_rectified(self) -> None:
        from modelunit.tui.dialogs.form_dialog import Field, FormDialog

        row = self.selected()
        if row is None:
            return
        ctx = self.app.ctx

        def asked(values: dict | None) -> None:
            if values:
                self.app.perform([Step("title.rectified", titles.confirm_rectified, (ctx, row.unit, values["note"]))],
                                 then=lambda result: result and self.done_rectified(row.unit))

        self.app.push_screen(FormDialog(t("tui.rectified_title", unit=row.unit),
                                        [Field("note", t("tui.rectified_note"), required=True, multiline=True)]),
                             asked)

    def done_rectified(self, unit: str) -> None:
        self.notify(Text(t("tui.rectified_done", unit=unit)))
        self.reload()
