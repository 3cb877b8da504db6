"""The steps around the notice: application documents, 初审, guarded stages, 审定, the notice's data.

Domain rules are exercised through the domain functions; each command-line contract is run
through the real command (exit code, one line on stderr, the database unchanged on refusal).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelunit.domain import campaigns, nomination, selfcheck
from modelunit.domain.criteria import parse_criteria, read_criteria_file
from modelunit.domain.models import Entry, Gap, Material, VetoRecord, from_dict, to_dict
from modelunit.domain.records import entry_of
from modelunit.errors import BadInput, LineErrors, Refused
from tests.conftest import SMALL_CRITERIA, create_campaign
from tests.helpers import self_score, to_nomination

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = "application:\n  documents: [申报表, 自评报告]\n"


def ok(result):
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def fails(result, code: int):
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result


def with_documents(world) -> None:
    world.criteria.write_text(SMALL_CRITERIA + DOCUMENTS, encoding="utf-8")


def documents(world, code: str, names=("申报表", "自评报告"), actor: str = "office") -> None:
    reqs = []
    for i, name in enumerate(names):
        f = world.dir / f"{code}-doc{i}.txt"
        f.write_text(f"{code} {name}", encoding="utf-8")
        reqs.append(nomination.MaterialRequest(code, str(f), document=name))
    nomination.add_materials(world.ctx(actor), reqs)


# ----------------------------------------------------------------------------- 1. the criteria schema


def test_application_documents_and_naming_are_read_with_their_defaults():
    cs = parse_criteria(SMALL_CRITERIA, "s.yaml")
    assert cs.documents == ()
    assert (cs.naming.validity_years, cs.naming.reapply_ban_years) == (3, 2)
    assert cs.naming.certificate(2024, 1, 7) == "2024-01-007"
    text = SMALL_CRITERIA + DOCUMENTS + ('naming:\n  validity_years: 5\n  reapply_ban_years: 1\n'
                                         '  certificate_format: "依法示范{year}第{batch}批{seq:04d}号"\n')
    cs = parse_criteria(text, "s.yaml")
    assert cs.documents == ("申报表", "自评报告")
    assert (cs.naming.validity_years, cs.naming.reapply_ban_years) == (5, 1)
    assert cs.naming.certificate(2026, 2, 3) == "依法示范2026第2批0003号"


@pytest.mark.parametrize("fmt, says", [
    ("{year}-{unit}-{seq}", "unit"),        # unknown field
    ("{year}-{batch:02d}", "{seq}"),         # no sequence number: not unique
    ("{year}-{seq", "无效"),                  # broken braces
    ("{year}-{seq:q}", "无效"),               # a format code an integer does not take
    ("{0}-{seq}", "0"),                      # positional fields are not fields
    ("{year.real}-{seq}", "year.real"),      # no attribute access
])
def test_a_bad_certificate_format_is_a_criteria_error_with_file_and_line(fmt, says):
    text = SMALL_CRITERIA + f'naming:\n  certificate_format: "{fmt}"\n'
    line = text.splitlines().index(f'  certificate_format: "{fmt}"') + 1
    with pytest.raises(LineErrors) as e:
        parse_criteria(text, "x.yaml")
    [message] = e.value.lines()
    assert message.startswith(f"x.yaml:{line}: naming.certificate_format: ")
    assert says in message


def test_unknown_keys_and_bad_document_lists_are_errors():
    text = SMALL_CRITERIA + "application:\n  documents:\n    - 申报表\n    - 申报表\n    - ''\n  forms: 1\n" \
        + "naming:\n  valid_years: 3\n"
    with pytest.raises(LineErrors) as e:
        parse_criteria(text, "x.yaml")
    lines = e.value.lines()
    lines_of = text.splitlines()
    assert f"x.yaml:{lines_of.index('    - 申报表', lines_of.index('    - 申报表') + 1) + 1}: " \
           "application.documents[1]: 申报材料“申报表”重复" in lines
    assert any(m.startswith(f"x.yaml:{lines_of.index('  forms: 1') + 1}: application.forms: 未知字段") for m in lines)
    assert any(m.startswith(f"x.yaml:{lines_of.index('  valid_years: 3') + 1}: naming.valid_years: 未知字段")
               for m in lines)
    assert any("application.documents[2]: 必须是非空文字" in m for m in lines)


def test_the_default_criteria_ask_for_the_usual_documents_and_still_add_up():
    source, packaged = ROOT / "criteria" / "nine-measures.yaml", ROOT / "modelunit" / "data" / "nine-measures.yaml"
    assert source.read_bytes() == packaged.read_bytes()
    cs, _, _ = read_criteria_file(str(source))
    assert cs.documents == ("申报表", "自评报告", "创建活动方案", "领导班子研究创建工作的会议纪要")
    assert cs.total == cs.item_points == 100
    c5 = cs.criterion("C5")
    text = "".join(it.text for it in c5.items)
    # Scored as a respondent: answering and evidence on time, compliance, how often it is corrected.
    assert "被申请人" in text and "答辩状" in text and "证据" in text and "自觉履行" in text and "纠错" in text
    assert "受理" not in text  # accepting applications is the reconsideration body's work, not the unit's


def test_a_stored_campaign_from_before_documents_and_naming_still_loads(world):
    cid = create_campaign(world)
    with world.db.transaction() as tx:
        doc = tx.campaigns.get(cid)
        for key in ("documents", "naming"):
            doc["criteria"].pop(key)
        for key in ("contact_phone", "workdays", "decided_by", "decision_ref", "decision_date"):
            doc.pop(key, None)
        doc["criteria_sha256"] = "old-" + doc["criteria_sha256"]  # not the cached parse of the new one
        tx.campaigns.put(cid, doc)
    from modelunit.domain.records import campaign_of, criteria_of

    campaign = campaign_of(world.db.snapshot(), cid)
    cs = criteria_of(campaign)
    assert cs.documents == () and cs.naming.certificate(2024, 1, 1) == "2024-01-001"
    assert campaign.contact_phone == "" and campaign.workdays == []


# ----------------------------------------------------------------------------- 2. typed records, documents


def test_materials_gaps_and_vetoes_are_records_and_old_dicts_still_load():
    stored = {"campaign": "2024-1", "unit": "U1", "status": "nominated",
              "materials": [{"criterion": "A", "title": "制度", "name": "a.pdf", "sha256": "ab", "size": 3,
                             "added_at": "x", "added_by": "office", "supplement": False, "reason": ""}],
              "gaps": [{"id": "1", "item": "A1", "problem": "p", "measure": "m", "due": None, "status": "open"}],
              "vetoes": [{"item": "V1", "reason": "r", "by": "office", "at": "t"}]}
    entry = from_dict(Entry, stored)
    assert isinstance(entry.materials[0], Material) and entry.materials[0].document == ""
    assert isinstance(entry.gaps[0], Gap) and entry.gaps[0].problem == "p"
    assert isinstance(entry.vetoes[0], VetoRecord) and entry.vetoes[0].item == "V1"
    assert entry.evidence_counts() == {"A": 1}
    again = to_dict(entry)
    assert again["materials"][0]["criterion"] == "A" and again["gaps"][0] == stored["gaps"][0]


def test_nomination_is_refused_while_a_document_is_missing_and_names_it(world):
    with_documents(world)
    to_nomination(world, codes=("U1",))
    documents(world, "U1", names=("申报表",))
    before = world.raw()
    with pytest.raises(Refused) as e:
        nomination.nominate(world.ctx(), ["U1"])
    assert e.value.key == "nominate.documents" and "自评报告" in e.value.render() and "申报表" not in e.value.render()
    assert world.raw() == before
    documents(world, "U1", names=("自评报告",))
    assert nomination.nominate(world.ctx(), ["U1"]) == ["U1"]
    stored = entry_of(world.db.snapshot(), from_dict_campaign(world), "U1")
    assert {m.document for m in stored.materials if m.document} == {"申报表", "自评报告"}
    assert stored.evidence_counts() == {"A": 1, "B": 1}  # documents are not evidence for a criterion


def from_dict_campaign(world):
    from modelunit.domain.records import campaign_of

    return campaign_of(world.db.snapshot(), None)


def test_a_material_names_exactly_one_of_criterion_and_document(world):
    with_documents(world)
    to_nomination(world, codes=("U1",))
    f = world.dir / "x.txt"
    f.write_text("x", encoding="utf-8")
    either = "material.criterion_or_document"
    for req, key in [(nomination.MaterialRequest("U1", str(f)), either),
                     (nomination.MaterialRequest("U1", str(f), "A", document="申报表"), either),
                     (nomination.MaterialRequest("U1", str(f), document="营业执照"), "document.unknown")]:
        with pytest.raises(BadInput) as e:
            nomination.add_materials(world.ctx(), [req])
        assert e.value.key == key


def test_material_add_document_from_the_command_line(world):
    with_documents(world)
    to_nomination(world, codes=("U1",))
    f = world.dir / "申报表.pdf"
    f.write_bytes(b"%PDF form")
    before = world.raw()
    r = fails(world.cli("material", "add", "U1", str(f), "--document", "营业执照"), 2)
    assert "营业执照" in r.stderr and "申报表" in r.stderr
    fails(world.cli("material", "add", "U1", str(f)), 2)
    fails(world.cli("material", "add", "U1", str(f), "--document", "申报表", "--criterion", "A"), 2)
    assert world.raw() == before
    ok(world.cli("material", "add", "U1", str(f), "--document", "申报表", user="clerk1"))
    r = fails(world.cli("nominate", "U1", user="clerk1"), 1)
    assert "自评报告" in r.stderr and "申报表" not in r.stderr.split("：", 1)[-1]
    csv = world.dir / "docs.csv"
    (world.dir / "self.pdf").write_bytes(b"report")
    csv.write_text("unit,document,path\nU1,自评报告,self.pdf\n", encoding="utf-8")
    ok(world.cli("material", "import", str(csv)))
    ok(world.cli("nominate", "U1", user="clerk1"))
    assert {m["document"] for m in world.entry("U1")["materials"]} == {"", "申报表", "自评报告"}


def test_an_import_row_with_an_unknown_document_is_reported_by_line_and_nothing_is_written(world):
    with_documents(world)
    to_nomination(world, codes=("U1",))
    (world.dir / "a.txt").write_text("a", encoding="utf-8")
    csv = world.dir / "m.csv"
    csv.write_text("unit,criterion,document,path\nU1,A,,a.txt\nU1,,营业执照,a.txt\nU1,,,a.txt\n", encoding="utf-8")
    before = world.raw()
    r = fails(world.cli("material", "import", str(csv)), 2)
    assert r.stderr.startswith(f"{csv}:4:")  # a row naming neither a criterion nor a document
    csv.write_text("unit,criterion,document,path\nU1,A,,a.txt\nU1,,营业执照,a.txt\n", encoding="utf-8")
    r = fails(world.cli("material", "import", str(csv)), 2)
    assert r.stderr.startswith(f"{csv}:3:") and "营业执照" in r.stderr
    assert world.raw() == before


def test_evidence_helper_still_nominates_without_documents(world):
    # The small criteria list no documents: nothing more is asked of a nomination.
    to_nomination(world, codes=("U1",))
    assert nomination.nominate(world.ctx(), ["U1"]) == ["U1"]


def test_selfcheck_gap_is_a_record(world):
    create_campaign(world)
    self_score(world, "U1")
    gap = selfcheck.add_gap(world.ctx(), "U1", "A1", "目录未公开", "限期公开", None)
    assert isinstance(gap, Gap) and gap.id == "1"
    assert selfcheck.set_gap_status(world.ctx(), "U1", "1", "done").status == "done"
    assert world.entry("U1")["gaps"][0]["status"] == "done"
    assert json.loads(json.dumps(world.entry("U1")))["gaps"][0]["problem"] == "目录未公开"


# ----------------------------------------------------------------------------- 3. 初审: returned for 补正


def nominated(world, codes=("U1", "U2"), **kw) -> None:
    to_nomination(world, codes=codes, **kw)
    nomination.nominate(world.ctx(), list(codes))


def test_the_office_returns_a_nomination_and_the_unit_adds_and_nominates_again(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    nominated(world, codes=("U1",))
    entry = nomination.return_nomination(world.ctx(), "U1", "请补充领导班子会议纪要", "2024-03-08")
    assert (entry.status, entry.review_due) == ("returned", "2024-03-08")
    assert entry.review_request == "请补充领导班子会议纪要"
    last = world.db.snapshot().audit.values()[-1]
    assert last["action"] == "review.return" and last["after"]["review_due"] == "2024-03-08"
    # Its materials unfreeze for the clerk, who adds and nominates again by the date.
    minutes = world.dir / "会议纪要.pdf"
    minutes.write_bytes(b"%PDF minutes")
    filed = nomination.add_materials(world.ctx("clerk1"), [nomination.MaterialRequest("U1", str(minutes), "A")])
    assert filed.added == 1
    assert nomination.nominate(world.ctx("clerk1"), ["U1"]) == ["U1"]
    stored = world.entry("U1")
    assert stored["status"] == "nominated" and not stored["nomination_late"]
    assert [m["supplement"] for m in stored["materials"]] == [False, False, False]


def test_a_returned_unit_past_its_due_date_is_late(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    nominated(world, codes=("U1",), nomination_due="2024-03-20")
    nomination.return_nomination(world.ctx(), "U1", "补正", "2024-03-04")
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-05")
    with pytest.raises(Refused) as e:
        nomination.nominate(world.ctx("clerk1"), ["U1"])
    assert e.value.key == "deadline.passed" and "2024-03-04" in e.value.render()
    with pytest.raises(Refused):
        nomination.nominate(world.ctx(), ["U1"])  # the office too, without a reason
    nomination.nominate(world.ctx(), ["U1"], reason="补正材料邮寄延误")
    assert world.entry("U1")["nomination_late"] is True


def test_only_a_nominated_unit_is_returned_and_only_by_the_office(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    to_nomination(world, codes=("U1", "U2"))
    nomination.nominate(world.ctx(), ["U2"])
    before = world.raw()
    for ctx, code, request, due, key in [
        (world.ctx(), "U1", "补正", None, "review.not_nominated"),
        (world.ctx("clerk2"), "U2", "补正", None, "perm.role"),
        (world.ctx(), "U2", "  ", None, "review.request_empty"),
        (world.ctx(), "U2", "补正", "2024-02-01", "review.due_past"),
    ]:
        with pytest.raises((Refused, BadInput)) as e:
            nomination.return_nomination(ctx, code, request, due)
        assert e.value.key == key
    assert world.raw() == before


def test_review_return_from_the_command_line(world):
    env = {"MODELUNIT_TODAY": "2024-03-01"}
    nominated(world, codes=("U1", "U2"))
    before = world.raw()
    fails(world.cli("review", "return", "U1"), 2)  # --request is required
    fails(world.cli("review", "return", "U1", "--request", "补正", user="clerk1"), 1)
    fails(world.cli("review", "return", "U9", "--request", "补正"), 2)
    fails(world.cli("review", "return", "U1", "--request", "补正", "--due", "2024-13-01", env=env), 2)
    assert world.raw() == before
    r = ok(world.cli("review", "return", "U1", "--request", "请补充\n会议纪要", "--due", "2024-03-06", env=env))
    assert "U1" in r.stdout and "2024-03-06" in r.stdout and len(r.stdout.strip().splitlines()) == 1
    # The unit sees it in its list, in its own words.
    listing = json.loads(ok(world.cli("unit", "list", "--format", "json", user="clerk1")).stdout)
    assert [(u["code"], u["status"]) for u in listing] == [("U1", "returned")]
    assert "退回补正" in ok(world.cli("unit", "list", user="clerk1")).stdout
    fails(world.cli("review", "return", "U1", "--request", "再补", env=env), 1)  # already returned


def test_units_still_returned_when_nomination_closes_are_not_nominated(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    nominated(world, codes=("U1", "U2"))
    nomination.return_nomination(world.ctx(), "U2", "补正", "2024-03-01")
    plan = campaigns.preview_advance(world.ctx())
    assert [(m.unit, m.status) for m in plan.moves] == [("U2", "not_nominated"), ("U3", "not_nominated"),
                                                        ("U4", "not_nominated")]
    assert "2024-03-01" in plan.moves[0].why.render() and "退回补正" in plan.moves[0].why.render()
    result = campaigns.advance(world.ctx())
    assert result.changed == plan.changed() == {"not_nominated": ["U2", "U3", "U4"]}
    assert world.entry("U2")["status"] == "not_nominated"


async def test_the_unit_page_shows_the_request_as_plain_text(world, monkeypatch):
    from tests.test_tui import SIZE, app_for, open_unit, show_tab, text_of

    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    nominated(world, codes=("U1",))
    nomination.return_nomination(world.ctx(), "U1", "[b]补充[/b] 领导班子会议纪要", "2024-03-08")
    async with app_for(world.db, "clerk1").run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_unit(pilot, "U1")
        await show_tab(pilot, "nomination")
        assert text_of(screen.query_one("#review-request")) == "[b]补充[/b] 领导班子会议纪要"
        assert "2024-03-08" in " ".join(text_of(w) for w in screen.query(".section"))
        assert not screen.query_one("#nominate").disabled  # it may nominate again


# ----------------------------------------------------------------------------- 4. guarded stages


def test_advance_to_anything_but_the_next_stage_is_refused(world):
    create_campaign(world)
    before = world.raw()
    r = fails(world.cli("campaign", "advance", "--to", "inspection"), 1)
    assert "自荐申报" in r.stderr and "考察认定" in r.stderr
    fails(world.cli("campaign", "advance", "--to", "selfcheck"), 1)
    fails(world.cli("campaign", "advance", "--to", "holiday"), 2)
    assert world.raw() == before
    ok(world.cli("campaign", "advance", "--to", "nomination"))
    fails(world.cli("campaign", "advance", "--to", "nomination"), 1)  # repeated: never skips on
    assert world.db.snapshot().campaigns.get("2024-1")["stage"] == "nomination"


def test_closing_a_stage_before_its_due_date_needs_a_reason(world, monkeypatch):
    env = {"MODELUNIT_TODAY": "2024-03-01"}
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    create_campaign(world, selfcheck_due="2024-03-10", nomination_due="2024-03-01")
    before = world.raw()
    r = fails(world.cli("campaign", "advance", env=env), 1)
    assert "--reason" in r.stderr and "2024-03-10" in r.stderr
    assert world.raw() == before
    ok(world.cli("campaign", "advance", "--reason", "各单位已全部提交", env=env))
    log = world.db.snapshot().campaigns.get("2024-1")["stage_log"]
    assert log[-1]["stage"] == "nomination" and log[-1]["reason"] == "各单位已全部提交"
    # The due day itself is still open to the units: closing is on time from the next day.
    fails(world.cli("campaign", "advance", env=env), 1)
    ok(world.cli("campaign", "advance", env={"MODELUNIT_TODAY": "2024-03-02"}))


def test_leaving_inspection_with_an_unsubmitted_sheet_needs_a_reason(world, monkeypatch):
    from tests.helpers import FULL, score, to_inspection

    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    to_inspection(world, codes=("U1", "U2"))
    for code in ("U1", "U2"):
        for name in ("i1", "i2"):
            score(world, code, name, FULL)
    from modelunit.domain import sheets

    sheets.submit_scores(world.ctx(), "U1", None)
    sheets.submit_scores(world.ctx(), "U2", "i1")
    before = world.raw()
    with pytest.raises(Refused) as e:
        campaigns.advance(world.ctx())
    assert e.value.key == "advance.reason_needed" and "U2/i2" in e.value.render()
    assert world.raw() == before
    result = campaigns.advance(world.ctx(), reason="考察组成员因病缺席")
    assert result.changed["not_selected"] == ["U2"] and world.entry("U2")["status"] == "not_selected"


def test_leaving_inspection_says_why_each_unit_is_not_selected(world, monkeypatch):
    from modelunit.domain import sheets
    from tests.helpers import FULL, score, to_inspection

    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    to_inspection(world, codes=("U1", "U2", "U4"))
    low = {item: points / 2 for item, points in FULL.items()}  # complete, but under the pass line
    for name in ("i1", "i2"):
        score(world, "U1", name, FULL)
        score(world, "U2", name, low)
    score(world, "U4", "i1", FULL)  # one sheet of two: incomplete
    for code in ("U1", "U2"):
        sheets.submit_scores(world.ctx(), code, None)
    sheets.submit_scores(world.ctx(), "U4", "i1")
    r = ok(world.cli("campaign", "advance", "--reason", "考察组成员因病缺席",
                     env={"MODELUNIT_TODAY": "2024-03-01"}))
    lines = r.stdout.splitlines()
    assert "拟命名：U1" in lines
    assert "未入选（未达标）：U2" in lines and "未入选（未完成）：U4" in lines


def test_a_dry_run_lists_who_drops_out_and_why_and_changes_nothing(world, monkeypatch):
    env = {"MODELUNIT_TODAY": "2024-03-01"}
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    create_campaign(world, selfcheck_due="2024-03-10")
    self_score(world, "U1")
    selfcheck.submit_selfcheck(world.ctx(), ["U1"])
    ok(world.cli("campaign", "advance", "--reason", "提前", env=env))
    before = world.raw()
    r = ok(world.cli("campaign", "advance", "--dry-run", env=env))
    assert world.raw() == before
    lines = r.stdout.strip().splitlines()
    assert "试运行" in lines[0] and "考察认定" in lines[0]
    assert any(line.startswith("U1 → 未申报") and "未申报" in line for line in lines)
    assert any(line.startswith("U2 → 未申报") and "未提交自查" in line for line in lines)
    r = ok(world.cli("--lang", "en", "campaign", "advance", "--dry-run", "--to", "inspection", env=env))
    assert "U2 → not nominated: self-check not submitted" in r.stdout
    fails(world.cli("campaign", "advance", "--dry-run", "--to", "award", env=env), 1)
    assert world.raw() == before


def test_two_advances_at_once_never_skip_a_stage(world):
    import subprocess
    import sys

    from tests.conftest import PASSWORD

    create_campaign(world)
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("MODELUNIT_")}
    env.update(MODELUNIT_DB=world.db.path, MODELUNIT_USER="office", MODELUNIT_PASSWORD=PASSWORD)
    cmd = [sys.executable, "-c", "import sys; from modelunit.cli.main import main; sys.exit(main())",
           "campaign", "advance", "--to", "nomination"]
    procs = [subprocess.Popen(cmd, env=env, cwd=world.dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    codes = sorted(p.wait(timeout=120) for p in procs)
    errors = [p.stderr.read() for p in procs]
    assert codes == [0, 1], errors
    campaign = world.db.snapshot().campaigns.get("2024-1")
    assert campaign["stage"] == "nomination"
    assert [e["stage"] for e in campaign["stage_log"]] == ["selfcheck", "nomination"]


# ----------------------------------------------------------------------------- 5. 审定 and certificates


def in_publicity(world, monkeypatch, **kw) -> None:
    """U1 and U2 candidates, publicity started on Mon 2024-03-04 (3 working days: to Wed 03-06)."""
    from modelunit.domain import publicity, sheets
    from tests.helpers import FULL, score, to_inspection

    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    to_inspection(world, codes=("U1", "U2"), **kw)
    for code in ("U1", "U2"):
        for name in ("i1", "i2"):
            score(world, code, name, FULL)
    sheets.submit_scores(world.ctx(), everyone=True)
    campaigns.advance(world.ctx())
    publicity.start_publicity(world.ctx(), "2024-03-04")


def test_award_needs_the_decision_and_records_it(world, monkeypatch):
    in_publicity(world, monkeypatch)
    env = {"MODELUNIT_TODAY": "2024-03-08"}
    ok(world.cli("campaign", "advance", env=env))
    before = world.raw()
    fails(world.cli("award", env=env), 2)
    fails(world.cli("award", "--decided-by", "区人民政府", env=env), 2)
    fails(world.cli("award", "--decided-by", " ", "--decision-ref", "区政府〔2024〕3号", env=env), 2)
    fails(world.cli("award", "--decided-by", "区人民政府", "--decision-ref", "x", user="clerk1", env=env), 1)
    assert world.raw() == before
    r = ok(world.cli("award", "--decided-by", "某某区人民政府", "--decision-ref", "区政府〔2024〕3号",
                     "--date", "2024-03-08", env=env))
    assert "2024-01-001" in r.stdout and "区政府〔2024〕3号" in r.stdout
    campaign = world.db.snapshot().campaigns.get("2024-1")
    assert (campaign["decided_by"], campaign["decision_ref"], campaign["decision_date"]) == (
        "某某区人民政府", "区政府〔2024〕3号", "2024-03-08")
    decision = [e for e in world.db.snapshot().audit.values() if e["action"] == "award.decision"]
    assert len(decision) == 1 and decision[0]["after"]["units"] == ["U1", "U2"]


def test_certificate_numbers_follow_the_criteria_format(world, monkeypatch):
    from modelunit.domain import publicity

    world.criteria.write_text(SMALL_CRITERIA + 'naming:\n  certificate_format: "示范{year}{batch:02d}-{seq:04d}"\n',
                              encoding="utf-8")
    in_publicity(world, monkeypatch)
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-08")
    campaigns.advance(world.ctx())
    done = publicity.award(world.ctx(), "区人民政府", "区政府〔2024〕3号")
    assert done == [("U1", "示范202401-0001"), ("U2", "示范202401-0002")]


# ----------------------------------------------------------------------------- 6. the notice's data


def test_campaign_contacts_and_make_up_days_are_set_at_create(world):
    r = ok(world.cli("campaign", "create", "--year", "2024", "--batch", "1", "--criteria", str(world.criteria),
                     "--contact-phone", "0000-1234567", "--contact-address", "人民路1号",
                     "--contact-email", "fzb@example.gov.cn", "--holidays", "2024-02-12,2024-02-13",
                     "--workdays", "2024-02-18"))
    assert r.stdout.strip().splitlines()[-1] == "2024-1"
    c = world.db.snapshot().campaigns.get("2024-1")
    assert (c["contact_phone"], c["contact_address"], c["contact_email"]) == (
        "0000-1234567", "人民路1号", "fzb@example.gov.cn")
    assert c["workdays"] == ["2024-02-18"] and c["holidays"] == ["2024-02-12", "2024-02-13"]
    before = world.raw()
    fails(world.cli("campaign", "create", "--year", "2024", "--batch", "2", "--criteria", str(world.criteria),
                    "--holidays", "2024-02-18", "--workdays", "2024-02-18"), 2)
    fails(world.cli("campaign", "create", "--year", "2024", "--batch", "2", "--criteria", str(world.criteria),
                    "--workdays", "2024-02-30"), 2)
    assert world.raw() == before


def test_working_days_count_holidays_and_make_up_saturdays():
    from datetime import date

    from modelunit.domain.calendar import add_working_days, is_working_day, working_days_left

    # 春节 2024: Feb 10–17 off, Sunday Feb 4 and Sunday Feb 18 worked (调休).
    holidays = {date(2024, 2, d) for d in (12, 13, 14, 15, 16)}
    workdays = {date(2024, 2, 4), date(2024, 2, 18)}
    assert is_working_day(date(2024, 2, 18), holidays, workdays)
    assert not is_working_day(date(2024, 2, 18), holidays)
    assert not is_working_day(date(2024, 2, 13), holidays, workdays)
    # Seven working days from Thu Feb 8: 8, 9, 18, 19, 20, 21, 22.
    assert add_working_days(date(2024, 2, 8), 7, holidays, workdays) == date(2024, 2, 22)
    assert add_working_days(date(2024, 2, 8), 7, holidays) == date(2024, 2, 23)
    assert working_days_left(date(2024, 2, 17), date(2024, 2, 19), holidays, workdays) == 2


def test_publicity_over_a_holiday_counts_the_make_up_day(world, monkeypatch):
    from modelunit.domain import publicity, views

    # 国庆 2024: Oct 1–7 off, Sunday Sep 29 and Saturday Oct 12 worked; 3 working days from Sep 29.
    in_publicity_on = "2024-09-29"
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    holidays = [f"2024-10-0{d}" for d in range(1, 8)]
    from tests.helpers import FULL, score, to_inspection

    to_inspection(world, codes=("U1",), holidays=holidays, workdays=["2024-09-29", "2024-10-12"])
    for name in ("i1", "i2"):
        score(world, "U1", name, FULL)
    from modelunit.domain import sheets

    sheets.submit_scores(world.ctx(), everyone=True)
    campaigns.advance(world.ctx())
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-09-27")
    start, end, _ = publicity.start_publicity(world.ctx(), in_publicity_on)
    assert (start, end) == ("2024-09-29", "2024-10-08")  # Sep 29 (调休), Sep 30, Oct 8
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-09-30")
    assert views.dashboard(world.ctx()).days_left == 2


def test_an_objection_records_who_objected_and_its_id_stays_the_last_line(world, monkeypatch):
    in_publicity(world, monkeypatch)
    env = {"MODELUNIT_TODAY": "2024-03-05"}
    r = ok(world.cli("objection", "add", "U1", "--text", "执法程序不规范", "--source", "来信",
                     "--objector", "张三", "--organisation", "某某公司", "--contact", "138 0000 0000", env=env))
    assert r.stdout.strip().splitlines()[-1] == "1"
    stored = world.db.snapshot().objections.get("1")
    assert (stored["objector"], stored["organisation"], stored["contact"]) == ("张三", "某某公司", "138 0000 0000")
    r = ok(world.cli("objection", "add", "U2", "--text", "匿名来电", env=env))
    assert r.stdout.strip() == "2" and world.db.snapshot().objections.get("2")["objector"] == ""


# ----------------------------------------------------------------------------- 7. what a new user tripped over


def test_an_objection_outside_the_publicity_period_is_refused(world, monkeypatch):
    in_publicity(world, monkeypatch)  # Mon 2024-03-04 .. Wed 2024-03-06
    before = world.raw()
    r = fails(world.cli("objection", "add", "U1", "--text", "x", env={"MODELUNIT_TODAY": "2024-03-01"}), 1)
    assert "2024-03-04" in r.stderr and "2024-03-06" in r.stderr
    fails(world.cli("objection", "add", "U1", "--text", "x", "--date", "2024-03-07",
                    env={"MODELUNIT_TODAY": "2024-03-07"}), 1)
    assert world.raw() == before
    ok(world.cli("objection", "add", "U1", "--text", "x", "--date", "2024-03-06",
                 env={"MODELUNIT_TODAY": "2024-03-06"}))


def test_a_late_self_check_follows_the_late_nomination_rule(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    create_campaign(world, selfcheck_due="2024-03-01")
    monkeypatch.delenv("MODELUNIT_TODAY")
    self_score(world, "U1")
    self_score(world, "U2")
    ok(world.cli("selfcheck", "submit", "U2", user="clerk2", env={"MODELUNIT_TODAY": "2024-03-01"}))
    assert world.entry("U2")["selfcheck_late"] is False
    env = {"MODELUNIT_TODAY": "2024-03-02"}
    before = world.raw()
    r = fails(world.cli("selfcheck", "submit", "U1", user="clerk1", env=env), 1)
    assert "2024-03-01" in r.stderr
    r = fails(world.cli("selfcheck", "submit", "U1", env=env), 1)
    assert "--reason" in r.stderr
    assert world.raw() == before
    ok(world.cli("selfcheck", "submit", "U1", "--reason", "系统故障延误", env=env))
    entry = world.entry("U1")
    assert (entry["status"], entry["selfcheck_late"], entry["selfcheck_reason"]) == (
        "selfcheck_submitted", True, "系统故障延误")


def test_score_sheets_when_no_unit_awaits_inspection_say_so(world, tmp_path):
    create_campaign(world)
    folder = tmp_path / "sheets"
    folder.mkdir()
    before = world.raw()
    r = fails(world.cli("export", "--score-sheets", str(folder)), 1)
    assert "没有待考察的单位" in r.stderr
    assert list(folder.iterdir()) == [] and world.raw() == before


def test_unit_list_shows_contact_and_phone(world, tmp_path):
    csv = tmp_path / "u.csv"
    csv.write_text("code,name,type,contact,phone\nU5,新华镇,township,李四,0000-7654321\n", encoding="utf-8")
    ok(world.cli("unit", "import", str(csv)))
    create_campaign(world)
    listing = {u["code"]: u for u in json.loads(ok(world.cli("unit", "list", "--format", "json")).stdout)}
    assert list(listing["U5"]) == ["code", "name", "type", "status", "certificate", "contact", "phone"]
    assert (listing["U5"]["contact"], listing["U5"]["phone"]) == ("李四", "0000-7654321")
    lines = ok(world.cli("unit", "list", "--format", "csv")).stdout.lstrip("\ufeff").splitlines()
    assert lines[0] == "单位代码,单位名称,类型,状态,证书编号,联系人,联系电话"
    assert "U5,新华镇,乡镇,已登记,,李四,0000-7654321" in lines


async def test_the_dashboard_award_asks_for_the_decision(world, monkeypatch):
    from textual.widgets import Input

    from modelunit.tui.dialogs.form_dialog import FormDialog
    from tests.test_tui import SIZE, app_for, settle

    in_publicity(world, monkeypatch)
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-08")
    campaigns.advance(world.ctx())
    async with app_for(world.db, "office").run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(pilot.app.screen, FormDialog)
        await pilot.click("#ok")  # nothing entered: the dialog stays, nothing is named
        await pilot.pause()
        assert isinstance(pilot.app.screen, FormDialog) and world.entry("U1")["status"] == "approved"
        pilot.app.screen.query_one("#f-decided_by", Input).focus()
        await pilot.press(*"区政府")
        pilot.app.screen.query_one("#f-decision_ref", Input).focus()
        await pilot.press(*"区政府2024第3号")
        await pilot.click("#ok")
        await settle(pilot)
    campaign = world.db.snapshot().campaigns.get("2024-1")
    assert (campaign["decided_by"], campaign["decision_ref"]) == ("区政府", "区政府2024第3号")
    assert world.entry("U1")["certificate"] == "2024-01-001"
