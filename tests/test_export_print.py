"""The workbook on paper (issue 15): read the print settings back with openpyxl and work out what A4 shows.

The demo's two campaigns (one awarded, one in publicity) give real criteria titles and unit
names; a campaign with sixteen long criteria shows what happens when a tally cannot fit.
"""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl.utils import range_boundaries

from modelunit.demo import DEMO_ADMIN
from modelunit.domain import context, records
from modelunit.export.score_sheets import export_score_sheets
from modelunit.export.widths import NO_LINE_START, line_capacity, wrap
from modelunit.export.workbook import export_workbook
from modelunit.i18n import set_lang, t
from tests.conftest import copy_demo, create_campaign
from tests.helpers import to_inspection
from tests.printing import column_widths, fitted, printed_pt

PORTRAIT = {"公示名单", "授牌名单", "图表", "命名决定"}


@pytest.fixture(scope="module")
def demo_books(demo_templates, tmp_path_factory) -> dict[str, openpyxl.Workbook]:
    folder = tmp_path_factory.mktemp("demo-print")
    db = copy_demo(demo_templates(), folder)
    admin = records.user_of(db.snapshot(), DEMO_ADMIN)
    books = {}
    for campaign in ("2025-1", "2026-2"):
        path = export_workbook(context.Context(db, admin, campaign), str(folder / f"{campaign}.xlsx"))
        books[campaign] = openpyxl.load_workbook(path)
    return books


def area(ws) -> tuple[int, int]:
    """(last row, last column) of the print area, 1-based."""
    _, _, col, row = range_boundaries(str(ws.print_area).split("!")[-1].replace("'", ""))
    return row, col


def header_rows(ws) -> list[int]:
    if ws.title == "命名决定":  # a document, no table header
        return []
    rows = [1] if ws.title not in ("公示名单", "授牌名单") else []
    rows += [c.row for (c,) in ws.iter_rows(min_col=1, max_col=1) if c.value == "序号"]
    return rows


@pytest.mark.parametrize("campaign", ["2025-1", "2026-2"])
def test_no_sheet_prints_below_8_pt_on_a4(demo_books, campaign):
    for ws in demo_books[campaign]:
        assert ws.page_setup.paperSize == 9, ws.title
        assert ws.page_setup.orientation == ("portrait" if ws.title in PORTRAIT else "landscape"), ws.title
        assert printed_pt(ws) >= 8, (ws.title, printed_pt(ws))
        if not fitted(ws):  # too wide to fit at 8 pt: over several pages with the unit's code and name on each
            assert ws.print_title_cols == "$A:$B", ws.title


def test_the_summary_fits_one_page_across_and_the_progress_sheet_repeats_its_key_columns(demo_books):
    wb = demo_books["2026-2"]
    summary, progress = wb["汇总"], wb["进度"]
    assert fitted(summary) and summary.page_setup.fitToHeight == 0 and printed_pt(summary) >= 8
    assert summary.print_title_rows == "$1:$1"
    # 22 columns: not squeezed to 5 pt any more, but printed at full size with 单位代码 and 单位名称 on every page.
    assert not fitted(progress) and printed_pt(progress) == 10
    assert progress.print_title_cols == "$A:$B" and progress.print_title_rows == "$1:$1"


@pytest.mark.parametrize("campaign", ["2025-1", "2026-2"])
def test_headers_never_start_a_line_with_closing_punctuation(demo_books, campaign):
    checked = 0
    for ws in demo_books[campaign]:
        widths = column_widths(ws)
        for row in header_rows(ws):
            for cell in ws[row]:
                if not isinstance(cell.value, str) or cell.column > len(widths):
                    continue
                capacity = line_capacity(widths[cell.column - 1])
                # As Excel with 宋体 breaks it, and as a program fitting one or two more characters a line.
                for extra in (0, 2, 4):
                    lines = wrap(cell.value, capacity + extra)
                    assert not any(line[:1] in NO_LINE_START for line in lines[1:]), (ws.title, cell.value, lines)
                checked += 1
    assert checked > 40
    summary = demo_books[campaign]["汇总"]
    assert "行政决策民主化、科学化" in [c.value for c in summary[1]]  # the full title, as the contract says


@pytest.mark.parametrize("campaign", ["2025-1", "2026-2"])
def test_everything_a_sheet_holds_lies_inside_its_print_area(demo_books, campaign):
    for ws in demo_books[campaign]:
        last_row, last_col = area(ws)
        assert ws.max_row <= last_row and ws.max_column <= last_col, (ws.title, ws.print_area)
        for chart in ws._charts:
            assert chart.anchor._from.row < last_row and chart.anchor._from.col < last_col, ws.title
    notes = [c.value for (c,) in demo_books[campaign]["汇总"].iter_rows(min_col=1, max_col=1)]
    assert any(isinstance(v, str) and v.startswith("审计日志") for v in notes)  # under the table, not beside it


def test_charts_stack_down_portrait_pages(demo_books):
    ws = demo_books["2025-1"]["图表"]
    last_row, _ = area(ws)
    rows = [chart.anchor._from.row for chart in ws._charts]
    assert len(rows) == 3 and rows == sorted(rows) and all(r < last_row for r in rows)
    assert ws.print_title_rows is None  # the table's header is not repeated over the charts


WIDE = "\n".join(["id: wide", "title: 宽标准", 'version: "1"', "total: 160",
                  "scoring: {step: 0.5, aggregate: mean, min_inspectors: 1, pass_line: 90}",
                  "criteria:"]
                 + [f"  - {{id: K{i}, title: 第{i}项依法行政工作制度建设、运行机制完善, items: "
                    f"[{{id: K{i}a, dimension: measures, text: 要点, points: 10}}]}}" for i in range(16)])


def test_a_tally_too_wide_for_one_page_runs_over_pages_at_full_size(world, tmp_path):
    (tmp_path / "wide.yaml").write_text(WIDE, encoding="utf-8")
    world.criteria = tmp_path / "wide.yaml"
    campaign = create_campaign(world)
    ws = openpyxl.load_workbook(export_workbook(world.ctx(campaign=campaign), str(tmp_path / "w.xlsx")))["汇总"]
    header = [c.value for c in ws[1]]
    assert header[3:19] == [f"第{i}项依法行政工作制度建设、运行机制完善" for i in range(16)]
    assert not fitted(ws) and printed_pt(ws) == 10
    assert ws.print_title_cols == "$A:$C" and ws.print_title_rows == "$1:$1"


def test_blank_score_sheets_print_at_readable_size_with_the_step_as_a_decimal(world, tmp_path):
    to_inspection(world, codes=("U1",))
    out = tmp_path / "sheets"
    out.mkdir()
    (path,) = export_score_sheets(world.ctx(), str(out))
    wb = openpyxl.load_workbook(path)
    for ws in wb:
        texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert "评分步长：0.5" in texts and not any("1/2" in t for t in texts)
        assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
        assert fitted(ws) and printed_pt(ws) >= 8
        assert ws.print_title_rows == "$5:$5"
        last_row, last_col = area(ws)
        assert ws.max_row <= last_row and ws.max_column <= last_col


def test_the_workbook_is_chinese_whatever_the_interface_language(world, tmp_path):
    to_inspection(world, codes=("U1",))
    set_lang("en")
    wb = openpyxl.load_workbook(export_workbook(world.ctx(), str(tmp_path / "en.xlsx")))
    assert wb.sheetnames[0] == "汇总"
    assert [c.value for c in wb["汇总"][1]][:3] == ["排名", "单位代码", "单位名称"]
    assert "第 &P 页" in wb["进度"].oddFooter.right.text
    assert t("col.rank") == "Rank"  # the interface kept its language
