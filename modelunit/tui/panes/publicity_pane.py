"""公示: the period in working days and the unit's objections with their verification and outcome."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Static

from modelunit.domain import publicity
from modelunit.domain.calendar import today
from modelunit.i18n import t
from modelunit.tui.panes.base import Pane
from modelunit.tui.widgets.plain import plain_cells


class PublicityPane(Pane):
    def compose(self) -> ComposeResult:
        c = self.detail.campaign
        if c.publicity_start:
            left = publicity.days_left(c, today())
            yield Static(t("tui.period", start=c.publicity_start, end=c.publicity_end,
                           left=t("tui.workdays_left", days=left)), classes="totals")
        else:
            yield Static(t("tui.period_none"), classes="totals")
        if self.ctx.actor.role != "admin":
            return
        yield Static(t("tui.objections"), classes="section")
        yield DataTable(id="objections", cursor_type="row")
        with Horizontal(classes="buttons"):
            yield Button(t("tui.add_objection"), id="obj-add", disabled=not self.detail.can["objection.add"])
            yield Button(t("tui.resolve"), id="obj-resolve", disabled=not self.detail.can["objection.resolve"])

    def populate(self) -> None:
        if not self.query("#objections"):
            return
        table = self.query_one("#objections", DataTable)
        for label in (t("col.id"), t("col.date"), t("tui.objection.who"), t("col.source"), t("col.text"),
                      t("col.outcome"), t("tui.note")):
            table.add_column(label)
        for o in self.detail.objections:
            who = "　".join(part for part in (o.objector, o.organisation, o.contact) if part)
            table.add_row(*plain_cells(o.id, o.date, who, o.source, o.text, t(f"objection.{o.status}"), o.note),
                          key=o.id)

    @on(Button.Pressed, "#obj-add")
    def add(self) -> None:
        from modelunit.tui.dialogs.form_dialog import Field, FormDialog

        code = self.detail.unit.code

        def go(values: dict | None) -> None:
            if values:
                self.act("objection add", publicity.add_objection, self.ctx, code, values["text"], values["source"],
                         values["date"] or None, objector=values["objector"], organisation=values["organisation"],
                         contact=values["contact"], done=t("tui.saved"))

        # Objections are made in real name: who objected, for which organisation, how to reach them.
        self.app.push_screen(FormDialog(t("tui.add_objection"), [
            Field("text", t("tui.objection.text"), required=True, multiline=True),
            Field("objector", t("tui.objection.objector")),
            Field("organisation", t("tui.objection.organisation")),
            Field("contact", t("tui.objection.contact"), beside=True),
            Field("source", t("tui.objection.source")),
            Field("date", t("tui.objection.date"), value=today().isoformat(), beside=True)]), go)

    @on(Button.Pressed, "#obj-resolve")
    def resolve(self) -> None:
        from modelunit.tui.dialogs.form_dialog import Field, FormDialog

        table = self.query_one("#objections", DataTable)
        open_ids = {o.id for o in self.detail.objections if o.status == "open"}
        oid = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value if table.row_count else None
        if oid not in open_ids:
            oid = next(iter(sorted(open_ids, key=int)), None) if len(open_ids) == 1 else None
        if oid is None:
            self.notify(t("tui.pick_objection"), severity="warning")
            return

        def go(values: dict | None) -> None:
            if values:
                self.act("objection resolve", publicity.resolve_objection, self.ctx, oid,
                         upheld=values["outcome"] == "upheld", note=values["note"],
                         done=t("objection.resolved", id=oid, status=t(f"objection.{values['outcome']}")))

        self.app.push_screen(FormDialog(f"{t('tui.resolve')} #{oid}", [
            Field("outcome", t("col.outcome"),
                  choices=[(t("tui.dismissed"), "dismissed"), (t("tui.upheld"), "upheld")]),
            Field("note", t("tui.note"), required=True, multiline=True)]), go)
