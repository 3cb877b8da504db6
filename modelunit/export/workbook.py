"""The campaign workbook (DESIGN §7): eight sheets an office can print and file.

Sheet names, their order and the header rows are a contract.  The workbook
is an official Chinese document, so its labels are Chinese whatever the
interface language.  Every text that came from a user is written with
``write_string`` and the workbook is opened with ``strings_to_formulas``,
``strings_to_urls`` and ``strings_to_numbers`` off: a unit called
``=HYPERLINK(...)`` stays a name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import xlsxwriter

from modelunit.domain import models
from modelunit.domain.context import Context
from modelunit.export.report import Report, collect
from modelunit.export.widths import SAMPLE_ROWS, ColumnWidths, display_width
from modelunit.numbers import r2

SHEETS = ("汇总", "评分明细", "自查对比", "进度", "公示名单", "异议", "授牌名单", "图表")
TYPE_NAMES = {"township": "乡镇", "street": "街道", "department": "区直部门", "other": "其他"}
STATUS_NAMES = {
    "registered": "已登记", "selfcheck_submitted": "已提交自查", "nominated": "已申报", "not_nominated": "未申报",
    "inspected": "已考察", "candidate": "拟推荐", "not_selected": "未入选", "in_publicity": "公示中",
    "approved": "审定合格", "withdrawn": "已撤销", "awarded": "已授牌"}
CONCLUSIONS = {"candidate": "拟推荐", "failed": "未达标", "vetoed": "否决", "incomplete": "未完成",
               "over_quota": "超出名额"}
STAGE_NAMES = {"selfcheck": "自查完善", "nomination": "自荐申报", "inspection": "考察认定", "publicity": "公示",
               "award": "命名授牌"}
OBJECTION_STATES = {"open": "待处理", "upheld": "异议成立", "dismissed": "异议不成立"}
OVER_RATING = Fraction(1, 10)  # self-score above the inspected score by more than 10% of the points

Progress = Callable[[int, int], None]


class _Sheet:
    """A worksheet with typed cell writing and CJK-aware column widths."""

    def __init__(self, wb: _Book, name: str, title: str) -> None:
        self.book = wb
        self.ws = wb.wb.add_worksheet(name)
        self.title = title
        self.widths = ColumnWidths()

    def cell(self, row: int, col: int, value: object, fmt=None) -> None:
        ws, f = self.ws, self.book.f
        measure = row < SAMPLE_ROWS
        if value is None or value == "":
            ws.write_blank(row, col, None, fmt or f["text"])
            return
        if isinstance(value, bool):
            value = "是" if value else "否"
        if isinstance(value, (Decimal, Fraction)):
            rounded = r2(value)
            ws.write_number(row, col, float(rounded), fmt or f["num"])
            if measure:
                self.widths.see(col, f"{rounded:.2f}")
            return
        if isinstance(value, int):
            ws.write_number(row, col, value, fmt or f["int"])
            if measure:
                self.widths.see(col, str(value))
            return
        ws.write_string(row, col, str(value), fmt or f["text"])
        if measure:
            self.widths.see(col, value)

    def header(self, row: int, labels: list[str]) -> None:
        for col, label in enumerate(labels):
            self.cell(row, col, label, self.book.f["head"])

    def wrap_column(self, col: int, width: int) -> None:
        self.widths.fix(col, width)

    def finish(self, landscape: bool, header_row: int | None, last_col: int | None = None,
               header_note: str = "") -> None:
        ws = self.ws
        self.widths.apply(ws)
        ws.set_paper(9)  # A4
        if landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        if header_row is not None:
            ws.repeat_rows(header_row)
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.5, right=0.5, top=0.8, bottom=0.8)
        head = _header_text(f"{self.title}　{header_note}".strip())
        # A space after the size code: "&11" followed by "2026年…" would read as size 112026.
        ws.set_header(f'&C&"黑体,Bold"&11 {head}')
        ws.set_footer(f"&L审计哈希 {self.book.report.audit_head[:16]}&R第 &P 页 / 共 &N 页")
        if last_col is not None:  # side notes beyond the table are for the screen, not the page
            ws.print_area(0, 0, max(header_row or 0, ws.dim_rowmax or 0), last_col)


def _header_text(text: str) -> str:
    return text.replace("&", "&&")[:120]


def _row_height(text: str, width: int) -> float:
    """Height for wrapped text of ``text`` in a column ``width`` characters wide."""
    lines = sum(max(1, -(-display_width(part) // max(1, width - 1))) for part in (text or "").split("\n"))
    return 15.0 * max(1, lines)


class _Book:
    def __init__(self, path: str, report: Report) -> None:
        self.report = report
        self.wb = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_urls": False,
                                             "strings_to_numbers": False, "constant_memory": False})
        self.wb.set_properties({"title": report.campaign.title, "subject": "依法行政示范单位创建",
                                "comments": f"audit {report.audit_head}"})
        add = self.wb.add_format
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1}
        self.f = {
            "text": add(base),
            "wrap": add({**base, "text_wrap": True}),
            "num": add({**base, "num_format": "0.00"}),
            "int": add({**base, "num_format": "0"}),
            "pct": add({**base, "num_format": "0.0%"}),
            "head": add({**base, "bold": True, "bg_color": "#D9E1F2", "align": "center", "text_wrap": True}),
            "title": add({"font_name": "黑体", "font_size": 16, "bold": True, "align": "center"}),
            "subtitle": add({"font_name": "宋体", "font_size": 11, "align": "center"}),
            "note": add({"font_name": "宋体", "font_size": 10, "italic": True}),
            "closing": add({"font_name": "宋体", "font_size": 11, "align": "right"}),
            "closing_note": add({"font_name": "宋体", "font_size": 11, "align": "left", "valign": "top",
                                 "text_wrap": True}),
            "good": add({"bg_color": "#E2EFDA"}),
            "bad": add({"bg_color": "#FCE4D6", "font_color": "#9C0006"}),
            "grey": add({"font_color": "#808080"}),
            "below": add({"font_color": "#C00000", "bold": True}),
        }
        line = {"bottom": 5, "bottom_color": "#C00000"}
        self.f.update({"text_q": add({**base, **line}), "num_q": add({**base, "num_format": "0.00", **line}),
                       "int_q": add({**base, "num_format": "0", **line})})

    def sheet(self, name: str) -> _Sheet:
        return _Sheet(self, name, f"{self.report.campaign.title}　{name}")


def export_workbook(ctx: Context, path: str, progress: Progress | None = None) -> str:
    """Write the workbook to ``path`` (atomically: a half-written file never replaces a good one)."""
    report = collect(ctx)
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.isdir(folder):
        from modelunit.errors import BadInput

        raise BadInput("db.no_folder", path=folder)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp.xlsx")
    try:
        write_report(report, tmp, progress)
        os.replace(tmp, path)
    except OSError as e:
        from modelunit.errors import BadInput

        raise BadInput("file.unwritable", path=path, detail=e.strerror or str(e)) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return os.path.abspath(path)


def write_report(report: Report, path: str, progress: Progress | None = None) -> None:
    book = _Book(path, report)
    steps = [_summary, _detail, _self_vs_inspected, _progress, _publicity_list, _objections, _award_list, _charts]
    for i, step in enumerate(steps):
        step(book, book.sheet(SHEETS[i]))
        if progress:
            progress(i + 1, len(steps))
    book.wb.close()


# ----------------------------------------------------------------------------- sheets


def _summary(book: _Book, sh: _Sheet) -> None:
    rep, cs = book.report, book.report.cs
    n = len(cs.criteria)
    headers = (["排名", "单位代码", "单位名称"] + [c.title for c in cs.criteria]
               + ["措施小计", "效果小计", "加分", "满意度", "总分", "否决", "结论"])
    sh.header(0, headers)
    sh.ws.set_row(0, 45)
    for col in range(3, 3 + n):
        sh.wrap_column(col, 10)  # criterion titles wrap in the header instead of widening the page
    total_col = 3 + n + 4
    quota = rep.campaign.quota
    rows = rep.tally.rows
    f = book.f
    for i, r in enumerate(rows, start=1):
        entry = rep.entries.get(r.code)
        vetoes = ", ".join(v["item"] for v in entry.vetoes) if entry else ""
        values = ([r.rank, r.code, r.name] + [r.criteria[c.id] for c in cs.criteria]
                  + [r.measures, r.effects, r.bonus, r.satisfaction, r.total,
                     f"是（{vetoes}）" if r.vetoed else "否", CONCLUSIONS[r.conclusion]])
        nxt = rows[i] if i < len(rows) else None
        on_line = bool(quota and r.rank is not None and r.rank <= quota
                       and (nxt is None or nxt.rank is None or nxt.rank > quota))
        for col, value in enumerate(values):
            fmt = None
            if on_line:  # the quota line: a red rule under the last unit within the quota
                fmt = f["num_q"] if isinstance(value, (Decimal, Fraction)) else (
                    f["int_q"] if isinstance(value, int) and not isinstance(value, bool) else f["text_q"])
            sh.cell(i, col, value, fmt)
    last = len(rows)
    if last:
        concl = len(headers) - 1
        for text, fmt in (("拟推荐", "good"), ("否决", "bad"), ("未完成", "grey")):
            sh.ws.conditional_format(1, concl, last, concl, {"type": "text", "criteria": "containing",
                                                             "value": text, "format": f[fmt]})
        sh.ws.conditional_format(1, total_col, last, total_col, {
            "type": "cell", "criteria": "<", "value": float(r2(cs.scoring.pass_line)), "format": f["below"]})
    sh.ws.freeze_panes(1, 3)
    sh.ws.autofilter(0, 0, max(last, 1), len(headers) - 1)
    pass_line = f"及格线 {r2(cs.scoring.pass_line):.2f}"
    quota_text = f"名额 {quota}" if quota else "名额不限"
    notes = [f"{pass_line}（总分低于及格线以红字显示）", f"{quota_text}（红线以上为名额内）",
             f"活动：{rep.campaign.title}（{rep.campaign.id}）",
             f"审计日志：{rep.audit_count} 条，最新哈希 {rep.audit_head}"]
    if rep.tally.quota_exceeded_by_tie:
        notes.append(f"因名额线上并列，实际推荐 {len(rep.tally.candidates)} 个单位")
    note_col = len(headers) + 1
    for i, text in enumerate(notes):
        sh.ws.write_string(i, note_col, text, f["note"])
    sh.ws.set_column(note_col, note_col, 48)
    sh.finish(landscape=True, header_row=0, last_col=len(headers) - 1, header_note=f"{pass_line}　{quota_text}")


def _detail(book: _Book, sh: _Sheet) -> None:
    rep, cs = book.report, book.report.cs
    headers = ["单位代码", "单位名称", "标准", "考核要点", "分值", "考察人员", "评分", "已提交", "汇总得分",
               "分歧（最高−最低）"]
    sh.header(0, headers)
    ws, f = sh.ws, book.f
    text, num = f["text"], f["num"]
    lines = [(c.title, it.id, float(it.points), False) for c in cs.criteria for it in c.items]
    lines += [("加分项", b.id, float(b.points), True) for b in cs.bonuses]
    row = 1
    # The hot loop of a province export (hundreds of thousands of rows): plain floats and
    # direct writes; widths were measured on the first rows.
    for r in rep.tally.rows:
        sheets = sorted(rep.sheets.get(r.code, []), key=lambda s: s.inspector)
        for crit_title, item_id, points, is_bonus in lines:
            scored = [(s, s.scores.get(item_id)) for s in sheets]
            values = [Fraction(v) for s, v in scored if v is not None and s.submitted]
            spread = float(max(values) - min(values)) if values else None
            aggregate = r.item_scores.get(item_id)
            aggregate = float(r2(aggregate)) if aggregate is not None else None
            for s, v in scored:
                if v is None and is_bonus:
                    continue  # an empty bonus line is not a score
                if row < SAMPLE_ROWS:
                    for col, value in ((0, r.code), (1, r.name), (2, crit_title), (5, s.inspector)):
                        sh.widths.see(col, value)
                ws.write_string(row, 0, r.code, text)
                ws.write_string(row, 1, r.name, text)
                ws.write_string(row, 2, crit_title, text)
                ws.write_string(row, 3, item_id, text)
                ws.write_number(row, 4, points, num)
                ws.write_string(row, 5, s.inspector, text)
                if v is None:
                    ws.write_blank(row, 6, None, num)
                else:
                    ws.write_number(row, 6, float(v), num)
                ws.write_string(row, 7, "是" if s.submitted else "否", text)
                if aggregate is None:
                    ws.write_blank(row, 8, None, num)
                else:
                    ws.write_number(row, 8, aggregate, num)
                if spread is None:
                    ws.write_blank(row, 9, None, num)
                else:
                    ws.write_number(row, 9, spread, num)
                row += 1
    for col, label in enumerate(headers):
        sh.widths.see(col, label)
    if row > 1:
        ws.conditional_format(1, 9, row - 1, 9, {"type": "cell", "criteria": ">=", "value": 2,
                                                 "format": f["bad"]})
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(row - 1, 1), len(headers) - 1)
    sh.finish(landscape=True, header_row=0)


def _self_vs_inspected(book: _Book, sh: _Sheet) -> None:
    rep, cs = book.report, book.report.cs
    headers = ["单位代码", "单位名称", "标准编号", "标准", "分值", "自评得分", "考察得分", "差值（自评−考察）",
               "自评偏高"]
    sh.header(0, headers)
    row = 1
    for r in rep.tally.rows:
        for c in cs.criteria:
            self_score = r.self_criteria.get(c.id)
            inspected = r.criteria[c.id] if r.sheets else None
            diff = self_score - inspected if self_score is not None and inspected is not None else None
            over = diff is not None and Fraction(diff) > OVER_RATING * c.points
            for col, value in enumerate([r.code, r.name, c.id, c.title, Fraction(c.points), self_score, inspected,
                                         diff, "偏高" if over else ""]):
                sh.cell(row, col, value)
            row += 1
    if row > 1:
        sh.ws.conditional_format(1, 8, row - 1, 8, {"type": "text", "criteria": "containing", "value": "偏高",
                                                    "format": book.f["bad"]})
    sh.ws.freeze_panes(1, 2)
    sh.ws.autofilter(0, 0, max(row - 1, 1), len(headers) - 1)
    sh.finish(landscape=True, header_row=0, header_note=f"差值超过该项分值的 {int(OVER_RATING * 100)}% 标为偏高")


def _progress(book: _Book, sh: _Sheet) -> None:
    rep, cs = book.report, book.report.cs
    c = rep.campaign
    headers = (["单位代码", "单位名称", "类型", "状态", "自查提交日期", "自查逾期", "申报日期", "申报逾期", "推荐单位",
                "材料完整"] + [f"材料{cr.id}" for cr in cs.criteria] + ["考察人员", "已提交评分表", "证书编号"])
    sh.header(0, headers)
    sh.ws.set_row(0, 30)
    first_mat = 10
    for col in range(first_mat, first_mat + len(cs.criteria)):
        sh.wrap_column(col, 6)
    sh.wrap_column(first_mat + len(cs.criteria), 22)
    for i, entry in enumerate(sorted(rep.entries.values(), key=lambda e: e.unit), start=1):
        unit = rep.units.get(entry.unit)
        counts = rep.materials_by_criterion(entry)
        submitted = sum(1 for s in rep.sheets.get(entry.unit, []) if s.submitted)
        values = ([entry.unit, unit.name if unit else entry.unit, TYPE_NAMES.get(unit.type, "") if unit else "",
                   STATUS_NAMES.get(entry.status, entry.status), entry.selfcheck_submitted_at,
                   "逾期" if entry.selfcheck_late else "", entry.nominated_at,
                   "逾期受理" if entry.nomination_late else "", entry.recommended_by,
                   f"{rep.evidence_done(entry)}/{len(cs.criteria)}"]
                  + [counts.get(cr.id, 0) for cr in cs.criteria]
                  + ["、".join(entry.inspectors), submitted, entry.certificate])
        for col, value in enumerate(values):
            sh.cell(i, col, value, book.f["wrap"] if col == first_mat + len(cs.criteria) else None)
    last_col = len(headers) - 1
    # Stage history and deadlines beside the table on screen; on paper they go in the page header.
    side = last_col + 2
    for col, label in enumerate(["阶段", "开始日期", "操作人", "说明"]):
        sh.cell(0, side + col, label, book.f["head"])
    for i, log in enumerate(c.stage_log, start=1):
        for col, value in enumerate([STAGE_NAMES.get(log["stage"], log["stage"]), log.get("opened_on", ""),
                                     log.get("by", ""), log.get("reason", "")]):
            sh.cell(i, side + col, value)
    dates = [("自查截止", c.selfcheck_due), ("申报截止", c.nomination_due), ("公示开始", c.publicity_start),
             ("公示结束", c.publicity_end), ("命名日期", c.award_date)]
    base = len(c.stage_log) + 2
    for i, (label, value) in enumerate(dates):
        sh.cell(base + i, side, label, book.f["head"])
        sh.cell(base + i, side + 1, value or "")
    note = "；".join([f"当前阶段 {STAGE_NAMES.get(c.stage, c.stage)}"]
                    + [f"{label} {value}" for label, value in dates if value])
    sh.ws.freeze_panes(1, 2)
    sh.ws.autofilter(0, 0, max(len(rep.entries), 1), last_col)
    sh.finish(landscape=True, header_row=0, last_col=last_col, header_note=note)


def _title_block(book: _Book, sh: _Sheet, title: str, lines: list[str], width: int) -> int:
    sh.ws.merge_range(0, 0, 0, width - 1, title, book.f["title"])
    sh.ws.set_row(0, 30)
    for i, line in enumerate(lines, start=1):
        sh.ws.merge_range(i, 0, i, width - 1, line, book.f["subtitle"])
    return len(lines) + 2  # one empty row before the header


def _campaign_lines(rep: Report) -> list[str]:
    c = rep.campaign
    parts = [p for p in (c.issuer, c.approval_ref) if p]
    return ["　".join(parts)] if parts else []


def _closing(book: _Book, sh: _Sheet, row: int, width: int, lines: list[str], note: str = "") -> None:
    """A note (wrapped, full width) and the 落款 lines under a printed list, one empty row below it."""
    row += 1
    if note:
        sh.ws.merge_range(row, 0, row, width - 1, note, book.f["closing_note"])
        sh.ws.set_row(row, 32)
        row += 1
    for i, line in enumerate(lines):
        sh.ws.merge_range(row + i, 0, row + i, width - 1, line, book.f["closing"])


def _publicity_list(book: _Book, sh: _Sheet) -> None:
    rep = book.report
    c = rep.campaign
    headers = ["序号", "单位代码", "单位名称", "单位类型", "考察总分", "备注"]
    period = (f"公示期：{c.publicity_start} 至 {c.publicity_end}（{rep.cs.publicity_days} 个工作日）"
              if c.publicity_start else "公示尚未开始")
    header_row = _title_block(book, sh, f"{c.title}拟命名单位公示名单", _campaign_lines(rep) + [period], len(headers))
    sh.header(header_row, headers)
    rows = {r.code: r for r in rep.tally.rows}
    published = rep.published()
    for i, entry in enumerate(published, start=1):
        r = rows.get(entry.unit)
        note = "已撤销" if entry.status == models.WITHDRAWN else ""
        for col, value in enumerate([i, entry.unit, rep.name(entry.unit),
                                     TYPE_NAMES.get(rep.units[entry.unit].type, "") if entry.unit in rep.units else "",
                                     r.total if r else None, note]):
            sh.cell(header_row + i, col, value)
    last = header_row + len(published)
    _closing(book, sh, last + 1, len(headers), [c.issuer or "", c.publicity_start or ""],
             note="公示期间，任何单位和个人对上述单位有异议的，可以书面、电话等方式向发文单位反映，反映情况应实事求是。")
    sh.finish(landscape=False, header_row=header_row, last_col=len(headers) - 1)


def _objections(book: _Book, sh: _Sheet) -> None:
    rep = book.report
    headers = ["编号", "单位代码", "单位名称", "来源", "日期", "异议内容", "处理状态", "核查情况", "处理人", "处理时间"]
    sh.header(0, headers)
    sh.wrap_column(5, 36)
    sh.wrap_column(7, 28)
    for i, o in enumerate(rep.objections, start=1):
        resolved = o.resolved_at.replace("T", " ")[:16] if o.resolved_at else ""
        for col, value in enumerate([o.id, o.unit, rep.name(o.unit), o.source, o.date, o.text,
                                     OBJECTION_STATES.get(o.status, o.status), o.note, o.resolved_by, resolved]):
            sh.cell(i, col, value, book.f["wrap"] if col in (5, 7) else None)
        sh.ws.set_row(i, max(_row_height(o.text, 36), _row_height(o.note, 28)))
    sh.ws.freeze_panes(1, 0)
    note = "本期无异议" if not rep.objections else f"共 {len(rep.objections)} 件"
    sh.finish(landscape=True, header_row=0, header_note=note)


def _award_list(book: _Book, sh: _Sheet) -> None:
    rep = book.report
    c = rep.campaign
    headers = ["序号", "证书编号", "单位代码", "单位名称", "单位类型", "考察总分", "命名日期"]
    lines = _campaign_lines(rep) + ([f"命名日期：{c.award_date}"] if c.award_date else ["尚未命名授牌"])
    header_row = _title_block(book, sh, f"{c.title}命名授牌名单", lines, len(headers))
    sh.header(header_row, headers)
    rows = {r.code: r for r in rep.tally.rows}
    awarded = rep.awarded()
    for i, entry in enumerate(awarded, start=1):
        r = rows.get(entry.unit)
        for col, value in enumerate([i, entry.certificate, entry.unit, rep.name(entry.unit),
                                     TYPE_NAMES.get(rep.units[entry.unit].type, "") if entry.unit in rep.units else "",
                                     r.total if r else None, entry.awarded_at]):
            sh.cell(header_row + i, col, value)
    _closing(book, sh, header_row + len(awarded) + 1, len(headers), [c.issuer or "", c.award_date or ""])
    sh.finish(landscape=False, header_row=header_row, last_col=len(headers) - 1)


def _charts(book: _Book, sh: _Sheet) -> None:
    rep, cs = book.report, book.report.cs
    averages = rep.criterion_average()
    sh.header(0, ["标准编号", "标准", "平均得分", "分值", "得分率"])
    for i, (cid, title, avg, points) in enumerate(averages, start=1):
        for col, value in enumerate([cid, title, avg, Fraction(points)]):
            sh.cell(i, col, value)
        sh.ws.write_number(i, 4, float(avg / points) if points else 0.0, book.f["pct"])
    n = len(averages)
    bar = book.wb.add_chart({"type": "bar"})
    bar.add_series({"name": "平均得分", "categories": [sh.ws.name, 1, 1, n, 1], "values": [sh.ws.name, 1, 2, n, 2]})
    bar.add_series({"name": "分值", "categories": [sh.ws.name, 1, 1, n, 1], "values": [sh.ws.name, 1, 3, n, 3]})
    bar.set_title({"name": "各标准平均得分"})
    bar.set_legend({"position": "bottom"})
    bar.set_y_axis({"reverse": True})

    # Score distribution of complete units.
    totals = [Fraction(r.total) for r in rep.tally.rows if r.complete]
    bands = _bands(totals)
    col0 = 6
    sh.cell(0, col0, "分数段", book.f["head"])
    sh.cell(0, col0 + 1, "单位数", book.f["head"])
    for i, (label, count) in enumerate(bands, start=1):
        sh.cell(i, col0, label)
        sh.cell(i, col0 + 1, count)
    hist = book.wb.add_chart({"type": "column"})
    hist.add_series({"name": "单位数", "categories": [sh.ws.name, 1, col0, len(bands), col0],
                     "values": [sh.ws.name, 1, col0 + 1, len(bands), col0 + 1]})
    hist.set_title({"name": "总分分布"})
    hist.set_legend({"none": True})

    # Radar: each candidate's score rate per criterion (withdrawn units left out).
    candidates = [r for r in rep.tally.rows if r.candidate
                  and rep.entries[r.code].status != models.WITHDRAWN][:8]
    col1 = col0 + 3
    sh.cell(0, col1, "标准", book.f["head"])
    for j, r in enumerate(candidates):
        sh.cell(0, col1 + 1 + j, r.name, book.f["head"])
    for i, c in enumerate(cs.criteria, start=1):
        sh.cell(i, col1, c.id)
        for j, r in enumerate(candidates):
            sh.ws.write_number(i, col1 + 1 + j, float(Fraction(r.criteria[c.id]) / c.points), book.f["pct"])
    radar = book.wb.add_chart({"type": "radar", "subtype": "with_markers"})
    for j in range(len(candidates)):
        radar.add_series({"name": [sh.ws.name, 0, col1 + 1 + j],
                          "categories": [sh.ws.name, 1, col1, len(cs.criteria), col1],
                          "values": [sh.ws.name, 1, col1 + 1 + j, len(cs.criteria), col1 + 1 + j]})
    radar.set_title({"name": "拟推荐单位各标准得分率"})
    radar.set_y_axis({"num_format": "0%"})
    top = max(n, len(bands), len(cs.criteria)) + 3
    sh.ws.insert_chart(top, 0, bar, {"x_scale": 1.2, "y_scale": 1.3})
    sh.ws.insert_chart(top, 9, hist, {"x_scale": 1.0, "y_scale": 1.3, "x_offset": 20})
    if candidates:
        sh.ws.insert_chart(top + 22, 0, radar, {"x_scale": 1.4, "y_scale": 1.5})
    sh.finish(landscape=True, header_row=None)
    sh.ws.fit_to_pages(1, 1)


def _bands(totals: list[Fraction]) -> list[tuple[str, int]]:
    edges = [90, 85, 80, 70, 60]
    labels = ["90及以上", "85–89.99", "80–84.99", "70–79.99", "60–69.99", "60以下"]
    counts = [0] * len(labels)
    for total in totals:
        for i, edge in enumerate(edges):
            if total >= edge:
                counts[i] += 1
                break
        else:
            counts[-1] += 1
    return list(zip(labels, counts))
