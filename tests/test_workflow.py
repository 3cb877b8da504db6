"""A campaign from registration to certificates, and each rule of DESIGN §3 on the way.

Every refusal is checked twice: the error the user sees, and the database file
left byte-for-byte as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from modelunit.domain import (
    assignment,
    audit,
    campaigns,
    nomination,
    publicity,
    selfcheck,
    sheets,
    standings,
    units,
    vetoes,
)
from modelunit.domain.criteria import read_criteria_file
from modelunit.errors import BadInput, LineErrors, ModelUnitError, Refused
from tests.conftest import SMALL_CRITERIA, create_campaign, rows
from tests.helpers import FULL, score, self_score, to_inspection, to_nomination


@pytest.fixture
def world(any_world):
    """Every workflow test runs on the TinyDB file and on PostgreSQL."""
    return any_world


def refused(world, fn, *args, kind=Refused, key: str | None = None, **kw) -> ModelUnitError:
    """Call an action that must be refused; assert the database did not change."""
    before = world.raw()
    with pytest.raises(kind) as info:
        fn(*args, **kw)
    assert world.raw() == before, "a refused action changed the database"
    if key is not None:
        keys = [p[2].key for p in info.value.problems] if isinstance(info.value, LineErrors) else [info.value.key]
        assert key in keys, keys
    return info.value


# ----------------------------------------------------------------------------- end to end


def test_a_whole_campaign_reaches_numbered_certificates(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    to_inspection(world, quota=2)
    score(world, "U1", "i1", {**FULL, "X1": 2})
    score(world, "U1", "i2", {**FULL, "A1": 5})
    score(world, "U2", "i1", {"A1": 5, "A2": 3, "B1": 4, "B2": 4})
    score(world, "U2", "i2", {"A1": 5, "A2": 3, "B1": 4, "B2": 4.5})
    score(world, "U4", "i1", {"A1": 2, "A2": 1, "B1": 2, "B2": 2})
    score(world, "U4", "i2", {"A1": 2, "A2": 1, "B1": 2, "B2": 2})
    sheets.submit_scores(world.ctx(), everyone=True)
    assert world.entry("U1")["status"] == "inspected"

    result = campaigns.advance(world.ctx())
    assert result.stage == "publicity"
    assert sorted(result.changed["candidate"]) == ["U1", "U2"]
    assert result.changed["not_selected"] == ["U4"]
    start, end, moved = publicity.start_publicity(world.ctx(), "2024-03-04")  # a Monday
    assert (start, end) == ("2024-03-04", "2024-03-06")  # 3 working days
    assert sorted(moved) == ["U1", "U2"]

    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-06")
    refused(world, campaigns.advance, world.ctx(), key="publicity.running")
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-07")
    campaigns.advance(world.ctx())
    assert world.entry("U1")["status"] == "approved"
    awarded = publicity.award(world.ctx(), "区人民政府", "区政府〔2024〕1号", "2024-03-08")
    assert awarded == [("U1", "2024-01-001"), ("U2", "2024-01-002")]
    assert world.entry("U2")["certificate"] == "2024-01-002"
    views = {v.code: v for v in units.list_units(world.ctx())}
    assert views["U1"].certificate == "2024-01-001" and views["U1"].status == "awarded"
    refused(world, publicity.award, world.ctx(), "区人民政府", "区政府〔2024〕1号",
            key="award.none")  # numbers are never handed out twice
    assert audit.verify(world.db.snapshot()).ok


# ----------------------------------------------------------------------------- stage 1


def test_selfcheck_submit_needs_every_item(world):
    create_campaign(world)
    selfcheck.import_selfcheck(world.ctx("clerk1"), rows({"unit": "U1", "item": "A1", "score": 5}), "s.csv")
    err = refused(world, selfcheck.submit_selfcheck, world.ctx("clerk1"), ["U1"], key="selfcheck.incomplete")
    assert err.params["count"] == 3
    self_score(world, "U1", "clerk1")
    assert selfcheck.submit_selfcheck(world.ctx("clerk1"), ["U1"]) == ["U1"]
    assert world.entry("U1")["status"] == "selfcheck_submitted"
    refused(world, selfcheck.import_selfcheck, world.ctx("clerk1"),
            rows({"unit": "U1", "item": "A1", "score": 1}), "s.csv", kind=LineErrors, key="selfcheck.frozen")


def test_a_clerk_touches_only_their_own_unit(world):
    create_campaign(world)
    err = refused(world, selfcheck.import_selfcheck, world.ctx("clerk1"),
                  rows({"unit": "U1", "item": "A1", "score": 5}, {"unit": "U2", "item": "A1", "score": 5}),
                  "s.csv", kind=LineErrors, key="perm.not_own_unit")
    assert err.lines() == ["s.csv:3: 只能操作本单位的数据（U2 不是您的单位）"]
    assert err.exit_code == 1
    refused(world, selfcheck.submit_selfcheck, world.ctx("clerk1"), ["U2"], key="perm.not_own_unit")


def test_self_scores_are_checked_against_points_and_step(world):
    create_campaign(world)
    err = refused(world, selfcheck.import_selfcheck, world.ctx(),
                  rows({"unit": "U1", "item": "A1", "score": 7}, {"unit": "U1", "item": "A2", "score": "1.3"},
                       {"unit": "U1", "item": "ZZ", "score": 1}, {"unit": "U9", "item": "A1", "score": 1},
                       {"unit": "U1", "item": "B1", "score": "abc"}), "s.csv", kind=LineErrors)
    assert [line for _, line, _ in err.problems] == [2, 3, 4, 5, 6]
    assert err.exit_code == 2


def test_selfcheck_deadline_binds_clerks_not_the_office(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")  # a due date lies within a year of the campaign's start
    create_campaign(world, selfcheck_due="2024-04-30")
    self_score(world, "U1", "clerk1")
    self_score(world, "U2")
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-05-01")
    refused(world, selfcheck.submit_selfcheck, world.ctx("clerk1"), ["U1"], key="deadline.passed")
    refused(world, selfcheck.submit_selfcheck, world.ctx(), ["U2"], key="selfcheck.late_reason")
    selfcheck.submit_selfcheck(world.ctx(), ["U2"], reason="材料报送延误")
    assert world.entry("U2")["selfcheck_late"] is True


# ----------------------------------------------------------------------------- stage 2


def test_nomination_needs_selfcheck_and_evidence_for_every_criterion(world):
    cid = create_campaign(world)
    self_score(world, "U1")
    selfcheck.submit_selfcheck(world.ctx(), ["U1"])
    campaigns.advance(world.ctx())
    refused(world, nomination.nominate, world.ctx(), ["U2"], key="nominate.no_selfcheck")
    f = world.dir / "a.txt"
    f.write_text("台账", encoding="utf-8")
    nomination.add_materials(world.ctx("clerk1"), [nomination.MaterialRequest("U1", str(f), "A")])
    err = refused(world, nomination.nominate, world.ctx("clerk1"), ["U1"], key="nominate.evidence")
    assert err.params["criteria"] == "B"
    nomination.add_materials(world.ctx("clerk1"), [nomination.MaterialRequest("U1", str(f), "B", "规范")])
    assert nomination.nominate(world.ctx("clerk1"), ["U1"], recommended_by="区政府办") == ["U1"]
    entry = world.entry("U1", cid)
    assert entry["status"] == "nominated" and entry["recommended_by"] == "区政府办"


def test_late_nomination_is_for_the_office_with_a_reason(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    cid = to_nomination(world, nomination_due="2024-06-15")
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-06-15")
    nomination.nominate(world.ctx("clerk2"), ["U2"])  # on the deadline day itself: still on time
    assert world.entry("U2", cid)["nomination_late"] is False
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-06-16")
    refused(world, nomination.nominate, world.ctx("clerk1"), ["U1"], key="deadline.passed")
    refused(world, nomination.nominate, world.ctx(), ["U1"], key="nominate.late_reason")
    nomination.nominate(world.ctx(), ["U1"], reason="材料邮寄延误")
    entry = world.entry("U1", cid)
    assert entry["nomination_late"] is True and entry["nomination_reason"] == "材料邮寄延误"


def test_materials_freeze_on_nomination_and_supplements_need_the_office(world):
    to_nomination(world)
    nomination.nominate(world.ctx(), ["U1"])
    f = world.dir / "extra.txt"
    f.write_text("补充", encoding="utf-8")
    req = [nomination.MaterialRequest("U1", str(f), "A")]
    refused(world, nomination.add_materials, world.ctx("clerk1"), req, key="material.frozen")
    refused(world, nomination.add_materials, world.ctx(), req, key="material.supplement_reason")
    nomination.add_materials(world.ctx(), req, reason="考察组要求补充")
    assert world.entry("U1")["materials"][-1]["supplement"] is True


def test_evidence_is_stored_by_content_and_changes_are_reported(world):
    to_nomination(world, codes=("U1",))
    records = nomination.verify_materials(world.ctx())
    assert {r["state"] for r in records} == {"ok"}
    blob = Path(world.db.evidence_dir) / records[0]["sha256"][:2] / records[0]["sha256"]
    assert blob.read_text(encoding="utf-8") == "U1 A 台账"
    blob.write_text("tampered", encoding="utf-8")
    other = Path(world.db.evidence_dir) / records[1]["sha256"][:2] / records[1]["sha256"]
    other.unlink()
    states = {r["criterion"]: r["state"] for r in nomination.verify_materials(world.ctx())}
    assert states == {"A": "changed", "B": "missing"}


def test_a_missing_evidence_file_is_bad_input(world):
    to_nomination(world, codes=("U1",))
    refused(world, nomination.add_materials, world.ctx(),
            [nomination.MaterialRequest("U1", str(world.dir / "nope.pdf"), "A")], kind=BadInput,
            key="file.unreadable")
    refused(world, nomination.add_materials, world.ctx(),
            [nomination.MaterialRequest("U1", str(world.dir / "U1-A.txt"), "Q")], kind=BadInput,
            key="criterion.unknown")


# ----------------------------------------------------------------------------- stage 3


def test_only_inspectors_are_assigned_and_only_to_nominated_units(world):
    to_nomination(world, codes=("U1", "U2", "U4"))
    nomination.nominate(world.ctx(), ["U1"])
    refused(world, assignment.assign, world.ctx(), [("U1", "clerk1")], key="inspect.not_inspector")
    refused(world, assignment.assign, world.ctx(), [("U1", "ghost")], kind=BadInput, key="user.unknown")
    refused(world, assignment.assign, world.ctx(), [("U2", "i1")], key="inspect.not_nominated")
    assignment.assign(world.ctx(), [("U1", "i3")])
    assert world.entry("U1")["inspectors"] == ["i3"]


def test_recusal_refuses_an_inspector_on_their_home_unit(world):
    to_nomination(world, codes=("U3",))
    nomination.nominate(world.ctx(), ["U3"])
    err = refused(world, assignment.assign, world.ctx(), [("U3", "i1"), ("U3", "i3")], key="inspect.recusal")
    assert "i3" in err.render()


def test_scores_outside_range_or_step_are_refused_with_their_line(world):
    to_inspection(world)
    err = refused(world, score, world, "U1", "i1", {"A1": 6.5, "A2": "0.25", "B1": -1, "X1": 3, "B2": "x"},
                  kind=LineErrors)
    assert [line for _, line, _ in err.problems] == [2, 3, 4, 5, 6]
    assert {e.key for _, _, e in err.problems} == {"score.out_of_range", "score.not_step", "score.not_number"}


def test_an_inspector_enters_only_their_own_rows_on_assigned_units(world):
    to_inspection(world, codes=("U1", "U2"), team=("i2",))
    assignment.assign(world.ctx(), [("U1", "i1")])
    refused(world, score, world, "U1", "i2", {"A1": 1}, actor="i1", kind=LineErrors, key="score.not_own_row")
    refused(world, score, world, "U2", "i1", {"A1": 1}, actor="office", kind=LineErrors, key="score.not_assigned")
    refused(world, score, world, "U2", "i1", {"A1": 1}, kind=LineErrors, key="perm.not_assigned")
    refused(world, score, world, "U1", "i1", {"A1": 1}, actor="clerk1", key="perm.role")


def test_submitted_sheets_lock_and_only_the_office_changes_them_with_a_reason(world):
    to_inspection(world)
    score(world, "U1", "i1", FULL)
    refused(world, sheets.submit_scores, world.ctx("i2"), "U1", key="score.incomplete")
    sheets.submit_scores(world.ctx("i1"), "U1")
    refused(world, score, world, "U1", "i1", {"A1": 1}, kind=LineErrors, key="score.locked")
    refused(world, score, world, "U1", "i1", {"A1": 1}, actor="office", kind=LineErrors, key="score.locked_reason")
    score(world, "U1", "i1", {"A1": 1}, actor="office", reason="考察组复核更正")
    last = audit.entries(world.db.snapshot())[-1]
    assert last["action"] == "score.edit" and last["user"] == "office"
    assert last["before"] == {"A1": "6"} and last["after"] == {"scores": {"A1": "1"}, "reason": "考察组复核更正"}


def test_a_unit_is_inspected_once_enough_sheets_are_submitted(world):
    to_inspection(world, team=("i1", "i2", "i3"))
    for name in ("i1", "i2"):
        score(world, "U1", name, FULL)
    sheets.submit_scores(world.ctx("i1"), "U1")
    assert world.entry("U1")["status"] == "nominated"
    sheets.submit_scores(world.ctx(), "U1", "i2")
    assert world.entry("U1")["status"] == "inspected"  # min_inspectors = 2


def test_inspectors_see_only_their_own_scores_and_clerks_none_before_award(world):
    to_inspection(world)
    score(world, "U1", "i1", FULL)
    score(world, "U1", "i2", {"A1": 3})
    mine = sheets.list_scores(world.ctx("i1"))
    assert {r["inspector"] for r in mine} == {"i1"} and len(mine) == 4
    assert len(sheets.list_scores(world.ctx())) == 5
    with pytest.raises(Refused):
        sheets.list_scores(world.ctx("clerk1"))
    with pytest.raises(Refused):
        standings.view_tally(world.ctx("i1"))


def test_leaving_inspection_makes_incomplete_units_not_selected(world):
    to_inspection(world)
    score(world, "U1", "i1", FULL)
    score(world, "U1", "i2", FULL)
    score(world, "U2", "i1", FULL)
    sheets.submit_scores(world.ctx(), everyone=True)
    with pytest.raises(Refused):  # U2's and U4's assigned sheets are not in: the office says why it closes
        campaigns.advance(world.ctx())
    result = campaigns.advance(world.ctx(), reason="考察期结束")
    assert result.changed == {"candidate": ["U1"], "not_selected": ["U2", "U4"]}
    tally = standings.view_tally(world.ctx())[1]
    assert [(r.code, r.rank, r.complete) for r in tally.rows] == [("U1", 1, True), ("U2", None, False),
                                                                    ("U4", None, False)]


def test_a_veto_makes_a_top_unit_ineligible(world):
    to_inspection(world)
    for name in ("i1", "i2"):
        score(world, "U1", name, FULL)
    sheets.submit_scores(world.ctx(), everyone=True)
    refused(world, vetoes.veto, world.ctx(), "U1", "V9", "x", kind=BadInput, key="veto.unknown")
    refused(world, vetoes.veto, world.ctx("i1"), "U1", "V1", "x", key="perm.role")
    vetoes.veto(world.ctx(), "U1", "V1", "行政诉讼败诉")
    row = standings.view_tally(world.ctx())[1].rows[0]
    assert (row.vetoed, row.eligible, row.candidate, row.total) == (True, False, False, 20)


# ----------------------------------------------------------------------------- stages 4 and 5


def _publicity(world, monkeypatch, holidays=()):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-09-20")
    to_inspection(world, codes=("U1", "U2"), holidays=list(holidays))
    for code in ("U1", "U2"):
        for name in ("i1", "i2"):
            score(world, code, name, FULL)
    sheets.submit_scores(world.ctx(), everyone=True)
    campaigns.advance(world.ctx())


def test_publicity_counts_working_days_without_weekends_and_holidays(world, monkeypatch):
    _publicity(world, monkeypatch, holidays=["2024-10-01", "2024-10-02"])
    start, end, _ = publicity.start_publicity(world.ctx(), "2024-09-27")  # Friday
    # Fri 27 (1), Mon 30 (2), Tue 1 Oct holiday, Wed 2 holiday, Thu 3 (3)
    assert (start, end) == ("2024-09-27", "2024-10-03")
    refused(world, publicity.start_publicity, world.ctx(), key="publicity.already")


def test_award_waits_for_every_objection_and_an_upheld_one_withdraws_the_unit(world, monkeypatch):
    _publicity(world, monkeypatch)
    publicity.start_publicity(world.ctx(), "2024-09-23")
    first = publicity.add_objection(world.ctx(), "U1", "群众来信反映执法不规范", source="来信", date="2024-09-23")
    second = publicity.add_objection(world.ctx(), "U2", "来电反映", source="热线", date="2024-09-24")
    assert (first.id, second.id) == ("1", "2")
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-10-01")
    refused(world, campaigns.advance, world.ctx(), key="objection.unresolved")
    publicity.resolve_objection(world.ctx(), first.id, upheld=True, note="经核查属实")
    assert world.entry("U1")["status"] == "withdrawn"
    refused(world, publicity.resolve_objection, world.ctx(), first.id, False, "再次", key="objection.closed")
    publicity.resolve_objection(world.ctx(), second.id, upheld=False, note="经核查不属实")
    campaigns.advance(world.ctx())
    assert world.entry("U2")["status"] == "approved"
    assert publicity.award(world.ctx(), "区人民政府", "区政府〔2024〕1号") == [("U2", "2024-01-001")]
    assert world.entry("U1")["certificate"] is None


def test_objections_only_against_units_in_publicity(world, monkeypatch):
    _publicity(world, monkeypatch)
    refused(world, publicity.add_objection, world.ctx(), "U1", "x", key="publicity.not_started")
    publicity.start_publicity(world.ctx())
    refused(world, publicity.add_objection, world.ctx(), "U4", "x", key="objection.not_in_publicity")
    refused(world, publicity.add_objection, world.ctx(), "U1", "  ", kind=BadInput, key="objection.empty")


# ----------------------------------------------------------------------------- stage machine


def test_stages_open_in_order_and_only_for_the_office(world):
    create_campaign(world)
    refused(world, campaigns.advance, world.ctx("i1"), key="perm.role")
    refused(world, campaigns.advance, world.ctx("clerk1"), key="perm.role")
    stages = [campaigns.advance(world.ctx()).stage for _ in range(3)]
    assert stages == ["nomination", "inspection", "publicity"]
    refused(world, campaigns.advance, world.ctx(), key="publicity.not_started")


def test_actions_outside_their_stage_are_refused(world):
    to_inspection(world)
    refused(world, selfcheck.import_selfcheck, world.ctx(), rows({"unit": "U1", "item": "A1", "score": 1}),
            "s.csv", key="perm.stage")
    refused(world, nomination.nominate, world.ctx(), ["U1"], key="perm.stage")
    refused(world, publicity.start_publicity, world.ctx(), key="perm.stage")
    refused(world, publicity.award, world.ctx(), "区人民政府", "区政府〔2024〕1号", key="perm.stage")


def test_a_campaign_keeps_its_own_copy_of_the_criteria(world):
    cid = create_campaign(world)
    # A valid new edition of the file: A1 is now worth 3 points, so a 6 for A1 is out of its range.
    edited = SMALL_CRITERIA.replace("total: 20", "total: 17").replace("points: 6", "points: 3")
    world.criteria.write_text(edited, encoding="utf-8")
    assert read_criteria_file(str(world.criteria))[0].item("A1").points == 3
    self_score(world, "U1")  # A1 = 6, as the campaign's own copy allows
    assert world.entry("U1")["selfcheck"]["A1"]["score"] == "6"
    # A broken file changes nothing either: the campaign never reads it again.
    world.criteria.write_text("garbage: [", encoding="utf-8")
    self_score(world, "U2")
    assert world.entry("U2")["selfcheck"]["A1"]["score"] == "6"
    assert world.db.snapshot().campaigns.get(cid)["criteria"]["id"] == "small-test"


def test_the_same_campaign_cannot_be_created_twice(world):
    create_campaign(world)
    refused(world, create_campaign, world, key="campaign.exists")


def test_a_bad_criteria_file_creates_nothing(world):
    world.criteria.write_text("id: x\n", encoding="utf-8")
    refused(world, create_campaign, world, kind=LineErrors)
