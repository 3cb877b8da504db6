"""The workbook's records after 命名决定 (DESIGN §7, issue 12): what the units and the inspectors wrote.

自查说明 (the units' notes and indicator values on their self-check), 问题与整改 (the gaps
they found and how they rectify them), 考察记录 (each inspector's 听取汇报 and 现场查看 notes)
and 评分说明 (the inspectors' notes on their scores).  Each is a table with its header on row 1,
repeated on every printed page, and its legend under it, inside the print area.  Every text in
them was typed by a user and is written as text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from fractions import Fraction
from typing import Any

from modelunit.domain.calendar import today
from modelunit.domain.criteria import Item
from modelunit.domain.models import Entry, Gap
from modelunit.domain.models import Sheet as ScoreSheet
from modelunit.export.columns import Col
from modelunit.export.labels import cn_date, zh
from modelunit.export.pages import Book, Sheet
from modelunit.numbers import plain

TEXT_WIDTH = 30  # a column of typed text wraps inside this width


def _unit_cols(rep, of: Callable[[Any], str]) -> list[Col]:
    return [Col(zh("col.code"), of), Col(zh("col.name"), lambda x: rep.name(of(x)), fmt="wrap", width=16)]


def _score(value: object) -> Fraction | None:
    return Fraction(str(value)) if value not in (None, "") else None


def _table(book: Book, sh: Sheet, cols: list[Col], records: list, legend: list[str], empty: str) -> int:
    """The table from row 1, frozen and filtered, with the legend (or why it is empty) under it; A4 landscape."""
    end = sh.table(0, cols, records)
    sh.ws.freeze_panes(1, 2)
    if records:
        sh.ws.autofilter(0, 0, len(records), len(cols) - 1)
    sh.note_rows(end + 1, ([] if records else [empty]) + legend, fmt="note")
    sh.finish(landscape=True, key_cols=2)
    return end


def selfcheck_notes(book: Book, sh: Sheet) -> None:
    """Every self-check line a unit explained: a note, or the value of the item's indicator."""
    rep, cs = book.report, book.report.cs
    records: list[tuple[Entry, Item, dict]] = []
    for entry in sorted(rep.entries.values(), key=lambda e: e.unit):
        for item in cs.items:
            line = entry.selfcheck.get(item.id) or {}
            if line.get("note") or line.get("indicator") not in (None, ""):
                records.append((entry, item, line))

    def indicator(x) -> str:
        ind = x[1].indicator
        return zh("wb.notes.indicator", name=ind.name, target=plain(ind.target), unit=ind.unit) if ind else ""

    cols = [
        *_unit_cols(rep, lambda x: x[0].unit),
        Col(zh("col.item"), lambda x: x[1].id),
        Col(zh("wb.col.item_text"), lambda x: x[1].text, fmt="wrap", width=TEXT_WIDTH),
        Col(zh("col.points"), lambda x: x[1].points),
        Col(zh("wb.col.self_score"), lambda x: _score(x[2].get("score"))),
        Col(zh("wb.col.indicator"), indicator, fmt="wrap", width=16),
        Col(zh("wb.col.indicator_value"), lambda x: _score(x[2].get("indicator"))),
        Col(zh("col.note"), lambda x: x[2].get("note", ""), fmt="wrap", width=TEXT_WIDTH),
    ]
    _table(book, sh, cols, records, [zh("wb.notes.selfcheck_legend")], zh("wb.notes.selfcheck_none"))


def gaps(book: Book, sh: Sheet) -> None:
    """问题与整改: each gap with its measure, due date and state; an open one past its date in red."""
    rep = book.report
    records: list[tuple[Entry, Gap]] = [(e, g) for e in sorted(rep.entries.values(), key=lambda e: e.unit)
                                        for g in e.gaps]
    on = today()

    def overdue(gap: Gap) -> bool:
        return gap.due is not None and gap.status != "done" and date.fromisoformat(gap.due[:10]) < on

    def state(gap: Gap) -> str:  # the dashboard's words for it, and whether it is late
        return zh(f"tui.gap.status.{gap.status}") + (zh("wb.gap.overdue") if overdue(gap) else "")

    cols = [
        *_unit_cols(rep, lambda x: x[0].unit),
        Col(zh("col.id"), lambda x: x[1].id),
        Col(zh("col.item"), lambda x: x[1].item),
        Col(zh("col.problem"), lambda x: x[1].problem, fmt="wrap", width=TEXT_WIDTH),
        Col(zh("col.measure"), lambda x: x[1].measure, fmt="wrap", width=TEXT_WIDTH),
        Col(zh("col.due"), lambda x: cn_date(x[1].due)),
        Col(zh("col.status"), lambda x: state(x[1])),
    ]
    end = _table(book, sh, cols, records, [zh("wb.notes.gaps_legend", date=cn_date(on.isoformat()))],
                 zh("wb.notes.gaps_none"))
    if records:
        status = len(cols) - 1
        sh.ws.conditional_format(1, status, end - 1, status, {"type": "text", "criteria": "containing",
                                                              "value": zh("wb.gap.overdue"), "format": book.f["bad"]})


def _sheets(rep) -> list[ScoreSheet]:
    order = {r.code: i for i, r in enumerate(rep.tally.rows)}
    return sorted((s for lst in rep.sheets.values() for s in lst),
                  key=lambda s: (order.get(s.unit, len(order)), s.unit, s.inspector))


def inspection_records(book: Book, sh: Sheet) -> None:
    """考察记录: each inspector's notes of the report heard (听取汇报) and the site visit (现场查看)."""
    rep = book.report
    records = [s for s in _sheets(rep) if s.hearing or s.visit]
    cols = [
        *_unit_cols(rep, lambda s: s.unit),
        Col(zh("col.inspector"), lambda s: rep.person(s.inspector)),
        Col(zh("wb.col.hearing"), lambda s: s.hearing, fmt="wrap", width=36),
        Col(zh("wb.col.visit"), lambda s: s.visit, fmt="wrap", width=36),
        Col(zh("col.submitted"), lambda s: s.submitted),
        Col(zh("wb.col.submitted_at"), lambda s: (s.submitted_at or "").replace("T", " ")[:16]),
    ]
    _table(book, sh, cols, records, [zh("wb.notes.records_legend")], zh("wb.notes.records_none"))


def score_notes(book: Book, sh: Sheet) -> None:
    """评分说明: the note an inspector wrote beside a score (why points were taken off)."""
    rep, cs = book.report, book.report.cs
    lines = {it.id: (it.text, it.points) for it in cs.items} | {b.id: (b.text, b.points) for b in cs.bonuses}
    records = [(s, item, note) for s in _sheets(rep) for item, note in sorted(s.notes.items()) if note]
    cols = [
        *_unit_cols(rep, lambda x: x[0].unit),
        Col(zh("col.inspector"), lambda x: rep.person(x[0].inspector)),
        Col(zh("col.item"), lambda x: x[1]),
        Col(zh("wb.col.item_text"), lambda x: lines.get(x[1], ("", None))[0], fmt="wrap", width=TEXT_WIDTH),
        Col(zh("col.points"), lambda x: lines.get(x[1], ("", None))[1]),
        Col(zh("wb.col.score"), lambda x: _score(x[0].scores.get(x[1]))),
        Col(zh("col.note"), lambda x: x[2], fmt="wrap", width=36),
    ]
    _table(book, sh, cols, records, [zh("wb.notes.scores_legend")], zh("wb.notes.scores_none"))
