"""Blank score sheets for offline inspection: one printable workbook per unit visited.

Each assigned inspector gets a sheet with the unit, every item and its
points, an empty score column, notes for 听取汇报 and 现场查看, and the
signature and date lines the office files with the visit.
"""

from __future__ import annotations

import os
from fractions import Fraction

import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException

from modelunit.domain import models, users
from modelunit.domain.context import Context
from modelunit.domain.criteria import CriteriaSet
from modelunit.domain.permissions import require
from modelunit.domain.records import campaign_of, criteria_of, entries_of
from modelunit.errors import BadInput, Refused
from modelunit.export import formats
from modelunit.export.labels import zh
from modelunit.export.widths import display_width
from modelunit.numbers import plain
from modelunit.storage.exports import atomic_target

VISITED = (models.NOMINATED, models.INSPECTED)
# (header, width) of the score table: 序号, item id, its text, points, the empty score and note columns.
COLUMNS = (("col.seq", 6), ("col.item", 9), ("col.text", 60), ("col.points", 8), ("wb.col.score", 8),
           ("wb.col.remark", 14))


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)


def _sheet_title(name: str, used: set[str]) -> str:
    # Excel refuses a leading or trailing apostrophe, and compares sheet names ignoring case.
    base = "".join(ch for ch in name if ch not in "[]:*?/\\")[:28].strip("'") or zh("wb.score.sheet")
    title, n = base, 2
    while title.casefold() in used:
        title, n = f"{base[:25]}({n})", n + 1
    used.add(title.casefold())
    return title


def export_score_sheets(ctx: Context, folder: str) -> list[str]:
    """Write ``<unit>-评分表.xlsx`` for every unit awaiting inspection; returns the paths."""
    require(ctx.actor, "export")
    tx = ctx.db.snapshot()
    campaign = campaign_of(tx, ctx.campaign_id)
    cs = criteria_of(campaign)
    names = {code: d["name"] for code, d in tx.units.items()}
    shown, signed = users.shown_names(tx), users.real_names(tx)
    drill = ctx.db.is_drill()
    waiting = [e for e in entries_of(tx, campaign) if e.status in VISITED]
    if not waiting:  # say so, rather than succeed having written nothing
        raise Refused("score_sheets.none")
    if not os.path.isdir(folder):  # made only once there is something to write into it
        try:
            os.makedirs(folder)
        except OSError as e:
            raise BadInput("file.unwritable", path=folder, detail=e.strerror or str(e)) from None
    written = []
    for entry in waiting:
        path = os.path.join(folder, _safe(zh("wb.score.file", code=entry.unit)))
        with atomic_target(ctx.db, path, (OSError, XlsxWriterException)) as tmp:
            wb = xlsxwriter.Workbook(tmp, formats.WORKBOOK_OPTIONS)
            f = formats.Formats(wb)
            used: set[str] = set()
            for inspector in entry.inspectors or [""]:
                ws = wb.add_worksheet(_sheet_title(inspector or zh("wb.score.sheet"), used))
                person = (shown.get(inspector, inspector), signed.get(inspector, inspector)) if inspector else ("", "")
                _one_sheet(ws, f, campaign.title, names.get(entry.unit, entry.unit), entry.unit, person, cs, drill)
            wb.close()
        written.append(os.path.abspath(path))
    return written


def score_lines(cs: CriteriaSet) -> list[tuple[str, str, Fraction]]:
    """(id, text, points) of every line an inspector scores: the items, then the bonus lines."""
    dims = {"measures": zh("wb.dim.measures"), "effects": zh("wb.dim.effects")}
    lines = [(it.id, zh("wb.score.line", criterion=c.title, dimension=dims[it.dimension], text=it.text), it.points)
             for c in cs.criteria for it in c.items]
    return lines + [(b.id, zh("wb.score.bonus", text=b.text), b.points) for b in cs.bonuses]


def _one_sheet(ws, f: formats.Formats, title: str, unit_name: str, code: str, inspector: tuple[str, str],
               cs: CriteriaSet, drill: bool) -> None:
    """``inspector``: (login and real name, the name printed under the signature); blank when none is assigned."""
    mark = zh("wb.drill") if drill else ""  # a drill's sheets say so, in the title and on every page
    ws.merge_range(0, 0, 0, len(COLUMNS) - 1, mark + zh("wb.score.title", title=title), f["sheet_title"])
    ws.write_string(1, 0, zh("wb.score.unit", name=unit_name, code=code), f["line"])
    ws.write_string(2, 0, zh("wb.score.inspector", name=inspector[0]), f["line"])
    ws.write_string(2, 3, zh("wb.score.step", step=plain(cs.scoring.step)), f["line"])
    header_row = 4
    for col, (key, width) in enumerate(COLUMNS):
        ws.write_string(header_row, col, zh(key), f["head"])
        ws.set_column(col, col, width)
    row = header_row + 1
    text_width = COLUMNS[2][1]
    for i, (item_id, text, points) in enumerate(score_lines(cs), start=1):
        ws.write_number(row, 0, i, f["num1"])
        ws.write_string(row, 1, item_id, f["wrap"])
        ws.write_string(row, 2, text, f["wrap"])
        ws.write_number(row, 3, float(points), f["num1"])
        ws.write_blank(row, 4, None, f["wrap"])
        ws.write_blank(row, 5, None, f["wrap"])
        ws.set_row(row, 15 * max(1, display_width(text) // (text_width - 4) + 1))
        row += 1
    ws.write_string(row, 2, zh("wb.score.total"), f["head"])
    ws.write_blank(row, 3, None, f["wrap"])
    ws.write_blank(row, 4, None, f["wrap"])
    row += 2
    for key in ("wb.score.hearing", "wb.score.visit", "wb.score.veto"):
        ws.write_string(row, 0, zh(key), f["line"])
        row += 3
    ws.write_string(row, 0, zh("wb.score.signature_of", name=inspector[1]) if inspector[1]
                    else zh("wb.score.signature"), f["line"])
    ws.write_string(row, 3, zh("wb.score.date"), f["line"])
    header = f"&C{formats.header_text(zh('wb.drill_footer'))}" if drill else ""
    formats.page_setup(ws, landscape=False, header=header, footer=f"&C{zh('wb.footer.page')}", header_row=header_row)
    ws.print_area(0, 0, row, len(COLUMNS) - 1)
