"""The reminder list (催办清单): one printable row per unit with what it still lacks and whom to call.

``modelunit progress --format xlsx --output FILE.xlsx`` writes it; an office prints it or sends
it to the units.  It is laid out like the workbook's printed lists (a title block, the header
row whose first cell is 序号 repeated on every page, A4 portrait, everything inside the print
area) and written through the same sheet machinery, so a drill and the audit hash are marked
the same way.  A second sheet lists each inspector's score sheets.
"""

from __future__ import annotations

import os

from xlsxwriter.exceptions import XlsxWriterException

from modelunit.domain.calendar import today
from modelunit.domain.context import Context
from modelunit.domain.progress import InspectorProgress, UnitProgress, lack_texts, progress
from modelunit.export.columns import Col
from modelunit.export.labels import cn_date, stage_name, status_name, zh
from modelunit.export.pages import Book, Sheet, title_block  # the printed-list machinery
from modelunit.export.report import collect
from modelunit.storage.exports import atomic_target, check_target

LACKS_WIDTH = 34  # the 尚缺 column wraps inside this width


def export_reminders(ctx: Context, path: str, missing_only: bool = False) -> str:
    """Write the reminder list to ``path`` (atomically); admin only, like every export."""
    check_target(ctx.db, path)
    report = collect(ctx)  # checks the export permission, and gives the title, drill mark and audit hash
    view = progress(ctx)
    if missing_only:
        view = view.missing_only()
    with atomic_target(ctx.db, path, (OSError, XlsxWriterException)) as tmp:
        book = Book(tmp, report)
        _units_sheet(book, book.sheet(zh("wb.reminder.sheet")), view.units)
        _inspectors_sheet(book, book.sheet(zh("wb.reminder.inspectors")), view.inspectors)
        book.wb.close()
    return os.path.abspath(path)


def _subtitle(book: Book) -> str:
    c = book.report.campaign
    due = {"selfcheck": c.selfcheck_due, "nomination": c.nomination_due}.get(c.stage)
    return zh("wb.reminder.as_of", date=cn_date(today().isoformat()), stage=stage_name(c.stage),
              due=zh("wb.reminder.due", due=cn_date(due)) if due else "")


def _units_sheet(book: Book, sh: Sheet, units: list[UnitProgress]) -> None:
    cols: list[Col] = [
        Col(zh("col.seq"), lambda x: x[0]),
        Col(zh("col.code"), lambda x: x[1].code),
        Col(zh("col.name"), lambda x: x[1].name, fmt="wrap", width=18),
        Col(zh("col.contact"), lambda x: x[1].contact),
        Col(zh("col.phone"), lambda x: x[1].phone),
        Col(zh("col.status"), lambda x: status_name(x[1].status)),
        Col(zh("col.selfcheck"), lambda x: x[1].selfcheck_text(zh)),
        Col(zh("col.lacks"), lambda x: "\n".join(lack_texts(x[1], zh)), fmt="wrap", width=LACKS_WIDTH),
    ]
    title = zh("wb.reminder.title", campaign=book.report.campaign.title)
    header_row = title_block(book, sh, title, [_subtitle(book)], len(cols))
    end = sh.table(header_row, cols, list(enumerate(units, start=1)))
    if not units:
        sh.note_rows(end, [zh("wb.reminder.none")])
    sh.finish(landscape=False, fill_col=7)


def _inspectors_sheet(book: Book, sh: Sheet, inspectors: list[InspectorProgress]) -> None:
    cols: list[Col] = [
        Col(zh("col.seq"), lambda x: x[0]),
        Col(zh("col.inspector"), lambda x: x[1].name),
        Col(zh("col.assigned"), lambda x: x[1].assigned),
        Col(zh("col.entered"), lambda x: x[1].entered),
        Col(zh("col.submitted"), lambda x: x[1].submitted),
        Col(zh("col.pending"), lambda x: "、".join(x[1].pending), fmt="wrap", width=40),
    ]
    title = zh("wb.reminder.title", campaign=book.report.campaign.title)
    header_row = title_block(book, sh, title, [_subtitle(book)], len(cols))
    sh.table(header_row, cols, list(enumerate(inspectors, start=1)))
    sh.finish(landscape=False, fill_col=5)
