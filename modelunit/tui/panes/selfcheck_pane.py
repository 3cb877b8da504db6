"""自查: self-scores per item with running totals, gaps and rectification, submission."""

from __future__ import annotations

from fractions import Fraction

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Input, Static

from modelunit.domain import models, selfcheck
from modelunit.i18n import t
from modelunit.numbers import fmt, parse_number, plain
from modelunit.tui.app import Step
from modelunit.tui.panes.base import FormPane
from modelunit.tui.widgets.score_input import ScoreInput, safe_id


class SelfcheckPane(FormPane):
    def compose(self) -> ComposeResult:
        d = self.detail
        cs = d.criteria
        editable = d.can["selfcheck.edit"] and d.entry.status == models.REGISTERED
        yield Static("", id="self-total", classes="totals")
        for c in cs.criteria:
            yield Static(f"{c.id}　{c.title}", classes="criterion-title")
            for it in c.items:
                stored = d.entry.selfcheck.get(it.id, {})
                with Horizontal(classes="item-row"):
                    extra = ""
                    if it.indicator:
                        extra = "　" + t("tui.target", name=it.indicator.name, target=plain(it.indicator.target),
                                        unit=it.indicator.unit)
                    yield Static(f"{it.id}［{t(f'dimension.{it.dimension}')}］{it.text}"
                                 f"（{t('tui.points', points=plain(it.points))}）{extra}", classes="item-text")
                    yield ScoreInput(cs, it.id, stored.get("score", ""), "self", disabled=not editable)
                    if it.indicator:
                        yield Input(stored.get("indicator", ""), placeholder=t("tui.indicator"),
                                    id=f"ind-{safe_id(it.id)}", classes="indicator", disabled=not editable,
                                    compact=True)
            yield Static("", id=f"self-sub-{safe_id(c.id)}", classes="subtotal")
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
            table.add_row(g.id, g.item, g.problem, g.measure, g.due or "",
                          t(f"tui.gap.status.{g.status}"), key=g.id)
        self.update_totals()

    def values(self) -> dict[str, str]:
        return {w.item_id: w.value.strip() for w in self.query(ScoreInput)}

    @on(Input.Changed, ".score")
    def update_totals(self) -> None:
        cs = self.detail.criteria
        values = {k: parse_number(v) for k, v in self.values().items() if v}
        total = Fraction(0)
        for c in cs.criteria:
            sub = sum((values[it.id] for it in c.items if values.get(it.id) is not None), Fraction(0))
            total += sub
            self.query_one(f"#self-sub-{safe_id(c.id)}", Static).update(
                t("tui.criterion_total", total=fmt(sub), points=plain(c.points)))
        self.query_one("#self-total", Static).update(
            t("tui.self_total", total=fmt(total), points=plain(cs.item_points)))

    def changed_rows(self) -> list[tuple[int, dict]]:
        stored = self.detail.entry.selfcheck
        rows = []
        for i, w in enumerate(self.query(ScoreInput), start=1):
            value = w.value.strip()
            indicator = ""
            ind = self.query(f"#ind-{safe_id(w.item_id)}")
            if ind:
                indicator = ind.first(Input).value.strip()
            old = stored.get(w.item_id, {})
            if value and (value != old.get("score") or indicator != old.get("indicator", "")):
                rows.append((i, {"unit": self.detail.unit.code, "item": w.item_id, "score": value,
                                 "note": old.get("note", ""), "indicator": indicator}))
        return rows

    def save_steps(self) -> list[Step]:
        rows = self.changed_rows()
        if not rows:
            return []
        return [Step("selfcheck import", selfcheck.import_selfcheck, (self.ctx, rows, t("tui.tab.selfcheck")))]

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
        choices = [(f"{it.id} {it.text[:30]}", it.id) for it in cs.items]
        fields = [Field("item", t("tui.gap.item"), choices=choices),
                  Field("problem", t("tui.gap.problem"), required=True),
                  Field("measure", t("tui.gap.measure")), Field("due", t("tui.gap.due"))]

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
