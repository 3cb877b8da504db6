"""The form functions behind the dashboard's self-check and score-sheet tabs.

``selfcheck.set_selfcheck`` and ``sheets.set_scores`` set one unit's values
from a mapping: every value checked, refusals naming the item, all or nothing,
one audit entry of the same shape as the CSV imports (which now go through
the same code).
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from modelunit.domain import audit, campaigns, selfcheck, sheets
from modelunit.domain.criteria import parse_criteria
from modelunit.errors import BadInput, ItemErrors, LineErrors, Refused
from tests.conftest import SMALL_CRITERIA, create_campaign, rows
from tests.helpers import FULL, score, self_score, to_inspection


def last_audit(world) -> dict:
    return audit.entries(world.db.snapshot())[-1]


def refused(world, fn, *args, kind=ItemErrors, **kw):
    before = world.raw()
    with pytest.raises(kind) as info:
        fn(*args, **kw)
    assert world.raw() == before, "a refused form changed the database"
    return info.value


# ----------------------------------------------------------------------------- self-check


def test_set_selfcheck_stores_scores_notes_and_indicators_with_one_audit_entry(world):
    create_campaign(world)
    changed = selfcheck.set_selfcheck(world.ctx("clerk1"), "U1", {"A1": "5", "B2": "４．５"},
                                      notes={"A1": " 制度已建立 "}, indicators={"B2": "98.5"})
    assert changed == ["A1", "B2"]
    assert world.entry("U1")["selfcheck"] == {"A1": {"score": "5", "note": "制度已建立"},
                                              "B2": {"score": "4.5", "note": "", "indicator": "98.5"}}
    entry = last_audit(world)
    assert (entry["user"], entry["action"], entry["target"]) == ("clerk1", "selfcheck.edit", "U1")
    assert entry["before"] == {} and entry["after"] == world.entry("U1")["selfcheck"]


def test_a_note_alone_keeps_the_stored_score_and_an_empty_indicator_clears_it(world):
    create_campaign(world)
    selfcheck.set_selfcheck(world.ctx(), "U1", {"B2": "5"}, indicators={"B2": "100"})
    selfcheck.set_selfcheck(world.ctx(), "U1", {}, notes={"B2": "台账齐全"}, indicators={"B2": ""})
    assert world.entry("U1")["selfcheck"]["B2"] == {"score": "5", "note": "台账齐全"}
    before = last_audit(world)
    assert selfcheck.set_selfcheck(world.ctx(), "U1", {"B2": "5"}) == []  # nothing changed: nothing written
    assert last_audit(world) == before


@pytest.mark.parametrize(("values", "item", "key"), [
    ({"A1": "7"}, "A1", "score.out_of_range"),
    ({"A2": "1.3"}, "A2", "score.not_step"),
    ({"B1": "abc"}, "B1", "score.not_number"),
    ({"ZZ": "1"}, "ZZ", "item.unknown"),
    ({"X1": "1"}, "X1", "item.unknown"),  # bonuses are for inspectors only
])
def test_a_bad_self_score_refuses_the_whole_form_naming_the_item(world, values, item, key):
    create_campaign(world)
    err = refused(world, selfcheck.set_selfcheck, world.ctx("clerk1"), "U1", {"A1": "5", "B2": "5", **values})
    assert [(i, e.key) for i, e in err.problems] == [(item, key)]
    assert err.lines()[0].startswith(f"{item}：") and "自查:" not in err.render()
    assert err.exit_code == 2
    assert world.entry("U1")["selfcheck"] == {}


def test_every_bad_item_is_named_at_once(world):
    create_campaign(world)
    err = refused(world, selfcheck.set_selfcheck, world.ctx(), "U1", {"A1": "7", "A2": "2", "B1": "0.3"},
                  indicators={"B2": "x"})
    assert [i for i, _ in err.problems] == ["A1", "B1", "B2"]
    assert err.lines() == ["A1：分数 7 超出 A1 的范围 [0, 6]", "B1：分数 0.3 不是 0.5 的整数倍",
                           "B2：B2 尚无自评分：请先填写分数，再填说明或指标值"]
    assert err.render().startswith("共 3 处问题")


def test_a_bad_indicator_is_named(world):
    create_campaign(world)
    err = refused(world, selfcheck.set_selfcheck, world.ctx(), "U1", {"B2": "5"}, indicators={"B2": "很高"})
    assert [(i, e.key) for i, e in err.problems] == [("B2", "indicator.not_number")]


def test_set_selfcheck_checks_permission_stage_and_freeze(world):
    create_campaign(world)
    err = refused(world, selfcheck.set_selfcheck, world.ctx("clerk1"), "U2", {"A1": "5"}, kind=Refused)
    assert err.key == "perm.not_own_unit"
    err = refused(world, selfcheck.set_selfcheck, world.ctx("i1"), "U1", {"A1": "5"}, kind=Refused)
    assert err.key == "perm.role"
    self_score(world, "U1")
    selfcheck.submit_selfcheck(world.ctx(), ["U1"])
    err = refused(world, selfcheck.set_selfcheck, world.ctx(), "U1", {"A1": "1"}, kind=Refused)
    assert err.key == "selfcheck.frozen"
    refused(world, selfcheck.set_selfcheck, world.ctx(), "U9", {"A1": "1"}, kind=BadInput)
    campaigns.advance(world.ctx())
    err = refused(world, selfcheck.set_selfcheck, world.ctx(), "U2", {"A1": "1"}, kind=Refused)
    assert err.key == "perm.stage"


def test_the_csv_import_goes_through_the_same_check_and_reports_lines(world):
    create_campaign(world)
    err = refused(world, selfcheck.import_selfcheck, world.ctx(),
                  rows({"unit": "U2", "item": "A1", "score": 7}, {"unit": "U1", "item": "A1", "score": 1},
                       {"unit": "U2", "item": "A2", "score": 1}, {"unit": "U1", "item": "A1", "score": 2}),
                  "s.csv", kind=LineErrors)
    assert err.lines() == ["s.csv:2: 分数 7 超出 A1 的范围 [0, 6]", "s.csv:5: 重复的行：U1,A1"]
    assert selfcheck.import_selfcheck(world.ctx(), rows({"unit": "U1", "item": "A1", "score": 6, "note": "n"},
                                                        {"unit": "U2", "item": "A1", "score": 3}), "s.csv") == 2
    assert [(e["target"], e["before"], e["after"]) for e in audit.entries(world.db.snapshot())[-2:]] == [
        ("U1", {}, {"A1": {"score": "6", "note": "n"}}), ("U2", {}, {"A1": {"score": "3", "note": ""}})]


# ----------------------------------------------------------------------------- score sheets


def test_set_scores_stores_one_sheet_with_notes_and_one_audit_entry(world):
    to_inspection(world, codes=("U1",))
    changed = sheets.set_scores(world.ctx("i1"), "U1", "i1", {"A1": "6", "X1": "2"}, notes={"A1": "程序规范"})
    assert changed == ["A1", "X1"]
    sheet = world.db.snapshot().sheets.get("2024-1|U1|i1")
    assert (sheet["scores"], sheet["notes"]) == ({"A1": "6", "X1": "2"}, {"A1": "程序规范"})
    entry = last_audit(world)
    assert (entry["user"], entry["action"], entry["target"]) == ("i1", "score.edit", "U1/i1")
    assert (entry["before"], entry["after"]) == ({"A1": None, "X1": None}, {"A1": "6", "X1": "2"})
    sheets.set_scores(world.ctx("i1"), "U1", "i1", {"A1": "5.5"}, notes={"A1": ""})
    sheet = world.db.snapshot().sheets.get("2024-1|U1|i1")
    assert (sheet["scores"]["A1"], sheet["notes"]) == ("5.5", {})
    assert (last_audit(world)["before"], last_audit(world)["after"]) == ({"A1": "6"}, {"A1": "5.5"})


def test_a_bad_score_refuses_the_whole_sheet_naming_the_item(world):
    to_inspection(world, codes=("U1",))
    score(world, "U1", "i1", {"A1": 3})
    err = refused(world, sheets.set_scores, world.ctx("i1"), "U1", "i1", {"A1": "4", "X1": "2.5", "B1": "-1"},
                  notes={"QQ": "x"})
    assert [(i, e.key) for i, e in err.problems] == [("X1", "score.out_of_range"), ("B1", "score.out_of_range"),
                                                     ("QQ", "item.unknown")]
    assert world.db.snapshot().sheets.get("2024-1|U1|i1")["scores"] == {"A1": "3"}


def test_set_scores_checks_who_and_the_lock(world):
    to_inspection(world, codes=("U1",), team=("i1",))
    err = refused(world, sheets.set_scores, world.ctx("i1"), "U1", "i2", {"A1": "1"}, kind=Refused)
    assert err.key == "score.not_own_row"
    err = refused(world, sheets.set_scores, world.ctx("i2"), "U1", "i2", {"A1": "1"}, kind=Refused)
    assert err.key == "perm.not_assigned"
    err = refused(world, sheets.set_scores, world.ctx("clerk1"), "U1", "i1", {"A1": "1"}, kind=Refused)
    assert err.key == "perm.role"
    score(world, "U1", "i1", FULL)
    sheets.submit_scores(world.ctx("i1"), "U1")
    err = refused(world, sheets.set_scores, world.ctx("i1"), "U1", "i1", {"A1": "1"}, kind=Refused)
    assert err.key == "score.locked"
    err = refused(world, sheets.set_scores, world.ctx(), "U1", "i1", {"A1": "1"}, kind=Refused)
    assert err.key == "score.locked_reason"
    sheets.set_scores(world.ctx(), "U1", "i1", {"A1": "1"}, reason="复核更正")
    assert last_audit(world)["after"] == {"scores": {"A1": "1"}, "reason": "复核更正"}


def test_the_score_import_reports_each_line_of_a_refused_sheet(world):
    to_inspection(world, codes=("U1",), team=("i1",))
    err = refused(world, sheets.import_scores, world.ctx(),
                  rows({"unit": "U1", "inspector": "i2", "item": "A1", "score": 1},
                       {"unit": "U1", "inspector": "i1", "item": "A1", "score": 9},
                       {"unit": "U1", "inspector": "i2", "item": "A2", "score": 1}), "s.csv", kind=LineErrors)
    assert [(line, e.key) for _, line, e in err.problems] == [(2, "score.not_assigned"), (3, "score.out_of_range"),
                                                              (4, "score.not_assigned")]


def test_one_sheet_total_caps_the_bonus():
    cs = parse_criteria(SMALL_CRITERIA, "criteria.yaml")
    assert sheets.sheet_total(cs, {"A1": Fraction(6), "B1": Fraction(5, 2), "X1": Fraction(2)}) == Fraction(19, 2)
    assert sheets.sheet_total(cs, {"A1": Fraction(6)}) == 6
