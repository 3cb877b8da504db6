"""The workbook as the office opens it: written for real, read back with openpyxl."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from modelunit.domain import campaigns, publicity, sheets, standings, units
from modelunit.errors import Refused
from modelunit.export.score_sheets import export_score_sheets
from modelunit.export.workbook import SHEETS, export_workbook
from tests.conftest import copy_world, rows
from tests.helpers import FULL, score, to_inspection

EVIL = '=HYPERLINK("http://evil.example","点我")'


@pytest.fixture(scope="module")
def awarded_template(template_dir, tmp_path_factory) -> Path:
    """A campaign taken to the award, with one unit renamed to a formula-like text (built once)."""
    world = copy_world(template_dir, tmp_path_factory.mktemp("awarded"))
    with pytest.MonkeyPatch.context() as monkeypatch:
        _award(world, monkeypatch)
    return world.dir


@pytest.fixture
def awarded(awarded_template, tmp_path, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-11")
    return copy_world(awarded_template, tmp_path)


def _award(world, monkeypatch) -> None:
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    units.import_units(world.ctx(), rows({"code": "U4", "name": EVIL, "type": "other"}), "u.csv")
    to_inspection(world, quota=1, issuer="某某区人民政府法制办公室", approval_ref="区法制办〔2024〕1号")
    score(world, "U1", "i1", {**FULL, "X1": 2})
    score(world, "U1", "i2", {**FULL, "A1": 5})
    for name in ("i1", "i2"):
        score(world, "U2", name, {"A1": 5, "A2": 3, "B1": 4, "B2": 4})
        score(world, "U4", name, {"A1": 5, "A2": 4, "B1": 5, "B2": 5})
    sheets.submit_scores(world.ctx(), everyone=True)
    campaigns.advance(world.ctx())
    publicity.start_publicity(world.ctx(), "2024-03-04")
    oid = publicity.add_objection(world.ctx(), "U1", "=1+1 来信反映", source="来信", date="2024-03-05").id
    publicity.resolve_objection(world.ctx(), oid, upheld=False, note="经核查不属实")
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-11")
    campaigns.advance(world.ctx())
    publicity.award(world.ctx(), "区人民政府", "区政府〔2024〕1号", "2024-03-12")


def header_row(ws) -> int:
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == "序号":
            return row[0].row
    raise AssertionError(f"no 序号 header in {ws.title}")


def test_sheets_are_named_and_ordered_as_the_contract_says(awarded, tmp_path):
    path = export_workbook(awarded.ctx(), str(tmp_path / "out.xlsx"))
    wb = openpyxl.load_workbook(path)
    assert list(SHEETS) == ["汇总", "评分明细", "自查对比", "进度", "公示名单", "异议", "授牌名单", "图表", "命名决定",
                           "自查说明", "问题与整改", "考察记录", "评分说明"]
    assert wb.sheetnames == list(SHEETS)


def test_summary_has_every_criterion_and_the_tally_figures(awarded, tmp_path):
    ws = openpyxl.load_workbook(export_workbook(awarded.ctx(), str(tmp_path / "o.xlsx")))["汇总"]
    header = [c.value for c in ws[1]]
    assert header == ["排名", "单位代码", "单位名称", "决策", "执法", "措施小计", "效果小计", "加分", "满意度", "总分",
                      "否决", "结论"]
    _, tally = standings.view_tally(awarded.ctx())
    body = [[c.value for c in row][:12] for row in ws.iter_rows(min_row=2, max_row=1 + len(tally.rows))]
    for line, r in zip(body, tally.rows):
        assert line[:3] == [r.rank, r.code, r.name]
        assert line[3:5] == [float(r.criteria["A"]), float(r.criteria["B"])]
        assert line[5:10] == [float(r.measures), float(r.effects), float(r.bonus), None, float(r.total)]
    assert [line[1] for line in body] == ["U1", "U4", "U2"]
    assert [line[11] for line in body] == ["已命名", "名额外", "名额外"]
    assert ws.freeze_panes == "D2" and ws.auto_filter.ref


def test_user_text_stays_text_never_a_formula(awarded, tmp_path):
    wb = openpyxl.load_workbook(export_workbook(awarded.ctx(), str(tmp_path / "o.xlsx")))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)
             and c.value.startswith("=")]
    assert {c.value for c in cells} == {EVIL, "=1+1 来信反映"}
    assert all(c.data_type == "s" for c in cells)
    assert not any(ws._hyperlinks for ws in wb)


def test_award_list_is_print_ready_with_certificate_numbers(awarded, tmp_path):
    wb = openpyxl.load_workbook(export_workbook(awarded.ctx(), str(tmp_path / "o.xlsx")))
    ws = wb["授牌名单"]
    h = header_row(ws)
    assert [c.value for c in ws[h]] == ["序号", "证书编号", "单位代码", "单位名称", "单位类型", "考察总分", "命名日期"]
    assert [c.value for c in ws[h + 1]][:4] == [1, "2024-01-001", "U1", "城关镇人民政府"]
    assert "区法制办〔2024〕1号" in ws["A2"].value
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    assert ws.print_title_rows == f"${h}:${h}"
    from modelunit.domain import audit

    head = audit.head(awarded.db.snapshot())["hash"]
    assert head[:16] in ws.oddFooter.left.text and "&P" in ws.oddFooter.right.text


def test_publicity_list_and_objections(awarded, tmp_path):
    wb = openpyxl.load_workbook(export_workbook(awarded.ctx(), str(tmp_path / "o.xlsx")))
    ws = wb["公示名单"]
    h = header_row(ws)
    assert [c.value for c in ws[h + 1]][:3] == [1, "U1", "城关镇人民政府"]
    assert ws["A3"].value == "公示期：2024年3月4日至2024年3月6日（3个工作日）"
    obj = wb["异议"]
    # The objector's name, organisation and contact come between the date and the text (none recorded here).
    assert [c.value for c in obj[2]][:10] == ["1", "U1", "城关镇人民政府", "来信", "2024-03-05", None, None, None,
                                              "=1+1 来信反映", "异议不成立"]


def test_score_detail_shows_each_inspector_and_the_disagreement(awarded, tmp_path):
    ws = openpyxl.load_workbook(export_workbook(awarded.ctx(), str(tmp_path / "o.xlsx")))["评分明细"]
    lines = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    a1 = [line for line in lines if line[0] == "U1" and line[3] == "A1"]
    assert [(line[5], line[6]) for line in a1] == [("i1", 6), ("i2", 5)]
    assert all(line[8] == 5.5 and line[9] == 1 for line in a1)
    bonus = [line for line in lines if line[0] == "U1" and line[3] == "X1"]
    assert [(line[5], line[6], line[8]) for line in bonus] == [("i1", 2, 1)]


def test_self_vs_inspected_flags_over_rating(awarded, tmp_path):
    ws = openpyxl.load_workbook(export_workbook(awarded.ctx(), str(tmp_path / "o.xlsx")))["自查对比"]
    lines = {(r[0], r[2]): r for r in ([c.value for c in row] for row in ws.iter_rows(min_row=2))}
    u2a = lines[("U2", "A")]  # self 10, inspected 8
    assert u2a[5:9] == [10, 8, 2, "偏高"]
    assert lines[("U1", "B")][8] is None


def test_progress_and_charts(awarded, tmp_path):
    wb = openpyxl.load_workbook(export_workbook(awarded.ctx(), str(tmp_path / "o.xlsx")))
    ws = wb["进度"]
    assert [c.value for c in ws[1]][:4] == ["单位代码", "单位名称", "类型", "状态"]
    status = {row[0].value: row[3].value for row in ws.iter_rows(min_row=2) if row[0].value}
    assert status["U1"] == "已授牌" and status["U3"] == "未申报"
    assert len(wb["图表"]._charts) == 3


def test_only_the_office_exports(awarded, tmp_path):
    with pytest.raises(Refused):
        export_workbook(awarded.ctx("i1"), str(tmp_path / "o.xlsx"))
    assert not (tmp_path / "o.xlsx").exists()


def test_blank_score_sheets_for_each_visit(world, tmp_path):
    to_inspection(world, codes=("U1", "U2"))
    out = tmp_path / "sheets"
    out.mkdir()
    paths = export_score_sheets(world.ctx(), str(out))
    assert sorted(Path(p).name for p in paths) == ["U1-评分表.xlsx", "U2-评分表.xlsx"]
    wb = openpyxl.load_workbook(paths[0])
    assert wb.sheetnames == ["i1", "i2"]
    ws = wb["i1"]
    assert "城关镇人民政府" in ws["A2"].value
    h = header_row(ws)
    items = [[c.value for c in row][:5] for row in ws.iter_rows(min_row=h + 1, max_row=h + 5)]
    assert [i[1] for i in items] == ["A1", "A2", "B1", "B2", "X1"]
    assert [i[3] for i in items] == [6, 4, 5, 5, 2] and all(i[4] is None for i in items)
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("签名" in t for t in texts) and any("现场查看" in t for t in texts)


def test_export_from_the_cli(awarded, tmp_path):
    r = awarded.cli("export", str(tmp_path / "cli.xlsx"))
    assert r.returncode == 0, r.stderr
    assert openpyxl.load_workbook(tmp_path / "cli.xlsx").sheetnames[0] == "汇总"
    r = awarded.cli("export", str(tmp_path / "x.xlsx"), user="i1")
    assert r.returncode == 1 and not (tmp_path / "x.xlsx").exists()
    assert awarded.cli("export").returncode == 2


def test_score_sheets_create_their_folder(world, tmp_path):
    to_inspection(world, codes=("U1",))
    out = tmp_path / "new" / "sheets"
    paths = export_score_sheets(world.ctx(), str(out))
    assert out.is_dir() and [Path(p).parent for p in paths] == [out]
    assert openpyxl.load_workbook(paths[0]).sheetnames == ["i1", "i2"]
