"""The workbook's documents, from a campaign run with the real commands: the 公示 notice with where and how
to object, objectors on the 异议 sheet, the 审定 line of the 授牌名单, the 命名决定, and the sheets after
图表 (self-check notes, 问题与整改, inspection records, inspectors' notes)."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from modelunit.domain import sheets
from tests.conftest import copy_world
from tests.printing import fitted, printed_pt

EVIL = "=cmd|' /C calc'!A0"
MARKUP = "[bold]粗体[/bold]"
ISSUER = "某某区人民政府法制办公室"
ADDRESS = "某某区人民路1号（邮编000000）"


def _csv(path: Path, header: list[str], lines: list[list[object]]) -> str:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(lines)
    return str(path)


def _ok(result):
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def run(template_dir, tmp_path_factory):
    """U1 (township), U2 (street) and U4 (department) taken to the award with the commands an office
    types; the workbook exported during publicity (``before``) and after the award (``after``)."""
    w = copy_world(template_dir, tmp_path_factory.mktemp("documents"))
    d = w.dir

    def cli(*args, today="2024-03-01", user="office"):
        return _ok(w.cli(*args, user=user, env={"MODELUNIT_TODAY": today}))

    cli("campaign", "create", "--year", "2024", "--batch", "1", "--criteria", str(w.criteria), "--quota", "3",
        "--issuer", ISSUER, "--approval-ref", "区法制办〔2024〕1号", "--contact-phone", "0000-12345678",
        "--contact-address", ADDRESS + EVIL, "--contact-email", "fzb@example.gov.cn")
    items = (("A1", 6), ("A2", 4), ("B1", 5), ("B2", 5))
    cli("selfcheck", "import", _csv(d / "self.csv", ["unit", "item", "score", "note", "indicator"],
                                    [[u, i, p, EVIL if (u, i) == ("U1", "A1") else "", 98 if i == "B2" else ""]
                                     for u in ("U1", "U2", "U4") for i, p in items]))
    cli("selfcheck", "gap", "U1", "--item", "A1", "--problem", EVIL, "--measure", MARKUP, "--due", "2024-04-30")
    cli("selfcheck", "gap", "U4", "--item", "B1", "--problem", "执法人员培训不足", "--measure", "组织专题培训")
    cli("selfcheck", "submit", "--all")
    cli("campaign", "advance")
    (d / "files").mkdir()
    mats = []
    for u in ("U1", "U2", "U4"):
        for c in ("A", "B"):
            (d / "files" / f"{u}{c}.txt").write_text(f"{u}{c}", encoding="utf-8")
            mats.append([u, c, f"files/{u}{c}.txt", f"台账{c}"])
    cli("material", "import", _csv(d / "mat.csv", ["unit", "criterion", "path", "title"], mats))
    cli("nominate", "U1", "U2", "U4")
    cli("inspect", "import", _csv(d / "team.csv", ["unit", "inspector"],
                                  [[u, i] for u in ("U1", "U2", "U4") for i in ("i1", "i2")]))
    cli("campaign", "advance")
    cli("score", "import", _csv(d / "scores.csv", ["unit", "inspector", "item", "score", "note"],
                                [[u, i, item, p, MARKUP if (u, i, item) == ("U1", "i1", "A1") else ""]
                                 for u in ("U1", "U2", "U4") for i in ("i1", "i2") for item, p in items]))
    # 听取汇报 / 现场查看 notes are typed in the dashboard; its form calls this function.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MODELUNIT_TODAY", "2024-03-01")
        sheets.set_sheet_notes(w.ctx("i1"), "U1", "i1", hearing="听取主要负责人汇报", visit=EVIL)
    cli("score", "submit", "--all")
    cli("campaign", "advance")
    cli("publicity", "start", "--date", "2024-03-04")
    oid = cli("objection", "add", "U2", "--text", "反映窗口推诿", "--source", "来信", "--objector", EVIL,
              "--organisation", MARKUP, "--contact", "13800000000", today="2024-03-05").stdout.split()[-1]
    cli("objection", "resolve", oid, "--dismissed", "--note", "经核查不属实", today="2024-03-05")
    cli("export", str(d / "before.xlsx"), today="2024-03-05")
    cli("campaign", "advance", today="2024-03-11")
    cli("award", "--decided-by", "某某区人民政府", "--decision-ref", "区政府〔2024〕45号", "--date", "2024-03-12",
        today="2024-03-12")
    cli("export", str(d / "after.xlsx"), today="2024-03-12")
    cli("export", str(d / "may.xlsx"), today="2024-05-06")  # U1's rectification is due 2024-04-30
    return {name: openpyxl.load_workbook(d / f"{name}.xlsx") for name in ("before", "after", "may")}


def texts(ws) -> list[str]:
    """The sheet's words, without the drill mark (the test database is a drill)."""
    return [c.value.removeprefix("【演练】") for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def header(ws, first: str = "序号") -> tuple[int, list]:
    row = next(c.row for (c,) in ws.iter_rows(min_col=1, max_col=1) if c.value == first)
    return row, [c.value for c in ws[row]]


def table(ws, first: str = "序号") -> list[dict]:
    row, names = header(ws, first)
    out = []
    for cells in ws.iter_rows(min_row=row + 1):
        if cells[0].value is None or (isinstance(cells[0].value, str) and cells[1].value is None):
            break
        out.append({n: c.value for n, c in zip(names, cells) if n})
    return out


def plain(ws, value: str) -> None:
    """``value`` is in the sheet as a text cell, never a formula."""
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and value in c.value]
    assert cells, (ws.title, value)
    assert all(c.data_type == "s" for c in cells), ws.title


def test_the_notice_says_where_and_how_to_object(run):
    ws = run["after"]["公示名单"]
    lines = texts(ws)
    assert "公示期：2024年3月4日至2024年3月6日（3个工作日）" in lines
    assert any("任何单位和个人" in t and ISSUER in t for t in lines)
    assert any("真实姓名" in t and "具体事实" in t and "联系方式" in t for t in lines)
    assert "联系电话：0000-12345678" in lines
    assert f"通讯地址：{ADDRESS}{EVIL}" in lines
    assert "电子邮箱：fzb@example.gov.cn" in lines
    assert lines[-2:] == [ISSUER, "2024年3月4日"]
    plain(ws, EVIL)
    assert printed_pt(ws) >= 8


def test_a_contact_not_recorded_is_a_blank_and_empty_records_say_so(world, tmp_path, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    _ok(world.cli("campaign", "create", "--year", "2024", "--batch", "1", "--criteria", str(world.criteria),
                  "--contact-phone", "0000-1", env={"MODELUNIT_TODAY": "2024-03-01"}))
    _ok(world.cli("export", str(tmp_path / "o.xlsx"), env={"MODELUNIT_TODAY": "2024-03-01"}))
    book = openpyxl.load_workbook(tmp_path / "o.xlsx")
    lines = texts(book["公示名单"])
    assert "联系电话：0000-1" in lines and "电子邮箱：________________" in lines
    # A campaign just created: the records after 命名决定 say they are empty, above their legend.
    for name, words in (("自查说明", "尚无自查说明。"), ("问题与整改", "尚未登记问题与整改事项。"),
                        ("考察记录", "尚无听取汇报、现场查看记录。"), ("评分说明", "尚无评分说明。")):
        assert texts(book[name])[-2:][0] == words and texts(book[name])[-1].startswith("注："), name


def test_the_objections_sheet_names_the_objector(run):
    ws = run["after"]["异议"]
    (row,) = table(ws, "编号")
    assert (row["异议人"], row["所在单位"], row["联系方式"]) == (EVIL, MARKUP, "13800000000")
    assert row["异议内容"] == "反映窗口推诿" and row["处理状态"] == "异议不成立"
    plain(ws, EVIL)
    assert printed_pt(ws) >= 8


def test_the_award_list_carries_the_decision(run):
    ws = run["after"]["授牌名单"]
    assert "审定：某某区人民政府　命名决定：区政府〔2024〕45号　命名日期：2024年3月12日" in texts(ws)
    assert "尚未命名授牌" in texts(run["before"]["授牌名单"])


def test_the_naming_decision_follows_the_charts_and_waits_for_the_award(run):
    for book in run.values():
        after = book.sheetnames[book.sheetnames.index("图表"):]
        assert after == ["图表", "命名决定", "自查说明", "问题与整改", "考察记录", "评分说明"]
    before = texts(run["before"]["命名决定"])
    assert before[0] == "关于命名2024年度依法行政示范单位的决定（尚未审定）" and before[1].startswith("尚未审定命名")
    assert len(before) == 2


def test_the_naming_decision_is_a_document_to_file(run):
    ws = run["after"]["命名决定"]
    lines = texts(ws)
    assert lines[:2] == ["关于命名2024年度依法行政示范单位的决定", "区政府〔2024〕45号"]
    body = next(t for t in lines if t.lstrip("　").startswith("为深入推进依法行政"))
    assert f"{ISSUER}组织开展了2024年第1批依法行政示范单位创建活动" in body
    assert "并于2024年3月4日至2024年3月6日公示3个工作日，某某区人民政府审定，决定命名以下3个单位" in body
    assert "称号有效期3年，至2027年3月11日止" in body
    # The named units grouped by type, 区直部门 first, numbered through, with their certificates.
    start = lines.index("序号")
    assert lines[start:start + 3] == ["序号", "单位名称", "证书编号"]
    groups = [t for t in lines if t[:2] in ("一、", "二、", "三、", "四、")]
    assert groups == ["一、区直部门（1个）", "二、乡镇（1个）", "三、街道（1个）"]
    listed = [[c.value for c in row] for row in ws.iter_rows() if isinstance(row[0].value, int)]
    assert [name for _, name, _ in listed] == ["区教育局", "城关镇人民政府", "东风街道办事处"]
    assert [seq for seq, _, _ in listed] == [1, 2, 3]
    assert sorted(cert for _, _, cert in listed) == ["2024-01-001", "2024-01-002", "2024-01-003"]
    assert lines[-2:] == ["某某区人民政府", "2024年3月12日"]
    assert not any("2024-03" in t for t in lines)


def test_the_naming_decision_prints_on_one_a4_page(run):
    ws = run["after"]["命名决定"]
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    assert fitted(ws) and printed_pt(ws) >= 8
    assert ws.print_title_rows is None  # a document, not a table
    assert ws.print_area == "'命名决定'!$A$1:$C$" + str(ws.max_row)


def test_the_self_check_notes_list_what_units_explained(run):
    ws = run["after"]["自查说明"]
    rows = table(ws, "单位代码")
    assert {(r["单位代码"], r["考核要点"]) for r in rows} == {("U1", "A1"), ("U1", "B2"), ("U2", "B2"), ("U4", "B2")}
    a1 = next(r for r in rows if r["考核要点"] == "A1")
    assert (a1["单位名称"], a1["要点内容"], a1["分值"], a1["自评得分"], a1["说明"]) == (
        "城关镇人民政府", "程序", 6, 6, EVIL)
    b2 = next(r for r in rows if (r["单位代码"], r["考核要点"]) == ("U2", "B2"))
    assert (b2["指标"], b2["指标实际值"], b2["说明"]) == ("正确率（目标100%）", 98, None)
    plain(ws, EVIL)


def test_gaps_and_rectification_with_their_state(run):
    rows = table(run["after"]["问题与整改"], "单位代码")
    assert [(r["单位代码"], r["考核要点"], r["问题"], r["整改措施"], r["期限"], r["状态"]) for r in rows] == [
        ("U1", "A1", EVIL, MARKUP, "2024年4月30日", "未整改"),
        ("U4", "B1", "执法人员培训不足", "组织专题培训", None, "未整改")]
    may = run["may"]["问题与整改"]
    assert [r["状态"] for r in table(may, "单位代码")] == ["未整改（逾期）", "未整改"]
    assert any("截至2024年5月6日" in t and "逾期" in t for t in texts(may))
    plain(may, EVIL)
    plain(may, MARKUP)


def test_inspection_records_and_score_notes(run):
    (rec,) = table(run["after"]["考察记录"], "单位代码")
    assert (rec["单位代码"], rec["考察人员"], rec["听取汇报"], rec["现场查看"], rec["已提交"]) == (
        "U1", "i1", "听取主要负责人汇报", EVIL, "是")
    (note,) = table(run["after"]["评分说明"], "单位代码")
    assert (note["考察人员"], note["考核要点"], note["要点内容"], note["分值"], note["评分"], note["说明"]) == (
        "i1", "A1", "程序", 6, 6, MARKUP)
    plain(run["after"]["考察记录"], EVIL)


@pytest.mark.parametrize("name", ["自查说明", "问题与整改", "考察记录", "评分说明"])
def test_the_records_print_on_a4_with_their_header_and_legend(run, name):
    ws = run["after"][name]
    assert ws.page_setup.paperSize == 9 and printed_pt(ws) >= 8
    assert ws.print_title_rows == "$1:$1"
    legend = [c for (c,) in ws.iter_rows(min_col=1, max_col=1)
              if isinstance(c.value, str) and c.value.startswith("注：")]
    assert len(legend) == 1 and legend[0].row <= ws.max_row
    assert ws.print_area.endswith(f"${ws.max_row}")

