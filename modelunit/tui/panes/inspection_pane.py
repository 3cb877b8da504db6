"""考察: an inspector's score sheet (one :class:`ScoreSheetForm`, hearing and visit notes, submit);
for the office, the team with recusal shown, each sheet's progress, and vetoes."""

from __future__ import annotations

from fractions import Fraction

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Input, Label, Select, Static, TextArea

from modelunit.domain import assignment, sheets, users, vetoes
from modelunit.domain.models import ASSESSABLE, Status
from modelunit.i18n import t
from modelunit.numbers import fmt
from modelunit.tui.app import Step
from modelunit.tui.panes.base import FormPane
from modelunit.tui.widgets.plain import plain_cells, plain_text
from modelunit.tui.widgets.score_sheet import ScoreSheetForm, Stored


class InspectionPane(FormPane):
    def compose(self) -> ComposeResult:
        role = self.ctx.actor.role
        if role == "inspector":
            yield from self.compose_sheet()
        elif role == "admin":
            yield from self.compose_office()
        else:
            yield Static(t("score.hidden_until_award") if self.detail.entry.status != Status.AWARDED else "")

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
        yield Static(t("tui.sheet_title", inspector=self.ctx.actor.name), classes="section", markup=False)
        if locked:
            yield Static(t("tui.sheet_locked", at=sheet.submitted_at), classes="totals")
        stored = Stored(scores=dict(sheet.scores), notes=dict(sheet.notes)) if sheet else Stored()
        yield ScoreSheetForm(d.criteria, stored, "score", "sheet-total", "tui.sheet_total", editable,
                             bonuses=True, indicators=False)
        yield Label(t("tui.hearing"))
        yield TextArea(sheet.hearing if sheet else "", id="hearing", disabled=not editable)
        yield Label(t("tui.visit"))
        yield TextArea(sheet.visit if sheet else "", id="visit", disabled=not editable)
        with Horizontal(classes="buttons"):
            yield Button(t("tui.save"), id="sheet-save", disabled=not editable)
            yield Button(t("tui.submit_sheet"), variant="primary", id="sheet-submit",
                         disabled=not (d.can["score.submit"] and not locked))

    def populate(self) -> None:
        if self.query("#sheets"):
            self.fill_sheets()

    def save_steps(self) -> list[Step]:
        if not self.query("#hearing"):  # the office's view of this tab has nothing typed in to save
            return []
        steps = []
        code, me = self.detail.unit.code, self.ctx.actor.name
        changes = self.query_one(ScoreSheetForm).changes()
        if changes.scores or changes.notes:
            steps.append(Step("score edit", sheets.set_scores, (self.ctx, code, me, changes.scores),
                              {"notes": changes.notes}))
        sheet = self.own_sheet()
        hearing = self.query_one("#hearing", TextArea).text
        visit = self.query_one("#visit", TextArea).text
        if (hearing, visit) != ((sheet.hearing, sheet.visit) if sheet else ("", "")):
            steps.append(Step("score notes", sheets.set_sheet_notes, (self.ctx, code, me),
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
        yield Static(t("tui.assignment") + "：" + ("、".join(d.entry.inspectors) or "—"), classes="section",
                     markup=False)
        inspectors = [u for u in users.list_users(self.ctx) if u.role == "inspector"]
        options = [(plain_text(u.name + (t("tui.recusal_mark") if u.unit == d.unit.code else "")), u.name)
                   for u in inspectors if u.name not in d.entry.inspectors]
        with Horizontal(classes="buttons"):
            yield Select(options, prompt=t("col.inspector"), id="assign-who")
            yield Button(t("tui.assign"), id="assign", disabled=not d.can["inspect.assign"] or not options)
        yield Static(t("tui.sheets_progress"), classes="section")
        yield DataTable(id="sheets", cursor_type="row")
        if d.entry.vetoes:
            yield Static(t("tui.vetoes", items="、".join(f"{v.item}：{v.reason}" for v in d.entry.vetoes)),
                         classes="warning", markup=False)
        veto_options = [(plain_text(f"{v.id} {v.text}"), v.id) for v in d.criteria.vetoes]
        # The veto's whole text on a line of its own: beside the reason it was cut to a few characters.
        yield Select(veto_options, prompt=t("tui.veto_item"), id="veto-item")
        with Horizontal(classes="buttons"):
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
            total = sheets.sheet_total(d.criteria, {k: Fraction(v) for k, v in s.scores.items()}) if s else None
            table.add_row(*plain_cells(name, f"{scored}/{len(d.criteria.items)}",
                                       fmt(total) if total is not None else "",
                                       t("yes") if s and s.submitted else t("no")), key=name)

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
