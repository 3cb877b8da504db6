"""The campaign workbook (DESIGN §7): the contract's eight sheets an office can print and file, then
the 命名决定 (:mod:`modelunit.export.documents`) and what the units and inspectors wrote
(:mod:`modelunit.export.notes`).

Sheet names, their order and the header rows are a contract.  Each table is a list of
column specs (:class:`~modelunit.export.columns.Col`); its words come from the catalogue, in
Chinese whatever the interface language (:mod:`modelunit.export.labels`).  Every text that
came from a user is written with ``write_string`` and the workbook is opened with
``strings_to_formulas``, ``strings_to_urls`` and ``strings_to_numbers`` off: a unit called
``=HYPERLINK(...)`` stays a name.

Printing (issue 15): nothing prints below 8 pt on A4.  A sheet is fitted to one page wide
only when that keeps its 10 pt text at 8 pt or more; a wider one runs over several pages with
its key columns repeated on each.  Everything a sheet holds lies inside its print area.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from xlsxwriter.exceptions import XlsxWriterException

from modelunit.domain import models
from modelunit.domain.context import Context
from modelunit.export import formats, notes
from modelunit.export.columns import Col
from modelunit.export.documents import naming_decision
from modelunit.export.labels import (
    cn_date,
    conclusion_name,
    objection_state,
    stage_name,
    status_name,
    type_name,
    zh,
)
from modelunit.export.pages import LINE_PT, Book, Sheet, campaign_lines, closing, line_count, title_block, type_of
from modelunit.export.recheck import recheck_results
from modelunit.export.report import Report, collect, criterion_averages
from modelunit.export.widths import header_width
from modelunit.numbers import r2
from modelunit.storage.exports import atomic_target, check_target

# The contract's eight, in order, then the documents and records DESIGN §7 lets follow 图表.
SHEET_KEYS = ("summary", "detail", "self", "progress", "publicity", "objections", "award", "charts",
              "decision", "selfcheck_notes", "gaps", "records", "score_notes")
SHEETS = tuple(zh(f"wb.sheet.{key}") for key in SHEET_KEYS)
RECHECK_SHEET = zh("wb.sheet.recheck")  # a re-check campaign's results, after all of these
OVER_RATING = Fraction(1, 10)  # self-score above the inspected score by more than 10% of the points

Progress = Callable[[int, int], None]


def export_workbook(ctx: Context, path: str, progress: Progress | None = None) -> str:
    """Write the workbook to ``path`` (atomically: a half-written file never replaces a good one)."""
    check_target(ctx.db, path)  # before the work: never the database, a device or a non-.xlsx name
    report = collect(ctx)
    with atomic_target(ctx.db, path, (OSError, XlsxWriterException)) as tmp:
        write_report(report, tmp, progress)
    return os.path.abspath(path)


def write_report(report: Report, path: str, progress: Progress | None = None) -> None:
    book = Book(path, report)
    steps = [_summary, _detail, _self_vs_inspected, _progress, _publicity_list, _objections, _award_list, _charts,
             naming_decision, notes.selfcheck_notes, notes.gaps, notes.inspection_records, notes.score_notes]
    names = list(SHEETS)
    if report.campaign.kind == "recheck":
        names.append(RECHECK_SHEET)
        steps.append(recheck_results)
    for i, (name, step) in enumerate(zip(names, steps, strict=True), start=1):
        step(book, book.sheet(name))
        if progress:
            progress(i, len(steps))
    book.wb.close()


# ----------------------------------------------------------------------------- sheets


def _criterion_col(title: str, cid: str) -> Col:
    # The contract titles the column with the criterion's full title: a narrow column whose
    # header wraps over up to four lines, each break at a point Chinese typography allows.
    return Col(title, lambda r: r.criteria[cid], width=header_width(title, 7, shortest_line=6, lines=4))


def _summary(book: Book, sh: Sheet) -> None:
    rep, cs = book.report, book.report.cs
    quota = rep.campaign.quota

    def veto(r) -> str:
        entry = rep.entries.get(r.code)
        return zh("wb.veto_yes", items=", ".join(v.item for v in entry.vetoes) if entry else "") \
            if r.vetoed else zh("no")

    cols: list[Col] = [
        Col(zh("col.rank"), lambda r: r.rank),
        Col(zh("col.code"), lambda r: r.code),
        Col(zh("col.name"), lambda r: r.name, fmt="wrap", width=18),
        *(_criterion_col(c.title, c.id) for c in cs.criteria),
        Col(zh("col.measures"), lambda r: r.measures),
        Col(zh("col.effects"), lambda r: r.effects),
        Col(zh("col.bonus"), lambda r: r.bonus),
        Col(zh("col.satisfaction"), lambda r: r.satisfaction),
        Col(zh("col.total"), lambda r: r.total),
        Col(zh("col.veto"), veto),
        Col(zh("col.conclusion"), lambda r: conclusion_name(r.conclusion)),
    ]
    rows = rep.tally.rows
    last_in_quota = _last_within_quota(rows, per_type=bool(rep.tally.quota_by_type)) \
        if quota or rep.tally.quota_by_type else set()

    def on_the_line(r, value, fmt):  # a red rule under the last unit within a quota
        if r.code not in last_in_quota:
            return fmt
        if isinstance(value, (Decimal, Fraction)):
            return "num_q"
        return "int_q" if isinstance(value, int) and not isinstance(value, bool) else "text_q"

    end = sh.table(0, cols, rows, on_the_line)
    last = len(rows)
    f = book.f
    if last:
        concl = len(cols) - 1
        for key, fmt in (("candidate", "good"), ("awarded", "good"), ("vetoed", "bad"), ("incomplete", "grey"),
                         ("withdrawn", "grey"), ("revoked", "grey")):
            # An exact match: 拟命名 is part of 取消拟命名.
            sh.ws.conditional_format(1, concl, last, concl, {"type": "cell", "criteria": "==",
                                                             "value": f'"{conclusion_name(key)}"', "format": f[fmt]})
        total_col = [c.header for c in cols].index(zh("col.total"))
        sh.ws.conditional_format(1, total_col, last, total_col, {
            "type": "cell", "criteria": "<", "value": float(r2(cs.scoring.pass_line)), "format": f["below"]})
    sh.ws.freeze_panes(1, 3)
    sh.ws.autofilter(0, 0, max(last, 1), len(cols) - 1)
    pass_line = zh("wb.pass_line", value=f"{r2(cs.scoring.pass_line):.2f}")
    quota_text = _quota_text(rep)
    notes = [zh("tally.rounding"), zh("wb.pass_line_note", pass_line=pass_line),
             zh("wb.quota_note", quota=quota_text)]
    notes += _quota_lines(rep) + _tie_lines(rep)
    notes += [zh("wb.campaign", title=rep.campaign.title, id=rep.campaign.id),
              zh("wb.audit", count=rep.audit_count, hash=rep.audit_head)]
    sh.note_rows(end + 1, notes, fmt="note")
    sh.finish(landscape=True, key_cols=3, header_note=f"{pass_line}　{quota_text}")


def _last_within_quota(rows, per_type: bool) -> set[str]:
    """The last candidate in tally order (of each type, with per-type quotas): a quota line is drawn under it."""
    last: dict[str, str] = {}
    for r in rows:
        if r.candidate:
            last[r.type if per_type else ""] = r.code
    return set(last.values())


def _quota_text(rep: Report) -> str:
    # The words of standings.quota_text, in Chinese whatever the interface language.
    c = rep.campaign
    if c.quota_by_type:
        quotas = "，".join(f"{type_name(kind)} {n}" for kind, n in c.quota_by_type.items())
        return zh("tally.quota_by_type", quotas=quotas)
    return zh("wb.quota", quota=c.quota) if c.quota else zh("wb.quota_none")


def _quota_lines(rep: Report) -> list[str]:
    """Each type's quota line: its places, how many are put forward and the lowest total among them."""
    out = []
    for kind, places in rep.campaign.quota_by_type.items():
        chosen = [r for r in rep.tally.rows if r.candidate and r.type == kind]
        out.append(zh("wb.quota_type_line", type=type_name(kind), quota=places, count=len(chosen),
                      line=f"{min(r.total for r in chosen):.2f}" if chosen else "—"))
    return out


def _tie_lines(rep: Report) -> list[str]:
    return [zh("tally.quota_tie", quota=tie.quota, count=tie.candidates) if tie.type is None else
            zh("tally.quota_tie_type", type=type_name(tie.type), quota=tie.quota, count=tie.candidates)
            for tie in rep.tally.ties]


def _detail(book: Book, sh: Sheet) -> None:
    rep, cs = book.report, book.report.cs
    lines = [(c.title, it.id, float(it.points), False) for c in cs.criteria for it in c.items]
    lines += [(zh("wb.bonus_line"), b.id, float(b.points), True) for b in cs.bonuses]
    submitted_word = {True: zh("yes"), False: zh("no")}
    person = rep.person

    def records():
        # The hot loop of a province export (hundreds of thousands of rows): plain floats.
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
                    yield (r.code, r.name, crit_title, item_id, points, person(s.inspector),
                           None if v is None else float(Fraction(v)), submitted_word[s.submitted], aggregate, spread)

    headers = [zh("col.code"), zh("col.name"), zh("wb.col.criterion"), zh("col.item"), zh("col.points"),
               zh("col.inspector"), zh("wb.col.score"), zh("col.submitted"), zh("wb.col.aggregate"),
               zh("wb.col.spread")]
    cols = [Col(h, _field(i), fmt="num" if i in (4, 6, 8, 9) else None) for i, h in enumerate(headers)]
    end = sh.table(0, cols, records())
    if end > 1:
        sh.ws.conditional_format(1, 9, end - 1, 9, {"type": "cell", "criteria": ">=", "value": 2,
                                                    "format": book.f["bad"]})
    sh.ws.freeze_panes(1, 2)
    sh.ws.autofilter(0, 0, max(end - 1, 1), len(cols) - 1)
    sh.finish(landscape=True, key_cols=2)


def _field(i: int) -> Callable[[tuple], Any]:
    return lambda rec: rec[i]


def _self_vs_inspected(book: Book, sh: Sheet) -> None:
    rep, cs = book.report, book.report.cs

    def records():
        for r in rep.tally.rows:
            for c in cs.criteria:
                self_score = r.self_criteria.get(c.id)
                inspected = r.criteria[c.id] if r.sheets else None
                diff = self_score - inspected if self_score is not None and inspected is not None else None
                over = diff is not None and Fraction(diff) > OVER_RATING * c.points
                yield r, c, self_score, inspected, diff, over

    cols: list[Col] = [
        Col(zh("col.code"), lambda x: x[0].code),
        Col(zh("col.name"), lambda x: x[0].name),
        Col(zh("wb.col.criterion_id"), lambda x: x[1].id),
        Col(zh("wb.col.criterion"), lambda x: x[1].title),
        Col(zh("col.points"), lambda x: Fraction(x[1].points)),
        Col(zh("wb.col.self_score"), lambda x: x[2]),
        Col(zh("wb.col.inspected"), lambda x: x[3]),
        Col(zh("wb.col.self_diff"), lambda x: x[4]),
        Col(zh("wb.col.over"), lambda x: zh("wb.over") if x[5] else ""),
    ]
    end = sh.table(0, cols, records())
    if end > 1:
        sh.ws.conditional_format(1, 8, end - 1, 8, {"type": "text", "criteria": "containing",
                                                    "value": zh("wb.over"), "format": book.f["bad"]})
    sh.ws.freeze_panes(1, 2)
    sh.ws.autofilter(0, 0, max(end - 1, 1), len(cols) - 1)
    sh.finish(landscape=True, key_cols=2, header_note=zh("wb.over_note", pct=int(OVER_RATING * 100)))


def _progress(book: Book, sh: Sheet) -> None:
    rep, cs = book.report, book.report.cs
    c = rep.campaign

    def unit_name(e) -> str:
        unit = rep.units.get(e.unit)
        return unit.name if unit else e.unit

    def unit_type(e) -> str:
        unit = rep.units.get(e.unit)
        return type_name(unit.type) if unit else ""

    cols: list[Col] = [
        Col(zh("col.code"), lambda e: e.unit),
        Col(zh("col.name"), unit_name),
        Col(zh("col.type"), unit_type),
        Col(zh("col.status"), lambda e: status_name(e.status)),
        Col(zh("wb.col.selfcheck_at"), lambda e: e.selfcheck_submitted_at),
        Col(zh("wb.col.selfcheck_late"), lambda e: zh("wb.late") if e.selfcheck_late else ""),
        Col(zh("wb.col.nominated_at"), lambda e: e.nominated_at),
        Col(zh("wb.col.nomination_late"), lambda e: zh("wb.late_accepted") if e.nomination_late else ""),
        Col(zh("wb.col.recommended_by"), lambda e: e.recommended_by),
        Col(zh("wb.col.evidence_done"), lambda e: f"{rep.evidence_done(e)}/{len(cs.criteria)}"),
        *(Col(zh("wb.col.materials", id=cr.id), _material_count(rep, cr.id)) for cr in cs.criteria),
        Col(zh("col.inspector"), lambda e: "、".join(e.inspectors), fmt="wrap", width=22),
        Col(zh("wb.col.sheets_submitted"), lambda e: sum(1 for s in rep.sheets.get(e.unit, []) if s.submitted)),
        Col(zh("col.certificate"), lambda e: e.certificate),
    ]
    entries = sorted(rep.entries.values(), key=lambda e: e.unit)
    end = sh.table(0, cols, entries)
    # The stage history and deadlines go under the table, inside the print area.
    # Written without measuring: the unit table's columns keep their widths, the reason wraps over the rest.
    ws, f = sh.ws, book.f
    last = min(len(cols) - 1, 8)  # within the first page across
    row = end + 1
    for col, label in enumerate([zh("wb.col.stage"), zh("wb.col.opened"), zh("wb.col.by")]):
        ws.write_string(row, col, label, f["head"])
    ws.merge_range(row, 3, row, last, zh("wb.col.reason"), f["head"])
    for log in c.stage_log:
        row += 1
        for col, value in enumerate([stage_name(log["stage"]), log.get("opened_on", ""), log.get("by", "")]):
            ws.write_string(row, col, value or "", f["text"])
        ws.merge_range(row, 3, row, last, log.get("reason", "") or "", f["wrap"])
    row += 2
    dates = [(zh("wb.date.selfcheck_due"), c.selfcheck_due), (zh("wb.date.nomination_due"), c.nomination_due),
             (zh("wb.date.publicity_start"), c.publicity_start), (zh("wb.date.publicity_end"), c.publicity_end),
             (zh("wb.date.award"), c.award_date)]
    for i, (label, value) in enumerate(dates):
        ws.write_string(row + i, 0, label, f["head"])
        ws.write_string(row + i, 1, value or "", f["text"])
    note = "；".join([zh("wb.current_stage", stage=stage_name(c.stage))]
                    + [zh("wb.labelled", label=label, value=value) for label, value in dates if value])
    sh.ws.freeze_panes(1, 2)
    sh.ws.autofilter(0, 0, max(len(entries), 1), len(cols) - 1)
    sh.finish(landscape=True, key_cols=2, header_note=note)


def _material_count(rep: Report, cid: str) -> Callable[[models.Entry], int]:
    return lambda e: rep.materials_by_criterion(e).get(cid, 0)


def _publicity_list(book: Book, sh: Sheet) -> None:
    """The 公示 notice: what is published, for how long, how to object and to whom, signed by the issuer."""
    rep = book.report
    c = rep.campaign
    rows = {r.code: r for r in rep.tally.rows}
    published = list(enumerate(rep.published(), start=1))

    def remark(x) -> str:
        entry, row = x[1], rows.get(x[1].unit)
        if entry.status == models.WITHDRAWN:
            return status_name(models.WITHDRAWN)
        return zh("wb.publicity.with_bonus", bonus=f"{row.bonus:.2f}") if row and row.bonus else ""

    def starred(x, value, fmt):  # a total that includes bonus points prints with a star, and stays a number
        row = rows.get(x[1].unit)
        return "num_star" if row is not None and row.bonus and isinstance(value, Decimal) else fmt

    cols: list[Col] = [
        Col(zh("col.seq"), lambda x: x[0]),
        Col(zh("col.code"), lambda x: x[1].unit),
        Col(zh("col.name"), lambda x: rep.name(x[1].unit), fmt="wrap"),
        Col(zh("wb.col.unit_type"), lambda x: type_of(rep, x[1].unit)),
        Col(zh("wb.col.inspection_total"), lambda x: rows[x[1].unit].total if x[1].unit in rows else None),
        Col(zh("wb.col.remark"), remark),
    ]
    if c.publicity_start:
        period = zh("wb.publicity.period", start=cn_date(c.publicity_start), end=cn_date(c.publicity_end),
                    days=rep.cs.publicity_days)
    else:
        period = zh("wb.publicity.not_started")
    header_row = title_block(book, sh, zh("wb.publicity.title", title=c.title), campaign_lines(rep) + [period],
                              len(cols))
    end = sh.table(header_row, cols, published, starred)
    notes = []
    if any(rows[e.unit].bonus for _, e in published if e.unit in rows):
        notes.append(zh("wb.publicity.bonus_note"))
    notes += [zh("wb.publicity.how", issuer=c.issuer or zh("wb.publicity.the_office"), days=rep.cs.publicity_days),
              zh("wb.publicity.real_name"), *_contact_lines(c)]
    closing(book, sh, end, [c.issuer or "", cn_date(c.publicity_start) if c.publicity_start else ""], notes)
    sh.finish(landscape=False, fill_col=2)


def _contact_lines(c: models.Campaign) -> list[str]:
    """Where objections go: the campaign's phone, address and e-mail, each on its line.

    One not recorded prints as a blank to fill in by hand: a notice without it cannot be posted."""
    return [zh(f"wb.publicity.{key}", value=value or zh("wb.publicity.blank"))
            for key, value in (("phone", c.contact_phone), ("address", c.contact_address),
                               ("email", c.contact_email))]


def _objections(book: Book, sh: Sheet) -> None:
    rep = book.report
    cols: list[Col] = [
        Col(zh("col.id"), lambda o: o.id),
        Col(zh("col.code"), lambda o: o.unit),
        Col(zh("col.name"), lambda o: rep.name(o.unit), fmt="wrap", width=16),
        Col(zh("col.source"), lambda o: o.source),
        Col(zh("col.date"), lambda o: o.date),
        # 异议须实名: who objected and how to reach them, for the check and the answer.
        Col(zh("wb.col.objector"), lambda o: o.objector, fmt="wrap", width=10),
        Col(zh("wb.col.organisation"), lambda o: o.organisation, fmt="wrap", width=14),
        Col(zh("wb.col.objector_contact"), lambda o: o.contact, fmt="wrap", width=14),
        Col(zh("wb.col.objection"), lambda o: o.text, fmt="wrap", width=30),
        Col(zh("wb.col.objection_status"), lambda o: objection_state(o.status)),
        Col(zh("wb.col.finding"), lambda o: o.note, fmt="wrap", width=24),
        Col(zh("wb.col.resolved_by"), lambda o: o.resolved_by),
        Col(zh("wb.col.resolved_at"), lambda o: o.resolved_at.replace("T", " ")[:16] if o.resolved_at else ""),
    ]
    sh.table(0, cols, rep.objections)
    sh.ws.freeze_panes(1, 0)
    note = zh("wb.objections.count", count=len(rep.objections)) if rep.objections else zh("wb.objections.none")
    sh.finish(landscape=True, key_cols=3, header_note=note)


def _award_list(book: Book, sh: Sheet) -> None:
    rep = book.report
    c = rep.campaign
    rows = {r.code: r for r in rep.tally.rows}
    awarded = list(enumerate(rep.awarded(), start=1))
    cols: list[Col] = [
        Col(zh("col.seq"), lambda x: x[0]),
        Col(zh("col.certificate"), lambda x: x[1].certificate),
        Col(zh("col.code"), lambda x: x[1].unit),
        Col(zh("col.name"), lambda x: rep.name(x[1].unit), fmt="wrap"),
        Col(zh("wb.col.unit_type"), lambda x: type_of(rep, x[1].unit)),
        Col(zh("wb.col.inspection_total"), lambda x: rows[x[1].unit].total if x[1].unit in rows else None),
        Col(zh("wb.col.award_date"), lambda x: x[1].awarded_at),
    ]
    lines = campaign_lines(rep) + [_decision_line(c)]
    header_row = title_block(book, sh, zh("wb.award.title", title=c.title), lines, len(cols))
    end = sh.table(header_row, cols, awarded)
    closing(book, sh, end, [c.issuer or "", cn_date(c.award_date) if c.award_date else ""])
    sh.finish(landscape=False, fill_col=3)


def _decision_line(c: models.Campaign) -> str:
    """The 审定 line: who approved the naming, the decision's number and its date."""
    if not c.award_date:
        return zh("wb.award.not_yet")
    if not c.decided_by:  # named before decisions were recorded
        return zh("wb.award.date", date=cn_date(c.award_date))
    return zh("wb.award.decision", by=c.decided_by, ref=c.decision_ref,
              date=cn_date(c.decision_date or c.award_date))


def _charts(book: Book, sh: Sheet) -> None:
    """Three tables side by side over the charts drawn from them, stacked down a portrait page."""
    rep, cs = book.report, book.report.cs
    averages = criterion_averages(rep.tally, cs)
    ws, f, name = sh.ws, book.f, sh.ws.name
    avg_cols: list[Col] = [
        Col(zh("wb.col.criterion_id"), lambda x: x[0].id),
        Col(zh("wb.col.criterion"), lambda x: x[0].title),
        Col(zh("wb.col.average"), lambda x: x[1]),
        Col(zh("col.points"), lambda x: Fraction(x[0].points)),
        Col(zh("wb.col.rate"), lambda x: float(x[1] / x[0].points) if x[0].points else 0.0, fmt="pct"),
    ]
    n = sh.table(0, avg_cols, averages) - 1
    bar = book.wb.add_chart({"type": "bar"})
    bar.add_series({"name": zh("wb.col.average"), "categories": [name, 1, 1, n, 1], "values": [name, 1, 2, n, 2]})
    bar.add_series({"name": zh("col.points"), "categories": [name, 1, 1, n, 1], "values": [name, 1, 3, n, 3]})
    bar.set_title({"name": zh("wb.chart.average")})
    bar.set_legend({"position": "bottom"})
    bar.set_y_axis({"reverse": True})

    # Score distribution of complete units, beside the averages.
    bands = _bands([Fraction(r.total) for r in rep.tally.rows if r.complete])
    col0 = len(avg_cols) + 1
    for col, label in ((col0, zh("wb.col.band")), (col0 + 1, zh("wb.col.count"))):
        ws.write_string(0, col, label, f["head"])
        sh.widths.header(col, label)
    for i, (label, count) in enumerate(bands, start=1):
        sh.cell(i, col0, label)
        sh.cell(i, col0 + 1, count)
    hist = book.wb.add_chart({"type": "column"})
    hist.add_series({"name": zh("wb.col.count"), "categories": [name, 1, col0, len(bands), col0],
                     "values": [name, 1, col0 + 1, len(bands), col0 + 1]})
    hist.set_title({"name": zh("wb.chart.bands")})
    hist.set_legend({"none": True})

    # Radar: each candidate's score rate per criterion (withdrawn units left out), under the averages.
    candidates = [r for r in rep.tally.rows if r.candidate
                  and rep.entries[r.code].status != models.WITHDRAWN][:8]
    row1 = max(n, len(bands)) + 2
    if candidates:
        ws.write_string(row1, 0, zh("wb.col.criterion_id"), f["head"])
        for j, r in enumerate(candidates):
            ws.write_string(row1, 1 + j, r.name, f["head"])
        for i, c in enumerate(cs.criteria, start=1):
            ws.write_string(row1 + i, 0, c.id, f["text"])
            for j, r in enumerate(candidates):
                ws.write_number(row1 + i, 1 + j, float(Fraction(r.criteria[c.id]) / c.points), f["pct"])
        widths = sh.widths.final()
        ws.set_row(row1, LINE_PT * max(line_count(r.name, widths.get(1 + j, 8.43))
                                       for j, r in enumerate(candidates)) + 4)
        row1 += len(cs.criteria) + 2
    radar = book.wb.add_chart({"type": "radar", "subtype": "with_markers"})
    top = max(n, len(bands)) + 2
    for j in range(len(candidates)):
        radar.add_series({"name": [name, top, 1 + j], "categories": [name, top + 1, 0, top + len(cs.criteria), 0],
                          "values": [name, top + 1, 1 + j, top + len(cs.criteria), 1 + j]})
    radar.set_title({"name": zh("wb.chart.radar")})
    radar.set_y_axis({"num_format": "0%"})
    # A chart is 480 × 288 px at scale 1 and as wide as the tables here; a chart that would
    # cross the foot of a page starts the next one.
    sh.last_col = max(col0 + 1, len(candidates))
    widths = sh.widths.final()
    x_scale = sum(formats.column_px(widths.get(c, 8.43)) for c in range(sh.last_col + 1)) / 480
    page_px, breaks, row = formats.PORTRAIT_BODY_PX, [], row1
    used = sum(_row_px(ws, r) for r in range(row))
    for chart, y_scale in ((bar, 1.3), (hist, 1.0), (radar if candidates else None, 1.6)):
        if chart is None:
            continue
        height = 288 * y_scale
        if used % page_px + height > page_px:
            breaks.append(row)
            used += page_px - used % page_px
        ws.insert_chart(row, 0, chart, {"x_scale": x_scale, "y_scale": y_scale})
        rows = int(height // 20) + 2
        row += rows
        used += rows * 20
    ws.set_h_pagebreaks(breaks)
    sh.finish(landscape=False, repeat_header=False)
    ws.print_area(0, 0, row, sh.last_col)


def _row_px(ws, row: int) -> float:
    size = ws.row_sizes.get(row)
    return size[0] if size else 20  # XlsxWriter keeps row heights in px


def _bands(totals: list[Fraction]) -> list[tuple[str, int]]:
    edges = [90, 85, 80, 70, 60]
    labels = ([zh("wb.band.top", edge=edges[0])]
              + [zh("wb.band.range", low=low, high=f"{high - 1}.99")
                 for low, high in zip(edges[1:], edges)]
              + [zh("wb.band.bottom", edge=edges[-1])])
    counts = [0] * len(labels)
    for total in totals:
        for i, edge in enumerate(edges):
            if total >= edge:
                counts[i] += 1
                break
        else:
            counts[-1] += 1
    return list(zip(labels, counts))
