"""Blank score sheets for offline inspection: one printable workbook per unit visited.

Each assigned inspector gets a sheet with the unit, every item and its
points, an empty score column, notes for 听取汇报 and 现场查看, and the
signature and date lines the office files with the visit.
"""

from __future__ import annotations

import os

import xlsxwriter

from modelunit.domain import models
from modelunit.domain.context import Context
from modelunit.domain.permissions import require
from modelunit.domain.records import campaign_of, criteria_of, entries_of
from modelunit.errors import BadInput
from modelunit.export.widths import display_width

VISITED = (models.NOMINATED, models.INSPECTED)


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)


def _sheet_title(name: str, used: set[str]) -> str:
    base = "".join(ch for ch in name if ch not in "[]:*?/\\")[:28] or "评分表"
    title, n = base, 2
    while title in used:
        title, n = f"{base[:25]}({n})", n + 1
    used.add(title)
    return title


def export_score_sheets(ctx: Context, folder: str) -> list[str]:
    """Write ``<unit>-评分表.xlsx`` for every unit awaiting inspection; returns the paths."""
    require(ctx.actor, "export")
    if not os.path.isdir(folder):
        raise BadInput("db.no_folder", path=folder)
    tx = ctx.db.snapshot()
    campaign = campaign_of(tx, ctx.campaign_id)
    cs = criteria_of(campaign)
    names = {code: d["name"] for code, d in tx.units.items()}
    written = []
    for entry in entries_of(tx, campaign):
        if entry.status not in VISITED:
            continue
        path = os.path.join(folder, f"{_safe(entry.unit)}-评分表.xlsx")
        wb = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
        f_title = wb.add_format({"font_name": "黑体", "font_size": 15, "bold": True, "align": "center"})
        f_text = wb.add_format({"font_name": "宋体", "font_size": 10, "border": 1, "text_wrap": True,
                                "valign": "vcenter"})
        f_head = wb.add_format({"font_name": "宋体", "font_size": 10, "border": 1, "bold": True, "align": "center",
                                "bg_color": "#D9E1F2"})
        f_num = wb.add_format({"font_name": "宋体", "font_size": 10, "border": 1, "num_format": "0.0",
                               "align": "center", "valign": "vcenter"})
        f_line = wb.add_format({"font_name": "宋体", "font_size": 11})
        used: set[str] = set()
        for inspector in entry.inspectors or [""]:
            ws = wb.add_worksheet(_sheet_title(inspector or "评分表", used))
            ws.merge_range(0, 0, 0, 5, f"{campaign.title}考察评分表", f_title)
            ws.write_string(1, 0, f"被考察单位：{names.get(entry.unit, entry.unit)}（{entry.unit}）", f_line)
            ws.write_string(2, 0, f"考察人员：{inspector}", f_line)
            ws.write_string(2, 3, f"评分步长：{cs.scoring.step}", f_line)
            header_row = 4
            for col, label in enumerate(["序号", "考核要点", "内容", "分值", "评分", "备注"]):
                ws.write_string(header_row, col, label, f_head)
            row = header_row + 1
            lines = [(it.id, f"{c.title}（{'措施' if it.dimension == 'measures' else '效果'}）：{it.text}", it.points)
                     for c in cs.criteria for it in c.items]
            lines += [(b.id, f"加分项：{b.text}", b.points) for b in cs.bonuses]
            for i, (item_id, text, points) in enumerate(lines, start=1):
                ws.write_number(row, 0, i, f_num)
                ws.write_string(row, 1, item_id, f_text)
                ws.write_string(row, 2, text, f_text)
                ws.write_number(row, 3, float(points), f_num)
                ws.write_blank(row, 4, None, f_text)
                ws.write_blank(row, 5, None, f_text)
                ws.set_row(row, 15 * max(1, display_width(text) // 56 + 1))
                row += 1
            ws.write_string(row, 2, "合计", f_head)
            ws.write_blank(row, 3, None, f_text)
            ws.write_blank(row, 4, None, f_text)
            row += 2
            for label in ("听取汇报情况：", "现场查看情况：", "否决事项（如有）："):
                ws.write_string(row, 0, label, f_line)
                row += 3
            ws.write_string(row, 0, "考察人员签名：______________", f_line)
            ws.write_string(row, 3, "日期：____年__月__日", f_line)
            ws.set_column(0, 0, 6)
            ws.set_column(1, 1, 9)
            ws.set_column(2, 2, 60)
            ws.set_column(3, 4, 8)
            ws.set_column(5, 5, 14)
            ws.set_paper(9)
            ws.set_portrait()
            ws.repeat_rows(header_row)
            ws.fit_to_pages(1, 0)
            ws.set_footer("&C第 &P 页 / 共 &N 页")
        wb.close()
        written.append(os.path.abspath(path))
    return written
