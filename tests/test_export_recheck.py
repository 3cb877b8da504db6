"""A re-check campaign's workbook, from a re-check run with the real commands: after the sheets that
follow 图表 comes 复查结果, the draw above its table (percentage, seed, units drawn, how to re-draw)."""

from __future__ import annotations

import random
from fractions import Fraction

import openpyxl

from modelunit.domain import recheck
from modelunit.export.workbook import SHEETS
from tests.printing import printed_pt
from tests.test_export_documents import _csv, header, table, texts
from tests.test_titles import awarded

ITEMS = (("A1", 6), ("A2", 4), ("B1", 5), ("B2", 5))
LOW = {"A1": 2, "A2": 1, "B1": 2, "B2": 2}


def test_a_recheck_workbook_ends_with_its_results_and_the_draw(world, monkeypatch, tmp_path):
    awarded(world, monkeypatch, codes=("U1", "U2", "U4"))  # the 2024 titles being re-checked

    def cli(*args, today="2025-03-01"):
        done = world.cli(*args, env={"MODELUNIT_TODAY": today})
        assert done.returncode == 0, done.stderr
        return done

    cli("campaign", "create", "--year", "2025", "--batch", "1", "--criteria", str(world.criteria), "--kind",
        "recheck", "--sample", "10", "--seed", "11")
    (drawn,) = recheck.draw(["U1", "U2", "U4"], Fraction(10), 11)
    assert [drawn] == sorted(random.Random(11).sample(["U1", "U2", "U4"], 1))  # the sentence's recipe
    added, low_self = [c for c in ("U1", "U2", "U4") if c != drawn]
    scale = {drawn: 1, added: 1, low_self: 0.5}  # 10 < pass line 12
    cli("selfcheck", "import", _csv(tmp_path / "self.csv", ["unit", "item", "score"],
                                    [[u, i, p * scale[u]] for u in scale for i, p in ITEMS]))
    cli("selfcheck", "submit", "--all")
    cli("campaign", "advance")  # inspection: the draw
    cli("recheck", "add", added)
    cli("inspect", "import", _csv(tmp_path / "team.csv", ["unit", "inspector"],
                                  [[u, i] for u in (drawn, added) for i in ("i1", "i2")]))
    marks = {drawn: LOW, added: dict(ITEMS)}  # the drawn unit's site visit finds otherwise
    cli("score", "import", _csv(tmp_path / "scores.csv", ["unit", "inspector", "item", "score"],
                                [[u, i, item, marks[u][item]] for u in marks for i in ("i1", "i2")
                                 for item, _ in ITEMS]))
    cli("score", "submit", "--all")
    cli("export", str(tmp_path / "inspection.xlsx"))
    cli("campaign", "advance", today="2025-04-01")  # conclusion: failing titles into rectification
    cli("export", str(tmp_path / "r.xlsx"), today="2025-04-01")

    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert book.sheetnames == [*SHEETS, "复查结果"]
    ws = book["复查结果"]
    lines = texts(ws)
    assert lines[0] == "2025年度依法行政示范单位复查（第1次）复查结果"
    assert "抽查比例：10%（复查单位3个，抽取1个）" in lines
    assert "随机种子：11" in lines
    assert f"抽中单位：{drawn}" in lines and f"管理员另加：{added}" in lines
    how = next(t for t in lines if t.startswith("复核方法"))
    assert "sorted(random.Random(11).sample(codes, n))" in how and "⌈10 × len(codes) ÷ 100⌉" in how
    _, names = header(ws, "单位代码")
    assert names == ["单位代码", "单位名称", "是否抽查", "自评总分", "考察总分", "复查结论", "整改期限"]
    rows = {r["单位代码"]: r for r in table(ws, "单位代码")}
    assert set(rows) == {"U1", "U2", "U4"}
    got = {c: (r["是否抽查"], r["自评总分"], r["考察总分"], r["复查结论"], r["整改期限"]) for c, r in rows.items()}
    assert got == {drawn: ("随机抽中", 20, 7, "复查不合格", "2025年6月30日"),
                   added: ("管理员增加", 20, 20, "复查合格", None),
                   low_self: ("否", 10, None, "复查不合格", "2025年6月30日")}
    assert any(t.startswith("注：") for t in lines)
    # Printable like the other sheets: A4, the header repeated, everything inside the print area, ≥ 8 pt.
    header_row, _ = header(ws, "单位代码")
    assert ws.page_setup.paperSize == 9 and printed_pt(ws) >= 8
    assert ws.print_title_rows == f"${header_row}:${header_row}"
    assert ws.print_area.endswith(f"${ws.max_row}")

    # While inspection is open, the results are not yet there.
    during = {r["单位代码"]: r for r in table(openpyxl.load_workbook(tmp_path / "inspection.xlsx")["复查结果"],
                                              "单位代码")}
    assert {r["复查结论"] for r in during.values()} == {"尚未作出"}
    assert during[drawn]["考察总分"] == 7 and during[low_self]["整改期限"] is None


def test_a_creation_campaigns_workbook_has_no_results_sheet(world, monkeypatch, tmp_path):
    done = world.cli("campaign", "create", "--year", "2024", "--batch", "1", "--criteria", str(world.criteria),
                     env={"MODELUNIT_TODAY": "2024-03-01"})
    assert done.returncode == 0, done.stderr
    assert world.cli("export", str(tmp_path / "c.xlsx"), env={"MODELUNIT_TODAY": "2024-03-01"}).returncode == 0
    assert openpyxl.load_workbook(tmp_path / "c.xlsx").sheetnames == list(SHEETS)
