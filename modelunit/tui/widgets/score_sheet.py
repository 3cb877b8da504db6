"""One score sheet as a form: the self-check tab and the inspector's sheet both use it.

Each item is a row: its text, a score box (range and step as placeholder),
an indicator box where the item has one, and a note box.  A value is checked
as it is typed by the domain's own rule; a bad one is marked with its message
and left out of every total.  The total is the domain's (:func:`sheets.sheet_total`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from modelunit.domain.criteria import CriteriaSet
from modelunit.domain.sheets import sheet_total
from modelunit.errors import ModelUnitError
from modelunit.i18n import t
from modelunit.numbers import fmt, parse_number, plain
from modelunit.tui.widgets.score_input import NumberValidator, ScoreInput, safe_id
from modelunit.tui.widgets.wrapped_text import WrappedText


@dataclass
class Stored:
    """What is stored for the sheet, item id → text."""

    scores: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    indicators: dict[str, str] = field(default_factory=dict)


@dataclass
class Changes:
    """What the form holds that differs from what is stored (what a save sends to the domain)."""

    scores: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    indicators: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.scores or self.notes or self.indicators)


class ScoreSheetForm(Vertical):
    """``prefix`` names the fields (``#{prefix}-A1``, ``#{prefix}-note-A1``, ``#{prefix}-sub-C1``);
    ``total_id`` the total line.  Self-checks have indicators and no bonuses; sheets the reverse."""

    # Tab moves on at once (a priority binding is run by the app as the key arrives): otherwise
    # keys typed right after Tab are already queued for the field being left and land there.
    BINDINGS = [Binding("tab", "app.focus_next", show=False, priority=True),
                Binding("shift+tab", "app.focus_previous", show=False, priority=True)]

    DEFAULT_CSS = """
    ScoreSheetForm { height: auto; }
    ScoreSheetForm .item-row { height: auto; }
    ScoreSheetForm .item-text { width: 1fr; margin: 1 2 0 0; }
    ScoreSheetForm Input.score { width: 16; }
    ScoreSheetForm .indicator { width: 14; }
    ScoreSheetForm Input.note { width: 24; }
    ScoreSheetForm .field-error { color: $error; padding: 0 0 0 1; display: none; }
    ScoreSheetForm .field-error.-shown { display: block; }
    """

    def __init__(self, cs: CriteriaSet, stored: Stored, prefix: str, total_id: str, total_key: str,
                 editable: bool, bonuses: bool, indicators: bool) -> None:
        super().__init__()
        self.cs, self.stored, self.prefix, self.total_id, self.total_key = cs, stored, prefix, total_id, total_key
        self.editable, self.with_bonuses, self.with_indicators = editable, bonuses, indicators

    # -- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        cs = self.cs
        self.shown: dict[str, str] = {}  # what each total line shows (see show)
        yield Static("", id=self.total_id, classes="totals", markup=False)
        for c in cs.criteria:
            yield Static(f"{c.id}　{c.title}", classes="criterion-title", markup=False)
            for it in c.items:
                extra = ""
                if self.with_indicators and it.indicator:
                    extra = "　" + t("tui.target", name=it.indicator.name, target=plain(it.indicator.target),
                                    unit=it.indicator.unit)
                yield from self.item_row(it.id, f"{it.id}［{t(f'dimension.{it.dimension}')}］{it.text}"
                                                f"（{t('tui.points', points=plain(it.points))}）{extra}",
                                         indicator=self.with_indicators and it.indicator is not None)
            yield Static("", id=f"{self.prefix}-sub-{safe_id(c.id)}", classes="subtotal", markup=False)
        if self.with_bonuses and cs.bonuses:
            yield Static(t("tui.bonus_title", cap=plain(cs.scoring.bonus_cap)), classes="criterion-title",
                         markup=False)
            for b in cs.bonuses:
                yield from self.item_row(b.id, f"{b.id}［{t('col.bonus')}］{b.text}"
                                               f"（{t('tui.points', points=plain(b.points))}）", indicator=False)

    def item_row(self, item_id: str, text: str, indicator: bool) -> ComposeResult:
        s, p, key = self.stored, self.prefix, safe_id(item_id)
        with Horizontal(classes="item-row"):
            yield WrappedText(text, classes="item-text")  # no line starts with ，or ；
            yield ScoreInput(self.cs, item_id, s.scores.get(item_id, ""), p, allow_bonus=self.with_bonuses,
                             disabled=not self.editable)
            if indicator:
                field_ = Input(s.indicators.get(item_id, ""), placeholder=t("tui.indicator"), id=f"{p}-ind-{key}",
                               classes="indicator", validators=[NumberValidator()], valid_empty=True,
                               disabled=not self.editable)
                field_.item_id = item_id  # type: ignore[attr-defined]
                yield field_
            elif self.with_indicators:
                yield Static("", classes="indicator")  # keeps the boxes of every row in one column
            note = Input(s.notes.get(item_id, ""), placeholder=t("tui.item_note"), id=f"{p}-note-{key}",
                         classes="note", disabled=not self.editable)
            note.item_id = item_id  # type: ignore[attr-defined]
            yield note
        yield Static("", id=f"{p}-err-{key}", classes="field-error", markup=False)

    def on_mount(self) -> None:
        for field_ in self.query(Input):
            if field_.value.strip():
                self.show_check(field_)
        self.recompute()

    # -- as typed ---------------------------------------------------------------------

    @on(Input.Changed)
    def typed(self, event: Input.Changed) -> None:
        self.show_check(event.input, event.validation_result)
        if isinstance(event.input, ScoreInput):
            self.recompute()

    def show_check(self, field_: Input, result=None) -> None:
        """Show the field's own check (range, step, number) under its row; nothing when it passes."""
        if not isinstance(field_, ScoreInput) and "indicator" not in field_.classes:
            return
        if result is None:
            result = field_.validate(field_.value)
        message = "" if result is None or result.is_valid else "；".join(result.failure_descriptions)
        self.set_message(field_.item_id, message)  # type: ignore[attr-defined]

    def set_message(self, item_id: str, message: str) -> None:
        widget_id = f"{self.prefix}-err-{safe_id(item_id)}"
        self.show(widget_id, message)
        self.query_one(f"#{widget_id}", Static).set_class(bool(message), "-shown")

    def typed_scores(self) -> tuple[dict[str, Fraction], int]:
        """The typed scores that pass the domain's check (only these count in any total), and how many
        typed ones do not."""
        valid, invalid = {}, 0
        for w in self.query(ScoreInput):
            if not w.value.strip():
                continue
            value = parse_number(w.value) if w.check(w.value).is_valid else None
            if value is None:
                invalid += 1
            else:
                valid[w.item_id] = value
        return valid, invalid

    def recompute(self) -> None:
        cs, (values, bad) = self.cs, self.typed_scores()
        for c in cs.criteria:
            sub = sum((values[it.id] for it in c.items if it.id in values), Fraction(0))
            self.show(f"{self.prefix}-sub-{safe_id(c.id)}",
                      t("tui.criterion_total", total=fmt(sub), points=plain(c.points)))
        done = sum(1 for it in cs.items if it.id in values)
        self.show(self.total_id, t(self.total_key, total=fmt(sheet_total(cs, values)), points=plain(cs.item_points),
                                   done=done, items=len(cs.items),
                                   invalid=t("tui.invalid_count", count=bad) if bad else ""))

    def show(self, widget_id: str, text: str) -> None:
        """Write a total line, only when it changes: each update lays out the whole page again, and a
        keystroke changes one criterion's subtotal, not nine."""
        if self.shown.get(widget_id) != text:
            self.shown[widget_id] = text
            self.query_one(f"#{widget_id}", Static).update(text)

    # -- saving -----------------------------------------------------------------------

    def changes(self) -> Changes:
        """Typed values that differ from the stored ones; an emptied score box is not a change
        (a stored score is never removed from a form)."""
        s, out = self.stored, Changes()
        for w in self.query(Input):
            item_id = getattr(w, "item_id", None)
            if item_id is None:
                continue
            value = w.value.strip()
            if isinstance(w, ScoreInput):
                if value and value != s.scores.get(item_id, ""):
                    out.scores[item_id] = value
            elif "indicator" in w.classes:
                if value != s.indicators.get(item_id, ""):
                    out.indicators[item_id] = value
            elif value != s.notes.get(item_id, ""):
                out.notes[item_id] = value
        return out

    def mark(self, problems: list[tuple[str, ModelUnitError]]) -> None:
        """Show a refused save's problems at their fields, and focus the first one."""
        first = None
        for item_id, err in problems:
            key = safe_id(item_id)
            target = self.query(f"#{self.prefix}-ind-{key}") if err.key == "indicator.not_number" else None
            widget = (target.first() if target else None) or next(iter(self.query(f"#{self.prefix}-{key}")), None)
            if widget is None:
                continue
            widget.add_class("-invalid")
            self.set_message(item_id, err.render())
            first = first or widget
        if first is not None:
            first.focus()

    def first_field(self) -> Input | None:
        return next((w for w in self.query(Input) if not w.disabled), None)
