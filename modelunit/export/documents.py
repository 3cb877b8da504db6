"""The 命名决定 (naming decision): the document an office files once the approving body has decided.

A print-ready A4 sheet of the workbook rather than a separate Word file: it is written from the
same consistent read of the database as the 授牌名单 beside it (so the list, the certificate
numbers and the decision can never disagree), it carries the audit hash and the drill mark in
its footer like every other page, and an office that wants to edit the wording copies it
into its own letterhead template.  Before the award the sheet is there (the order of sheets
never changes) and says the decision has not been made.
"""

from __future__ import annotations

from datetime import date

from modelunit.domain.models import Entry
from modelunit.domain.titles import valid_until
from modelunit.export import formats
from modelunit.export.labels import cn_date, type_name, zh
from modelunit.export.pages import LINE_PT, Book, Sheet, line_count

TYPE_ORDER = ("department", "township", "street", "other")  # 区直部门 first, as district decisions list them
SEQ_WIDTH, CERT_WIDTH = 6, 16
BODY_PT = 12


def _name_width() -> int:
    # The three columns fill the page across: each column costs its width plus 5 px of padding.
    return int(formats.page_units(False) - SEQ_WIDTH - CERT_WIDTH - 3 * 5 / 7) - 1


def naming_decision(book: Book, sh: Sheet) -> None:
    rep = book.report
    c = rep.campaign
    f, ws = book.f, sh.ws
    for col, width in ((0, SEQ_WIDTH), (1, _name_width()), (2, CERT_WIDTH)):
        sh.widths.fix(col, width)
    sh.last_col = 2
    page = SEQ_WIDTH + _name_width() + CERT_WIDTH
    row = 0

    def line(text: str, fmt: str, pt: float = BODY_PT, gap: float = 6) -> None:
        nonlocal row
        ws.merge_range(row, 0, row, 2, text, f[fmt])
        ws.set_row(row, LINE_PT * pt / formats.BODY_PT * line_count(text, page, font_pt=pt) + gap)
        row += 1

    title = zh("wb.decision.title", year=c.year)
    named = rep.awarded()
    if not c.award_date or not named:
        # A page with the decision's bare title could be taken for the decision: it says it is not one.
        line(book.drill_mark + title + zh("wb.decision.undecided"), "doc_title", pt=18, gap=14)
        line(zh("wb.decision.recheck") if c.kind == "recheck" else zh("wb.decision.not_yet"), "doc_body")
        sh.finish(landscape=False, repeat_header=False)
        return
    line(book.drill_mark + title, "doc_title", pt=18, gap=14)
    if c.decision_ref:
        line(c.decision_ref, "doc_ref")
    row += 1
    line(zh("wb.decision.to"), "doc_body")
    publicity = zh("wb.decision.publicity", start=cn_date(c.publicity_start), end=cn_date(c.publicity_end),
                   days=rep.cs.publicity_days) if c.publicity_start else ""
    until = valid_until(date.fromisoformat(c.award_date), rep.cs.naming)
    line(zh("wb.decision.body", organiser=c.issuer or c.decided_by, campaign=c.title, publicity=publicity,
            by=c.decided_by or zh("wb.decision.the_body"), count=len(named), years=rep.cs.naming.validity_years,
            until=cn_date(until.isoformat())), "doc_body")
    row += 1
    for col, header in enumerate((zh("col.seq"), zh("col.name"), zh("col.certificate"))):
        ws.write_string(row, col, header, f["head"])
    ws.set_row(row, LINE_PT + 6)
    row += 1
    seq = 0
    numerals = zh("wb.decision.numerals")
    for i, (kind, units) in enumerate(_by_type(rep, named)):
        line(zh("wb.decision.group", num=numerals[i], type=type_name(kind), count=len(units)), "doc_group",
             gap=4)
        for entry in units:
            seq += 1
            name = rep.name(entry.unit)
            sh.cell(row, 0, seq, "doc_cell_c")
            sh.cell(row, 1, name, "doc_cell")
            sh.cell(row, 2, entry.certificate or "", "doc_cell_c")
            ws.set_row(row, LINE_PT * BODY_PT / formats.BODY_PT * line_count(name, _name_width(), BODY_PT) + 6)
            row += 1
    row += 1
    line(zh("wb.decision.closing"), "doc_body")
    row += 2
    line(c.decided_by or zh("wb.decision.the_body"), "doc_sign")
    line(cn_date(c.decision_date or c.award_date), "doc_sign")
    sh.finish(landscape=False, repeat_header=False)


def _by_type(rep, named: list[Entry]) -> list[tuple[str, list[Entry]]]:
    """The named units by unit type, in the order a decision lists them; in certificate order within each."""
    groups: dict[str, list[Entry]] = {}
    for entry in named:
        unit = rep.units.get(entry.unit)
        groups.setdefault(unit.type if unit else "other", []).append(entry)
    order = [*TYPE_ORDER, *sorted(set(groups) - set(TYPE_ORDER))]
    return [(kind, groups[kind]) for kind in order if kind in groups]
