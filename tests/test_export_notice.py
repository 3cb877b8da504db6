"""What an office signs (issue 10): the 公示 notice, conclusions that follow the unit, and per-type
quota lines in 汇总."""

from __future__ import annotations

import openpyxl
import pytest

from modelunit.domain import campaigns, publicity, sheets, units
from modelunit.export.workbook import export_workbook
from tests.conftest import rows
from tests.helpers import FULL, score, to_inspection
from tests.printing import printed_pt

ISSUER = "某某区人民政府法制办公室"


def texts(ws) -> list[str]:
    """The sheet's words; the test database is a drill, whose mark test_export_drill checks."""
    return [c.value.removeprefix("【演练】") for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def header_row(ws) -> int:
    return next(c.row for (c,) in ws.iter_rows(min_col=1, max_col=1) if c.value == "序号")


@pytest.fixture
def named(world, monkeypatch):
    """U1 (with a bonus) and U4 named, U2 failing, U5 withdrawn after an upheld objection."""
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    units.import_units(world.ctx(), rows({"code": "U5", "name": "河口乡人民政府", "type": "township"}), "u.csv")
    to_inspection(world, codes=("U1", "U2", "U4", "U5"), quota=3, issuer=ISSUER, approval_ref="区法制办〔2024〕1号")
    score(world, "U1", "i1", {**FULL, "X1": 2})
    score(world, "U1", "i2", {**FULL, "A1": 5})
    for name in ("i1", "i2"):
        score(world, "U2", name, {"A1": 3, "A2": 2, "B1": 3, "B2": 3})
        score(world, "U4", name, {"A1": 5, "A2": 4, "B1": 5, "B2": 5})
        score(world, "U5", name, {"A1": 5, "A2": 4, "B1": 4, "B2": 5})
    sheets.submit_scores(world.ctx(), everyone=True)
    campaigns.advance(world.ctx())
    publicity.start_publicity(world.ctx(), "2024-03-04")
    oid = publicity.add_objection(world.ctx(), "U5", "反映该乡执法台账不全", source="来信", date="2024-03-05").id
    publicity.resolve_objection(world.ctx(), oid, upheld=True, note="经核查属实")
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-11")
    campaigns.advance(world.ctx())
    publicity.award(world.ctx(), "区人民政府", "区政府〔2024〕1号", "2024-03-12")
    return world


def test_publicity_notice_says_when_how_and_to_whom_to_object(named, tmp_path):
    ws = openpyxl.load_workbook(export_workbook(named.ctx(), str(tmp_path / "o.xlsx")))["公示名单"]
    lines = texts(ws)
    assert lines[0] == "关于2024年第1批依法行政示范单位创建拟命名单位的公示"
    assert "公示期：2024年3月4日至2024年3月6日（3个工作日）" in lines
    assert any("任何单位和个人" in t and ISSUER in t and "3个工作日" in t for t in lines)
    assert any("真实姓名" in t and "具体事实" in t and "联系方式" in t for t in lines)
    assert lines[-2:] == [ISSUER, "2024年3月4日"]
    assert not any("2024-03" in t for t in lines)  # every date in the notice is written the Chinese way


def test_publicity_notice_marks_totals_that_include_bonus_points(named, tmp_path):
    ws = openpyxl.load_workbook(export_workbook(named.ctx(), str(tmp_path / "o.xlsx")))["公示名单"]
    h = header_row(ws)
    body = {r[1].value: r for r in ws.iter_rows(min_row=h + 1, max_row=h + 3)}
    assert set(body) == {"U1", "U4", "U5"} and ws.cell(h + 4, 2).value is None  # U2 failed: not published
    u1, u4 = body["U1"], body["U4"]
    assert isinstance(u1[4].value, float) and u1[4].number_format.endswith('"*"') and u1[5].value == "含加分 1.00"
    assert u4[4].number_format == "0.00" and u4[5].value is None
    assert body["U5"][5].value == "取消拟命名资格"
    assert any(t.startswith("注：考察总分后标“*”的") for t in texts(ws))


def test_summary_conclusions_follow_the_unit_and_say_how_figures_are_rounded(named, tmp_path):
    ws = openpyxl.load_workbook(export_workbook(named.ctx(), str(tmp_path / "o.xlsx")))["汇总"]
    header = [c.value for c in ws[1]]
    concl = {r[1].value: r[header.index("结论")].value for r in ws.iter_rows(min_row=2) if r[1].value}
    assert concl == {"U1": "已命名", "U4": "已命名", "U5": "取消拟命名", "U2": "未达标"}
    notes = [c.value for (c,) in ws.iter_rows(min_col=1, max_col=1) if isinstance(c.value, str)]
    assert any(n.startswith("注：各标准得分与总分分别四舍五入") for n in notes)


def test_summary_shows_each_types_quota_line(world, tmp_path, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    to_inspection(world, codes=("U1", "U2", "U4"), quota_by_type={"township": 1, "department": 1})
    for name in ("i1", "i2"):
        score(world, "U1", name, FULL)
        score(world, "U2", name, FULL)
        score(world, "U4", name, {"A1": 5, "A2": 4, "B1": 5, "B2": 5})
    sheets.submit_scores(world.ctx(), everyone=True)
    ws = openpyxl.load_workbook(export_workbook(world.ctx(), str(tmp_path / "q.xlsx")))["汇总"]
    notes = [c.value for (c,) in ws.iter_rows(min_col=1, max_col=1) if isinstance(c.value, str)]
    assert "乡镇：名额 1，拟命名 1 个，名额线 20.00 分（红线为该类型名额线）" in notes
    assert "区直部门：名额 1，拟命名 1 个，名额线 19.00 分（红线为该类型名额线）" in notes
    assert not any(n.startswith("街道：") for n in notes)  # a type without a quota has no quota line
    header = [c.value for c in ws[1]]
    body = {r[1].value: r for r in ws.iter_rows(min_row=2, max_row=4)}
    assert body["U2"][header.index("结论")].value == "名额外"  # a street: no quota, no place
    # The red rule is drawn under the last unit within each type's quota.
    assert body["U1"][0].border.bottom.style == "thick" and body["U4"][0].border.bottom.style == "thick"
    assert body["U2"][0].border.bottom.style != "thick"
    assert "按类型：乡镇 1，区直部门 1" in ws.oddHeader.center.text
    assert printed_pt(ws) >= 8
