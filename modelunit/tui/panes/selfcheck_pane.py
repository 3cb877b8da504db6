"""自查: self-scores per item with running totals, gaps and rectification, submission."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Static

from modelunit.domain import models, selfcheck
from modelunit.i18n import t
from modelunit.tui.app import Step
from modelunit.tui.panes.base import FormPane
from modelunit.tui.widgets.plain import plain_cells
from modelunit.tui.widgets.score_sheet import ScoreSheetForm, Stored


class SelfcheckPane(FormPane):
    def compose(self) -> ComposeResult:
        d = self.detail
        editable = d.can["selfcheck.edit"] and d.entry.status == models.REGISTERED
        stored = Stored(scores={k: v.get("score", "") for k, v in d.entry.selfcheck.items()},
                        notes={k: v.get("note", "") for k, v in d.entry.selfcheck.items() if v.get("note")},
                        indicators={k: v["indicator"] for k, v in d.entry.selfcheck.items() if v.get("indicator")})
        yield ScoreSheetForm(d.criteria, stored, "self", "self-total", "tui.self_total", editable,
                             bonuses=False, indicators=True)
        with Horizontal(classes="buttons"):
            yield Button(t("tui.save"), id="self-save", disabled=not editable)
            yield Button(t("tui.submit_selfcheck"), variant="primary", id="self-submit",
                         disabled=not (d.can["selfcheck.submit"] and d.entry.status == models.REGISTERED))
        yield Static(t("tui.gaps"), classes="section")
        yield DataTable(id="gaps", cursor_type="row")
        with Horizontal(classes="buttons"):
            yield Button(t("tui.add_gap"), id="gap-add", disabled=not d.can["selfcheck.edit"])
            yield Button(t("tui.gap_done"), id="gap-done", disabled=not d.can["selfcheck.edit"])

    def populate(self) -> None:
        table = self.query_one("#gaps", DataTable)
        for label in (t("col.id"), t("col.item"), t("tui.gap.problem"), t("tui.gap.measure"), t("col.date"),
                      t("col.status")):
            table.add_column(label)
        for g in self.detail.entry.gaps:
            table.add_row(*plain_cells(g.id, g.item, g.problem, g.measure, g.due or "",
                                       t(f"tui.gap.status.{g.status}")), key=g.id)

    def save_steps(self) -> list[Step]:
        changes = self.query_one(ScoreSheetForm).changes()
        if not changes:
            return []
        return [Step("selfcheck edit", selfcheck.set_selfcheck, (self.ctx, self.detail.unit.code, changes.scores),
                     {"notes": changes.notes, "indicators": changes.indicators})]

    @on(Button.Pressed, "#self-save")
    def save_pressed(self) -> None:
        self.save()

    @on(Button.Pressed, "#self-submit")
    def submit_pressed(self) -> None:
        code = self.detail.unit.code
        self.submit(t("tui.confirm_submit_selfcheck", unit=self.detail.unit.name),
                    Step("selfcheck submit", selfcheck.submit_selfcheck, (self.ctx, [code])),
                    done=t("selfcheck.submitted", units=code))

    @on(Button.Pressed, "#gap-add")
    def add_gap(self) -> None:
        from modelunit.tui.dialogs.form_dialog import Field, FormDialog

        cs = self.detail.criteria
        choices = [(f"{it.id} {it.text}", it.id) for it in cs.items]
        fields = [Field("item", t("tui.gap.item"), choices=choices),
                  Field("problem", t("tui.gap.problem"), required=True, multiline=True),
                  Field("measure", t("tui.gap.measure"), multiline=True), Field("due", t("tui.gap.due"))]

        def go(values: dict | None) -> None:
            if values:
                self.act("selfcheck gap", selfcheck.add_gap, self.ctx, self.detail.unit.code, values["item"],
                         values["problem"], values["measure"], values["due"] or None, done=t("tui.saved"))

        self.app.push_screen(FormDialog(t("tui.add_gap"), fields), go)

    @on(Button.Pressed, "#gap-done")
    def gap_done(self) -> None:
        table = self.query_one("#gaps", DataTable)
        if not table.row_count:
            return
        gap_id = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self.act("selfcheck gap", selfcheck.set_gap_status, self.ctx, self.detail.unit.code, gap_id, "done",
                 done=t("tui.saved"))
