"""A unit's own report (本单位报告): what the unit's page shows, as a workbook its clerk can keep.

Its status in the campaign, its self-check item by item with the notes and the total, and every
material it filed.  It is written from :func:`modelunit.domain.views.unit_detail`, so it holds
exactly what the reader may see of the unit there (a clerk: their own unit only), and nothing
the page would not show.  Dashboard only (a download in the browser, a file in a terminal).
"""

from __future__ import annotations

from fractions import Fraction

import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException

from modelunit.domain import views
from modelunit.domain.context import Context
from modelunit.export import formats
from modelunit.export.labels import zh
from modelunit.export.score_sheets import score_lines
from modelunit.export.widths import display_width
from modelunit.storage.exports import atomic_target

# (header, width): the self-check table, then the materials table.
SELF_COLUMNS = (("col.seq", 6), ("col.item", 9), ("col.text", 50), ("col.points", 8), ("wb.col.self_score", 10),
                ("wb.col.remark", 24))
MATERIAL_COLUMNS = (("col.seq", 6), ("wb.unit_report.for", 18), ("wb.unit_report.title", 30),
                    ("wb.unit_report.file", 28), ("wb.unit_report.added", 22), ("wb.col.by", 12))


def unit_report_name(campaign: str, code: str) -> str:
    return zh("wb.unit_report.file_name", id=campaign, code=code)


def export_unit_report(ctx: Context, code: str, path: str, progress=None) -> str:
    """Write the report of unit ``code`` to ``path`` (refused as the unit page would be); its path."""
    d = views.unit_detail(ctx, code)
    drill = ctx.db.is_drill()
    with atomic_target(ctx.db, path, (OSError, XlsxWriterException)) as tmp:
        wb = xlsxwriter.Workbook(tmp, formats.WORKBOOK_OPTIONS)
        f = formats.Formats(wb)
        ws = wb.add_worksheet(zh("wb.unit_report.sheet"))
        width = len(SELF_COLUMNS) - 1
        mark = zh("wb.drill") if drill else ""
        ws.merge_range(0, 0, 0, width, mark + zh("wb.unit_report.title_line", title=d.campaign.title), f["sheet_title"])
        ws.write_string(1, 0, zh("wb.unit_report.unit", name=d.unit.name, code=d.unit.code), f["line"])
        ws.write_string(2, 0, zh("wb.unit_report.status", status=zh(f"status.{d.entry.status}"),
                                 at=d.entry.selfcheck_submitted_at or "—"), f["line"])
        row = _table(ws, f, 4, SELF_COLUMNS)
        total = Fraction(0)
        for i, (item_id, text, points) in enumerate(score_lines(d.criteria), start=1):
            mine = d.entry.selfcheck.get(item_id) or {}
            ws.write_number(row, 0, i, f["num1"])
            ws.write_string(row, 1, item_id, f["wrap"])
            ws.write_string(row, 2, text, f["wrap"])
            ws.write_number(row, 3, float(points), f["num1"])
            if mine.get("score") not in (None, ""):
                total += Fraction(mine["score"])
                ws.write_number(row, 4, float(Fraction(mine["score"])), f["num1"])
            else:
                ws.write_blank(row, 4, None, f["wrap"])
            ws.write_string(row, 5, mine.get("note") or "", f["wrap"])
            ws.set_row(row, 15 * max(1, display_width(text) // (SELF_COLUMNS[2][1] - 4) + 1))
            row += 1
        ws.write_string(row, 2, zh("wb.score.total"), f["head"])
        ws.write_number(row, 4, float(total), f["num"])
        row = _table(ws, f, row + 2, MATERIAL_COLUMNS)
        titles = {c.id: f"{c.id} {c.title}" for c in d.criteria.criteria}
        for i, m in enumerate(d.entry.materials, start=1):
            what = titles.get(m.criterion, m.criterion) if m.criterion else f"{zh('tui.document')} {m.document}"
            for col, value in enumerate((what, m.title, m.name, m.added_at, m.added_by), start=1):
                ws.write_string(row, col, value or "", f["wrap"])
            ws.write_number(row, 0, i, f["num1"])
            row += 1
        header = f"&C{formats.header_text(zh('wb.drill_footer'))}" if drill else ""
        formats.page_setup(ws, landscape=False, header=header, footer=f"&C{zh('wb.footer.page')}", header_row=4)
        ws.print_area(0, 0, row, width)
        wb.close()
    return path


def _table(ws, f: formats.Formats, row: int, columns) -> int:
    """The header row of a table at ``row`` (columns wide enough for both tables); the first data row."""
    for col, (key, width) in enumerate(columns):
        ws.write_string(row, col, zh(key), f["head"])
        ws.set_column(col, col, max(width, SELF_COLUMNS[col][1], MATERIAL_COLUMNS[col][1]))
    return row + 1
