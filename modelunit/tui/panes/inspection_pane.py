"""考察: an inspector's score sheet (validated as typed, running totals, notes, submit);
for the office, the team with recusal shown, each sheet's progress, and vetoes."""

from __future__ import annotations

from fractions import Fraction

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Input, Label, Select, Static, TextArea

from modelunit.domain import assignment, sheets, users, vetoes
from modelunit.domain.models import ASSESSABLE
from modelunit.i18n import t
from modelunit.numbers import fmt, parse_number, plain
from modelunit.tui.app import Step
from modelunit.tui.panes.base import FormPane
from modelunit.tui.widgets.score_input import ScoreInput, safe_id


class InspectionPane(FormPane):
    def compose(self) -> ComposeResult:
        role = self.ctx.actor.role
        if role == "inspector":
            yield from self.compose_sheet()
        elif role == "admin":
            yield from self.compose_office()
        else:
            yield Static(t("score.hidden_until_award") if self.detail.entry.status != "awarded" else "")

    # -- an inspector's own sheet -------------------------------------------------------

    def own_sheet(self):
        return next((s for s in self.detail.sheets if s.inspector == self.ctx.actor.name), None)

    def compose_sheet(self) -> ComposeResult:
        d = self.detail
        if self.ctx.actor.name not in d.entry.inspectors:
            yield Static(t("tui.not_assigned_here"))
            return
        sheet = self.own_sheet()
        locked = bool(sheet and sheet.submitted)
        editable = d.can["score.edit"] and not locked and d.entry.status in ASSESSABLE
        scores = sheet.scores if sheet else {}
        yield Static(t("tui.sheet_title", inspector=self.ctx.actor.name), classes="section")
        if locked:
            yield Static(t("tui.sheet_locked", at=sheet.submitted_at), classes="totals")
        yield Static("", id="sheet-total", classes="totals")
        for c in d.criteria.criteria:
            yield Static(f"{c.id}　{c.title}", classes="criterion-title")
            for it in c.items:
                with Horizontal(classes="item-row"):
                    yield Static(f"{it.id}［{t(f'dimension.{it.dimension}')}］{it.text}"
                                 f"（{t('tui.points', points=plain(it.points))}）", classes="item-text")
                    yield ScoreInput(d.criteria, it.id, scores.get(it.id, ""), "score", disabled=not editable)
            yield Static("", id=f"score-sub-{safe_id(c.id)}", classes="subtotal")
        for b in d.criteria.bonuses:
            with Horizontal(classes="item-row"):
                yield Static(f"{b.id}［{t('col.bonus')}］{b.text}（{t('tui.points', points=plain(b.points))}）",
                             classes="item-text")
                yield ScoreInput(d.criteria, b.id, scores.get(b.id, ""), "score", allow_bonus=True,
                                 disabled=not editable)
        yield Label(t("tui.hearing"))
        yield TextArea(sheet.hearing if sheet else "", id="hearing", disabled=not editable)
        yield Label(t("tui.visit"))
        yield TextArea(sheet.visit if sheet else "", id="visit", disabled=not editable)
        with Horizontal(classes="buttons"):
            yield Button(t("tui.save"), id="sheet-save", disabled=not editable)
            yield Button(t("tui.submit_sheet"), variant="primary", id="sheet-submit",
                         disabled=not (d.can["score.submit"] and not locked))

    def populate(self) -> None:
        if self.query("#sheet-total"):
            self.update_totals()
        if self.query("#sheets"):
            self.fill_sheets()

    @on(Input.Changed, ".score")
    def update_totals(self) -> None:
        cs = self.detail.criteria
        values = {w.item_id: parse_number(w.value) for w in self.query(ScoreInput) if w.value.strip()}
        total, done = Fraction(0), 0
        for c in cs.criteria:
            scored = [values[it.id] for it in c.items if values.get(it.id) is not None]
            done += len(scored)
            sub = sum(scored, Fraction(0))
            total += sub
            self.query_one(f"#score-sub-{safe_id(c.id)}", Static).update(
                t("tui.criterion_total", total=fmt(sub), points=plain(c.points)))
        bonus = sum((values[b.id] for b in cs.bonuses if values.get(b.id) is not None), Fraction(0))
        total += min(bonus, cs.scoring.bonus_cap)
        self.query_one("#sheet-total", Static).update(
            t("tui.sheet_total", total=fmt(total), done=done, items=len(cs.items)))

    def sheet_rows(self) -> list[tuple[int, dict]]:
        sheet = self.own_sheet()
        stored = sheet.scores if sheet else {}
        rows = []
        for i, w in enumerate(self.query(ScoreInput), start=1):
            value = w.value.strip()
            if value and value != stored.get(w.item_id):
                rows.append((i, {"unit": self.detail.unit.code, "inspector": self.ctx.actor.name,
                                 "item": w.item_id, "score": value}))
        return rows

    def save_steps(self) -> list[Step]:
        if not self.query("#hearing"):  # the office's view of this tab has nothing typed in to save
            return []
        steps = []
        rows = self.sheet_rows()
        if rows:
            steps.append(Step("score import", sheets.import_scores, (self.ctx, rows, t("tui.tab.inspection"))))
        sheet = self.own_sheet()
        hearing = self.query_one("#hearing", TextArea).text
        visit = self.query_one("#visit", TextArea).text
        if (hearing, visit) != ((sheet.hearing, sheet.visit) if sheet else ("", "")):
            steps.append(Step("score notes", sheets.set_sheet_notes,
                              (self.ctx, self.detail.unit.code, self.ctx.actor.name),
                              {"hearing": hearing, "visit": visit}))
        return steps

    @on(Button.Pressed, "#sheet-save")
    def save_pressed(self) -> None:
        self.save()

    @on(Button.Pressed, "#sheet-submit")
    def submit_pressed(self) -> None:
        code = self.detail.unit.code
        self.submit(t("tui.confirm_submit_sheet", unit=self.detail.unit.name),
                    Step("score submit", sheets.submit_scores, (self.ctx, code)),
                    done=t("score.submitted", sheets=f"{code}/{self.ctx.actor.name}"))

    # -- the office's view ---------------------------------------------------------------

    def compose_office(self) -> ComposeResult:
        d = self.detail
        yield Static(t("tui.assignment") + "：" + ("、".join(d.entry.inspectors) or "—"), classes="section")
        inspectors = [u for u in users.list_users(self.ctx) if u.role == "inspector"]
        options = [(u.name + (t("tui.recusal_mark") if u.unit == d.unit.code else ""), u.name) for u in inspectors
                   if u.name not in d.entry.inspectors]
        with Horizontal(classes="buttons"):
            yield Select(options, prompt=t("col.inspector"), id="assign-who")
            yield Button(t("tui.assign"), id="assign", disabled=not d.can["inspect.assign"] or not options)
        yield Static(t("tui.sheets_progress"), classes="section")
        yield DataTable(id="sheets", cursor_type="row")
        if d.entry.vetoes:
            yield Static(t("tui.vetoes", items="、".join(f"{v.item}：{v.reason}" for v in d.entry.vetoes)),
                         classes="warning")
        veto_options = [(f"{v.id} {v.text[:40]}", v.id) for v in d.criteria.vetoes]
        with Horizontal(classes="buttons"):
            yield Select(veto_options, prompt=t("tui.veto_item"), id="veto-item")
            yield Input(placeholder=t("tui.reason"), id="veto-reason")
            yield Button(t("tui.veto"), variant="error", id="veto", disabled=not d.can["veto"] or not veto_options)

    def fill_sheets(self) -> None:
        d = self.detail
        table = self.query_one("#sheets", DataTable)
        for label in (t("col.inspector"), t("col.items"), t("col.total"), t("col.submitted")):
            table.add_column(label)
        by_name = {s.inspector: s for s in d.sheets}
        for name in d.entry.inspectors:
            s = by_name.get(name)
            scored = sum(1 for it in d.criteria.items if s and it.id in s.scores)
            total = sum((Fraction(v) for v in s.scores.values()), Fraction(0)) if s else None
            table.add_row(name, f"{scored}/{len(d.criteria.items)}", fmt(total) if total is not None else "",
                          t("yes") if s and s.submitted else t("no"), key=name)

    @on(Button.Pressed, "#assign")
    def assign(self) -> None:
        who = self.query_one("#assign-who", Select).value
        if who is Select.NULL:
            return
        code = self.detail.unit.code
        self.act("inspect assign", assignment.assign, self.ctx, [(code, str(who))],
                 done=t("inspect.assigned", count=1))

    @on(Button.Pressed, "#veto")
    def veto(self) -> None:
        from modelunit.tui.dialogs.confirm_dialog import ConfirmDialog

        item = self.query_one("#veto-item", Select).value
        reason = self.query_one("#veto-reason", Input).value
        if item is Select.NULL:
            return
        code = self.detail.unit.code

        def go(ok: bool | None) -> None:
            if ok:
                self.act("veto", vetoes.veto, self.ctx, code, str(item), reason)

        self.app.push_screen(ConfirmDialog(f"{t('tui.veto')} {self.detail.unit.name}：{item}？"), go)
