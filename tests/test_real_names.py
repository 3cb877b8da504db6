"""Real names beside login names (users brought in with ``user import``): the workbook's 评分明细, 考察记录
and 评分说明, the blank score sheets' inspector and signature lines, and the dashboard's audit view.
A user without a real name shows the login name only."""

from __future__ import annotations

import openpyxl
import pytest
from textual.widgets import DataTable

from modelunit.domain import sheets, users
from tests.conftest import copy_world, create_campaign, rows
from tests.test_export_documents import _csv, table
from tests.test_tui_actions import SIZE, app_as

ITEMS = (("A1", 6), ("A2", 4), ("B1", 5), ("B2", 5))
TEAM = ("zhangw", "i1")  # zhangw comes with the name 张伟; i1 has none


def _ok(result):
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def run(template_dir, tmp_path_factory):
    """U1 inspected by zhangw（张伟） and i1, with the commands an office types; blank score sheets exported
    when the inspection opens, the workbook once the scores and notes are in."""
    w = copy_world(template_dir, tmp_path_factory.mktemp("real_names"))
    d = w.dir

    def cli(*args):
        return _ok(w.cli(*args, env={"MODELUNIT_TODAY": "2024-03-01"}))

    cli("user", "import", _csv(d / "people.csv", ["name", "real_name", "role"], [["zhangw", "张伟", "inspector"]]),
        "--passwords", str(d / "initial.csv"))
    cli("campaign", "create", "--year", "2024", "--batch", "1", "--criteria", str(w.criteria))
    cli("selfcheck", "import", _csv(d / "self.csv", ["unit", "item", "score"], [["U1", i, p] for i, p in ITEMS]))
    cli("selfcheck", "submit", "--all")
    cli("campaign", "advance")
    (d / "files").mkdir()
    for c in ("A", "B"):
        (d / "files" / f"U1{c}.txt").write_text(c, encoding="utf-8")
    cli("material", "import", _csv(d / "mat.csv", ["unit", "criterion", "path", "title"],
                                   [["U1", c, f"files/U1{c}.txt", f"台账{c}"] for c in ("A", "B")]))
    cli("nominate", "U1")
    cli("inspect", "import", _csv(d / "team.csv", ["unit", "inspector"], [["U1", i] for i in TEAM]))
    cli("campaign", "advance")
    (d / "blank").mkdir()
    cli("export", "--score-sheets", str(d / "blank"))
    cli("score", "import", _csv(d / "scores.csv", ["unit", "inspector", "item", "score", "note"],
                                [["U1", i, item, p - 1 if item == "A1" else p, "程序不全" if item == "A1" else ""]
                                 for i in TEAM for item, p in ITEMS]))
    with pytest.MonkeyPatch.context() as mp:  # the dashboard's 听取汇报 / 现场查看 form calls this
        mp.setenv("MODELUNIT_TODAY", "2024-03-01")
        for name in TEAM:
            sheets.set_sheet_notes(w.ctx("office"), "U1", name, hearing=f"{name}听取汇报", visit="查看台账")
    cli("export", str(d / "book.xlsx"))
    return {"book": openpyxl.load_workbook(d / "book.xlsx"),
            "blank": openpyxl.load_workbook(d / "blank" / "U1-评分表.xlsx")}


def test_the_workbook_names_inspectors_with_their_real_names(run):
    book = run["book"]
    detail = {r["考察人员"] for r in table(book["评分明细"], "单位代码")}
    assert detail == {"zhangw（张伟）", "i1"}
    assert {r["考察人员"] for r in table(book["考察记录"], "单位代码")} == {"zhangw（张伟）", "i1"}
    notes = [(r["考察人员"], r["考核要点"], r["说明"]) for r in table(book["评分说明"], "单位代码")]
    assert sorted(notes) == [("i1", "A1", "程序不全"), ("zhangw（张伟）", "A1", "程序不全")]


def test_the_blank_score_sheets_print_the_real_name_by_the_signature(run):
    blank = run["blank"]
    assert blank.sheetnames == ["zhangw", "i1"]  # the tabs keep the login names

    def words(ws):
        return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]

    zhang, plain = words(blank["zhangw"]), words(blank["i1"])
    assert "考察人员：zhangw（张伟）" in zhang and "考察人员签名：______________（张伟）" in zhang
    assert "考察人员：i1" in plain and "考察人员签名：______________（i1）" in plain


async def test_the_audit_view_shows_who_did_it_by_real_name(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    create_campaign(world)
    ((_, initial),) = users.import_users(world.ctx(), rows({"name": "wangf", "real_name": "王芳", "role": "admin"}),
                                         "people.csv")
    users.change_password(world.db, "wangf", initial, "王芳的新密码2024")  # as at her first sign-in
    users.add_user(world.ctx("wangf"), "i9", "inspector", None, "一个足够长的密码2024")
    async with app_as(world.db, "wangf", demo=False).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        table = pilot.app.screen.query_one("#audit", DataTable)
        who = [(str(table.get_row_at(i)[2]), str(table.get_row_at(i)[4])) for i in range(table.row_count)]
        assert who[0] == ("wangf（王芳）", "i9")  # newest first
        assert ("office", "wangf") in who  # office has no real name: its login name only
