"""The 复查结果 sheet of a re-check campaign's workbook (DESIGN §3a, §7: a sheet that follows 图表).

Above the table, the draw: the percentage, the seed, the units drawn (and those the office added)
and how anyone can re-draw the sample from them (:func:`modelunit.domain.recheck.draw`).  Then one
row per enrolled unit: whether it was inspected, its self total, its inspection total, the result
and, for a failing unit, the due date of its rectification.  A4 portrait, the header repeated.
"""

from __future__ import annotations

from fractions import Fraction

from modelunit.domain import models, recheck
from modelunit.domain.models import Entry
from modelunit.export.columns import Col
from modelunit.export.labels import cn_date, status_name, zh
from modelunit.export.pages import Book, Sheet, campaign_lines, title_block
from modelunit.numbers import r2

RESULTS = (models.PASSED, models.NOT_PASSED)


def self_total(entry: Entry) -> Fraction | None:
    """The unit's submitted self total (what a unit not inspected is judged by); None if not submitted."""
    if not entry.selfcheck_submitted_at:
        return None
    return sum((Fraction(str(v["score"])) for v in entry.selfcheck.values()), Fraction(0))


def recheck_results(book: Book, sh: Sheet) -> None:
    rep = book.report
    c = rep.campaign
    rows = {r.code: r for r in rep.tally.rows}
    entries = sorted(rep.entries.values(), key=lambda e: e.unit)
    added = set(c.sample_added)

    def sampled(e: Entry) -> str:
        if not e.sampled:
            return zh("no")
        return zh("wb.recheck.added") if e.unit in added else zh("wb.recheck.drawn")

    def inspected_total(e: Entry):
        row = rows.get(e.unit)
        return row.total if e.sampled and row is not None and row.sheets else None

    def result(e: Entry) -> str:
        return status_name(e.status) if e.status in RESULTS else zh("wb.recheck.pending")

    def due(e: Entry) -> str:
        title = rep.titles.get(e.unit)
        if e.status != models.NOT_PASSED or title is None:
            return ""
        if title.rectify_due and title.rectify_campaign == c.id:
            return cn_date(title.rectify_due)
        return zh("wb.recheck.rectified") if any(ev.get("what") == "rectified" for ev in title.events) else ""

    cols: list[Col] = [
        Col(zh("col.code"), lambda e: e.unit),
        Col(zh("col.name"), lambda e: rep.name(e.unit), fmt="wrap", width=18),
        Col(zh("wb.col.sampled"), sampled),
        Col(zh("col.self_total"), self_total),
        Col(zh("wb.col.inspection_total"), inspected_total),
        Col(zh("wb.col.recheck_result"), result),
        Col(zh("wb.col.rectify_due"), due),
    ]
    draw = draw_lines(c, len(entries))
    top = title_block(book, sh, zh("wb.recheck.title", title=c.title), campaign_lines(rep), len(cols))
    header_row = top + len(draw) + 1
    end = sh.table(header_row, cols, entries)
    sh.note_rows(top, draw)  # written once the table has set the widths they wrap in
    sh.note_rows(end + 1, [zh("wb.recheck.legend", line=f"{r2(rep.cs.scoring.pass_line):.2f}")],
                 fmt="note")
    sh.finish(landscape=False, fill_col=1)


def draw_lines(c: models.Campaign, enrolled: int) -> list[str]:
    """抽查比例, 随机种子, 抽中单位 and how to re-draw the sample."""
    percent = Fraction(c.sample_percent or recheck.DEFAULT_SAMPLE)
    drawn = [code for code in c.sample if code not in c.sample_added]
    lines = [zh("wb.recheck.percent", percent=c.sample_percent, enrolled=enrolled,
                count=recheck.sample_size(enrolled, percent) if enrolled else 0),
             zh("wb.recheck.seed", seed=c.seed),
             zh("wb.recheck.sample", units="、".join(drawn)) if c.sample else zh("wb.recheck.not_drawn")]
    if c.sample_added:
        lines.append(zh("wb.recheck.sample_added", units="、".join(c.sample_added)))
    lines.append(zh("wb.recheck.how", seed=c.seed, percent=c.sample_percent))
    return lines
