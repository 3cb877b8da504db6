"""Who is missing: the progress view per unit and per inspector, as each role sees it, from the domain and
from ``modelunit progress`` (table, CSV, JSON and the printable reminder list)."""

from __future__ import annotations

import json

import openpyxl

from modelunit.domain import nomination, progress, selfcheck, units
from tests.conftest import PASSWORD, create_campaign, rows
from tests.helpers import score, self_score, to_inspection, to_nomination
from tests.printing import printed_pt
from tests.test_cli import fails, ok
from tests.test_export_print import area


def by_code(view) -> dict[str, progress.UnitProgress]:
    return {r.code: r for r in view.units}


def selfcheck_world(world, **kw) -> None:
    """U1 all entered (not submitted), U2 two of four items, U3 nothing, U4 submitted."""
    create_campaign(world, **kw)
    self_score(world, "U1")
    selfcheck.import_selfcheck(world.ctx(), rows({"unit": "U2", "item": "A1", "score": 5},
                                                 {"unit": "U2", "item": "B1", "score": 4}), "s.csv")
    self_score(world, "U4")
    selfcheck.submit_selfcheck(world.ctx(), ["U4"])


def test_self_check_progress_tells_nothing_entered_from_all_entered_not_submitted(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    selfcheck_world(world)
    view = progress.progress(world.ctx())
    rows_ = by_code(view)
    assert [(r.code, r.selfcheck_entered, r.selfcheck_total, r.selfcheck_submitted) for r in view.units] == [
        ("U1", 4, 4, False), ("U2", 2, 4, False), ("U3", 0, 4, False), ("U4", 4, 4, True)]
    assert rows_["U1"].missing == ["selfcheck_submit"]
    assert rows_["U2"].missing == ["selfcheck_items"] and rows_["U2"].selfcheck_missing == ["A2", "B2"]
    assert rows_["U4"].missing == []
    assert progress.lack_texts(rows_["U1"]) == ["自查已填完未提交"]
    assert progress.lack_texts(rows_["U3"]) == ["自查 4 项未自评"]
    assert [rows_[c].selfcheck_text() for c in ("U1", "U3", "U4")] == ["4/4 未提交", "0/4", "4/4 已提交"]
    assert [r.code for r in view.missing_only().units] == ["U1", "U2", "U3"]
    assert not any(r.selfcheck_late for r in view.units)


def test_a_self_check_still_open_after_its_due_date_is_overdue(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    selfcheck_world(world, selfcheck_due="2024-03-10")
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-11")
    rows_ = by_code(progress.progress(world.ctx()))
    assert rows_["U3"].selfcheck_late and rows_["U3"].overdue
    assert progress.lack_texts(rows_["U3"])[-1] == "已逾期"
    assert not rows_["U4"].selfcheck_late  # submitted on time


def test_nomination_progress_names_the_evidence_and_the_returned_request(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    to_nomination(world, codes=("U1", "U2", "U4"), nomination_due="2024-03-20")
    nomination.nominate(world.ctx(), ["U1"])
    nomination.return_nomination(world.ctx(), "U1", "请补充会议纪要", "2024-03-08")
    nomination.nominate(world.ctx(), ["U2"])
    view = progress.progress(world.ctx())
    rows_ = by_code(view)
    assert rows_["U1"].nomination == "returned" and rows_["U1"].missing == ["review"]
    assert progress.lack_texts(rows_["U1"]) == ["退回补正（2024-03-08 前）：请补充会议纪要"]
    assert rows_["U2"].nomination == "nominated" and rows_["U2"].missing == []
    assert rows_["U4"].nomination == "not_yet" and rows_["U4"].missing == ["nomination"]
    assert rows_["U3"].missing == ["selfcheck_items"]  # never self-checked: it cannot nominate
    assert rows_["U4"].evidence == {"A": 1, "B": 1}


def test_evidence_short_of_a_criterion_is_named(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    create_campaign(world)
    self_score(world, "U1")
    selfcheck.submit_selfcheck(world.ctx(), ["U1"])
    from modelunit.domain import campaigns

    campaigns.advance(world.ctx(), reason="提前结束")
    f = world.dir / "a.txt"
    f.write_text("台账", encoding="utf-8")
    nomination.add_materials(world.ctx(), [nomination.MaterialRequest("U1", str(f), "A")])
    row = by_code(progress.progress(world.ctx()))["U1"]
    assert row.evidence_missing == ["B"] and row.missing == ["evidence", "nomination"]
    assert progress.lack_texts(row) == ["台账缺 B", "尚未申报"]


def test_inspection_progress_per_unit_and_per_inspector(world):
    to_inspection(world, codes=("U1", "U2"), team=("i1", "i2"))
    score(world, "U1", "i1", {"A1": 5, "A2": 4, "B1": 5, "B2": 5})
    score(world, "U1", "i2", {"A1": 5})
    from modelunit.domain import sheets

    sheets.submit_scores(world.ctx("i1"), "U1")
    view = progress.progress(world.ctx())
    rows_ = by_code(view)
    assert (rows_["U1"].inspectors_assigned, rows_["U1"].sheets_entered, rows_["U1"].sheets_submitted,
            rows_["U1"].sheets_needed) == (2, 1, 1, 2)
    assert rows_["U1"].missing == ["sheets"]
    assert progress.lack_texts(rows_["U1"]) == ["评分表已交 1/2"]
    team = {i.name: i for i in view.inspectors}
    assert (team["i1"].assigned, team["i1"].entered, team["i1"].submitted, team["i1"].pending) == (2, 1, 1, ["U2"])
    assert (team["i2"].assigned, team["i2"].entered, team["i2"].submitted, team["i2"].pending) == (2, 0, 0,
                                                                                                  ["U1", "U2"])


def test_a_team_short_of_inspectors_is_named_to_the_office_and_the_inspector(world):
    to_inspection(world, codes=("U1",), team=("i1",))  # min_inspectors is 2
    office = by_code(progress.progress(world.ctx()))["U1"]
    assert office.missing == ["inspectors", "sheets"]
    assert progress.lack_texts(office) == ["考察组 1/2 人", "评分表已交 0/2"]
    own = by_code(progress.progress(world.ctx("i1")))["U1"]
    assert progress.lack_texts(own) == ["考察组 1/2 人", "评分表已交 0/1"]  # their own sheet is theirs to submit


def test_application_documents_not_filed_are_named(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    text = world.criteria.read_text(encoding="utf-8").replace(
        "criteria:\n", "application:\n  documents: [申报表, 自评报告]\ncriteria:\n", 1)
    world.criteria.write_text(text, encoding="utf-8")
    to_nomination(world, codes=("U1",))
    f = world.dir / "form.txt"
    f.write_text("申报表", encoding="utf-8")
    nomination.add_materials(world.ctx(), [nomination.MaterialRequest("U1", str(f), document="申报表")])
    row = by_code(progress.progress(world.ctx()))["U1"]
    assert row.documents_missing == ["自评报告"] and row.missing == ["documents", "nomination"]
    assert progress.lack_texts(row) == ["申报材料缺 自评报告", "尚未申报"]
    table = ok(world.cli("progress")).stdout
    assert "申报材料" in table and " 1/2 " in table


def test_an_inspector_sees_their_units_and_only_their_own_sheet(world):
    to_inspection(world, codes=("U1", "U2"), team=("i1", "i2"))
    score(world, "U1", "i2", {"A1": 5, "A2": 4, "B1": 5, "B2": 5})
    from modelunit.domain import sheets

    sheets.submit_scores(world.ctx("i2"), "U1")
    view = progress.progress(world.ctx("i1"))
    rows_ = by_code(view)
    assert set(rows_) == {"U1", "U2"}
    assert (rows_["U1"].sheets_submitted, rows_["U1"].sheets_needed) == (0, 1)  # i2's submitted sheet unseen
    assert [i.name for i in view.inspectors] == ["i1"]
    assert by_code(progress.progress(world.ctx("i3"))) == {}  # assigned to nothing


def test_a_clerk_sees_their_own_unit_and_no_sheet_counts(world):
    to_inspection(world, codes=("U1", "U2"), team=("i1", "i2"))
    view = progress.progress(world.ctx("clerk1"))
    assert [r.code for r in view.units] == ["U1"]
    assert view.units[0].sheets_submitted is None and view.units[0].missing == [] and view.inspectors == []


# ----------------------------------------------------------------------------- the command


def with_contacts(world) -> None:
    units.import_units(world.ctx(), rows({"code": "U3", "name": "区卫生局", "type": "department",
                                          "contact": "=王科长", "phone": "0571-1234"}), "u.csv")


def test_progress_command_prints_a_table_and_filters_to_the_missing(world):
    selfcheck_world(world)
    table = ok(world.cli("progress")).stdout
    assert "4/4 未提交" in table and "自查 4 项未自评" in table and "4/4 已提交" in table
    assert "共 4 个单位，3 个尚有欠缺" in table
    missing = ok(world.cli("progress", "--missing")).stdout
    assert "U4" not in missing and "U3" in missing
    en = ok(world.cli("--lang", "en", "progress")).stdout
    assert "self-check complete, not submitted" in en and "Missing" in en and "4/4 to submit" in en


def test_progress_json_keys_are_identifiers(world):
    selfcheck_world(world)
    data = json.loads(ok(world.cli("progress", "--format", "json", "--missing")).stdout)
    assert set(data) == {"campaign", "stage", "units", "inspectors"}
    assert (data["campaign"], data["stage"]) == ("2024-1", "selfcheck")
    assert list(data["units"][0]) == list(progress.UNIT_KEYS)
    first = {u["code"]: u for u in data["units"]}
    assert first["U1"]["missing"] == ["selfcheck_submit"] and first["U1"]["selfcheck_submitted"] is False
    assert first["U2"]["selfcheck_missing"] == ["A2", "B2"] and "U4" not in first


def test_progress_csv_neutralises_formula_cells(world):
    selfcheck_world(world)
    with_contacts(world)
    r = ok(world.cli("progress", "--format", "csv"))
    assert r.stdout.startswith("\ufeff单位代码,单位名称,类型,联系人,联系电话,状态,")
    line = next(x for x in r.stdout.splitlines() if x.startswith("U3,"))
    assert ",'=王科长,0571-1234," in line


def test_progress_xlsx_is_a_printable_reminder_list_with_contacts(world, tmp_path):
    selfcheck_world(world)
    with_contacts(world)
    target = tmp_path / "催办.xlsx"
    ok(world.cli("progress", "--missing", "--format", "xlsx", "--output", str(target)))
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["催办清单", "考察组评分"]
    ws = wb["催办清单"]
    assert "进度催办清单" in ws["A1"].value and "【演练】" in ws["A1"].value  # the test database is a drill
    header = next(r for r in ws.iter_rows(values_only=True) if r[0] == "序号")
    assert list(header) == ["序号", "单位代码", "单位名称", "联系人", "联系电话", "状态", "自查", "尚缺"]
    body = [r for r in ws.iter_rows(values_only=True) if isinstance(r[0], int)]
    assert [r[1] for r in body] == ["U1", "U2", "U3"]
    u3 = body[2]
    assert (u3[3], u3[4], u3[6], u3[7]) == ("=王科长", "0571-1234", "0/4", "自查 4 项未自评")
    assert ws["D" + str(3 + 2 + 2)].data_type == "s"  # the contact stays text, never a formula
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    assert ws.print_title_rows == "$4:$4" and printed_pt(ws) >= 8
    last_row, last_col = area(ws)
    assert last_row >= ws.max_row and last_col >= ws.max_column


def test_progress_xlsx_needs_an_xlsx_output_and_never_the_database(world, tmp_path):
    selfcheck_world(world)
    before = world.raw()
    fails(world.cli("progress", "--format", "xlsx"), 2)
    fails(world.cli("progress", "--format", "xlsx", "--output", str(tmp_path / "r.csv")), 2)
    fails(world.cli("progress", "--format", "xlsx", "--output", world.db.path), 2)
    fails(world.cli("progress", "--output", str(tmp_path / "r.xlsx")), 2)
    fails(world.cli("progress", "--format", "xlsx", "--output", str(tmp_path / "r.xlsx"), user="clerk1"), 1)
    assert world.raw() == before and not (tmp_path / "r.xlsx").exists()


def test_a_clerk_runs_progress_for_their_own_unit(world):
    selfcheck_world(world)
    data = json.loads(ok(world.cli("progress", "--format", "json", user="clerk1")).stdout)
    assert [u["code"] for u in data["units"]] == ["U1"] and data["inspectors"] == []


# ----------------------------------------------------------------------------- submit --all and unit list


def test_selfcheck_submit_all_says_whom_it_skipped_and_why(world):
    selfcheck_world(world)
    r = ok(world.cli("selfcheck", "submit", "--all"))
    lines = r.stdout.splitlines()
    assert lines[0] == "已提交自查：U1"
    assert lines[1:] == ["跳过 U2：还有 2 个考核要点未自评（A2, B2）",
                         "跳过 U3：还有 4 个考核要点未自评（A1, A2, B1, B2）"]
    assert world.entry("U1")["status"] == "selfcheck_submitted" and world.entry("U2")["status"] == "registered"


def test_selfcheck_submit_all_with_none_ready_is_refused_naming_them(world):
    create_campaign(world)
    selfcheck.import_selfcheck(world.ctx(), rows({"unit": "U2", "item": "A1", "score": 5}), "s.csv")
    before = world.raw()
    r = fails(world.cli("selfcheck", "submit", "--all"), 1)
    assert "没有可提交的自查" in r.stderr and "跳过 U1：还有 4 个" in r.stderr and "……" in r.stderr
    assert world.raw() == before


def test_score_submit_all_says_which_sheets_it_skipped_and_why(world):
    to_inspection(world, codes=("U1", "U2"), team=("i1", "i2"))
    score(world, "U1", "i1", {"A1": 5, "A2": 4, "B1": 5, "B2": 5})
    score(world, "U1", "i2", {"A1": 5})
    r = ok(world.cli("score", "submit", "--all"))
    assert r.stdout.splitlines() == ["已提交评分表：U1/i1", "跳过 U1/i2：还有 3 个要点未评分",
                                     "跳过 U2/i1：尚未录入评分", "跳过 U2/i2：尚未录入评分"]
    # An inspector's --all covers their own sheets only; none ready is a refusal that names them.
    r = fails(world.cli("score", "submit", "--all", user="i2", password=PASSWORD), 1)
    assert r.stderr.strip() == "没有可提交的完整评分表：跳过 U1/i2：还有 3 个要点未评分；跳过 U2/i2：尚未录入评分"


def test_unit_list_tells_nothing_entered_from_all_entered_not_submitted(world):
    selfcheck_world(world)
    table = {line.split()[0]: line for line in ok(world.cli("unit", "list")).stdout.splitlines()[2:]}
    assert "4/4 未提交" in table["U1"] and " 2/4 " in table["U2"] and " 0/4 " in table["U3"]
    assert "4/4 已提交" in table["U4"]
    listing = json.loads(ok(world.cli("unit", "list", "--format", "json")).stdout)
    assert set(listing[0]) == {"code", "name", "type", "status", "certificate", "contact", "phone"}  # unchanged


def test_the_english_progress_table_of_the_demo_fits_120_columns(demo_db):
    """English words are longer than Chinese ones: the table's headers and words are kept short."""
    from rich.cells import cell_len

    from modelunit.demo import DEMO_ADMIN, DEMO_PASSWORD
    from tests.conftest import run_cli

    for lang in ("en", "zh"):
        result = run_cli("--lang", lang, "progress", db=demo_db.path, user=DEMO_ADMIN, password=DEMO_PASSWORD)
        lines = ok(result).stdout.splitlines()
        assert len(lines) > 15 and any("D04" in line for line in lines)
        widest = max(cell_len(line) for line in lines)
        assert widest <= 120, (lang, widest, max(lines, key=cell_len))
