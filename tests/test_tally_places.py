"""Who gets the places (DESIGN §4.7–4.9): quota_rank among eligible units, per-type quotas, conclusions
that follow the unit, and how the command line shows them."""

from __future__ import annotations

import csv
import io
import json
import random
from fractions import Fraction as F

import pytest

from modelunit.domain import campaigns, sheets, standings, vetoes
from modelunit.domain.criteria import CriteriaSet, Criterion, Item, Scoring
from modelunit.domain.models import Campaign, from_dict
from modelunit.domain.tally import TallyInput, compute
from modelunit.errors import BadInput
from modelunit.i18n import set_lang
from tests.conftest import create_campaign
from tests.helpers import FULL, score, to_inspection

TYPES = ("township", "street", "department", "other")
JSON_KEYS = ["rank", "code", "name", "total", "measures", "effects", "bonus", "satisfaction", "criteria",
             "complete", "vetoed", "eligible", "candidate", "self_total", "quota_rank", "conclusion"]


# ----------------------------------------------------------------------------- domain: the pure tally


def criteria(pass_line=50) -> CriteriaSet:
    return CriteriaSet(id="places", title="places", version="1",
                       scoring=Scoring(pass_line=F(pass_line), step=F(1), min_inspectors=2),
                       criteria=(Criterion("c1", "c1", (Item("m", "measures", "m", F(100)),)),))


def unit(code: str, score_: int | None, *, type_="department", vetoed=False, status="inspected",
         sheets_=2) -> TallyInput:
    sheet = {} if score_ is None else {"m": F(score_)}
    return TallyInput(code=code, name=code, sheets=tuple(dict(sheet) for _ in range(sheets_)), vetoed=vetoed,
                      type=type_, status=status, assigned=sheets_)


def random_units(rng: random.Random, n: int) -> list[TallyInput]:
    """Units with distinct scores (no ties), some vetoed, some below the pass line, some incomplete."""
    scores = rng.sample(range(20, 101), n)
    return [unit(f"U{k:02d}", s, type_=rng.choice(TYPES), vetoed=rng.random() < 0.25,
                 sheets_=1 if rng.random() < 0.15 else 2) for k, s in enumerate(scores)]


@pytest.mark.parametrize("seed", range(12))
def test_places_go_to_the_best_eligible_units_whatever_the_overall_rank(seed):
    rng = random.Random(seed)
    units = random_units(rng, rng.randint(4, 14))
    quota = rng.randint(1, 4)
    result = compute(criteria(), units, quota)
    eligible = [r for r in result.rows if r.eligible]
    # Without ties, the places are the first `quota` eligible units in tally order, numbered 1…
    assert [r.code for r in result.candidates] == [r.code for r in eligible[:quota]]
    assert [r.quota_rank for r in eligible] == list(range(1, len(eligible) + 1))
    assert all(r.quota_rank is None for r in result.rows if not r.eligible)
    # … and the overall rank still counts every complete unit, vetoed and failing ones too.
    complete = [r for r in result.rows if r.complete]
    assert [r.rank for r in complete] == list(range(1, len(complete) + 1))
    assert not result.quota_exceeded_by_tie and result.ties == []
    for r in result.rows:
        expected = ("incomplete" if not r.complete else "vetoed" if r.vetoed else "failed" if not r.eligible
                    else "candidate" if r in result.candidates else "over_quota")
        assert r.conclusion == expected, r


def test_a_vetoed_unit_ranked_first_leaves_its_place_to_the_next():
    # The demo's case: D06 is vetoed at rank 1; with quota 2, D02 and S02 take the places.
    units = [unit("D06", 98, vetoed=True), unit("D02", 96), unit("S02", 95, type_="street"), unit("D03", 94)]
    rows = {r.code: r for r in compute(criteria(), units, 2).rows}
    assert [(c, rows[c].rank, rows[c].quota_rank, rows[c].conclusion) for c in ("D06", "D02", "S02", "D03")] == [
        ("D06", 1, None, "vetoed"), ("D02", 2, 1, "candidate"), ("S02", 3, 2, "candidate"),
        ("D03", 4, 3, "over_quota")]


@pytest.mark.parametrize("seed", range(12))
def test_per_type_quotas_count_within_each_type(seed):
    rng = random.Random(100 + seed)
    units = random_units(rng, rng.randint(5, 16))
    by_type = {kind: rng.randint(1, 3) for kind in rng.sample(TYPES, rng.randint(1, 3))}
    result = compute(criteria(), units, None, by_type)
    for kind in TYPES:
        mine = [r for r in result.rows if r.eligible and r.type == kind]
        # Every type is ranked, also one without a quota …
        assert [r.quota_rank for r in mine] == list(range(1, len(mine) + 1))
        # … but only a type with a quota gets places, as many as it has.
        places = by_type.get(kind, 0)
        assert [r.code for r in mine if r.candidate] == [r.code for r in mine[:places]]
        assert all(r.conclusion == "over_quota" for r in mine[places:])
    assert result.quota_by_type == by_type and result.quota is None


def test_a_tie_on_a_type_quota_line_gives_every_tied_unit_a_place_and_says_so():
    units = [unit("D1", 90), unit("D2", 80), unit("D3", 80), unit("D4", 70),
             unit("S1", 85, type_="street"), unit("S2", 85, type_="street"), unit("T1", 60, type_="township")]
    result = compute(criteria(), units, None, {"department": 2, "street": 2, "township": 1})
    rows = {r.code: r for r in result.rows}
    assert [(c, rows[c].quota_rank, rows[c].candidate) for c in ("D1", "D2", "D3", "D4")] == [
        ("D1", 1, True), ("D2", 2, True), ("D3", 2, True), ("D4", 4, False)]
    assert rows["S1"].candidate and rows["S2"].candidate and rows["T1"].candidate
    # Only the department quota is exceeded (3 for 2); the street tie fits its 2 places.
    assert [(tie.type, tie.quota, tie.candidates) for tie in result.ties] == [("department", 2, 3)]
    assert result.quota_exceeded_by_tie is True


def test_a_tie_on_the_single_quota_line():
    units = [unit("A", 90), unit("B", 80, vetoed=True), unit("C", 70), unit("D", 70), unit("E", 60)]
    result = compute(criteria(), units, 2)
    assert [(r.code, r.rank, r.quota_rank, r.candidate) for r in result.rows] == [
        ("A", 1, 1, True), ("B", 2, None, False), ("C", 3, 2, True), ("D", 3, 2, True), ("E", 5, 4, False)]
    assert [(tie.type, tie.quota, tie.candidates) for tie in result.ties] == [(None, 2, 3)]


@pytest.mark.parametrize("status, conclusion", [
    ("withdrawn", "withdrawn"), ("awarded", "awarded"), ("revoked", "revoked"),
    ("approved", None), ("in_publicity", None), ("candidate", None), ("not_selected", None), ("inspected", None)])
@pytest.mark.parametrize("case", ["candidate", "over_quota", "vetoed", "failed", "incomplete"])
def test_the_conclusion_follows_the_units_status(status, conclusion, case):
    base = {"candidate": unit("X", 99), "over_quota": unit("X", 60), "vetoed": unit("X", 99, vetoed=True),
            "failed": unit("X", 10), "incomplete": unit("X", 99, sheets_=1)}[case]
    units = [unit("A", 98), unit("B", 97), TallyInput(**{**base.__dict__, "status": status})]
    row = next(r for r in compute(criteria(), units, 3 if case == "candidate" else 2).rows if r.code == "X")
    assert row.conclusion == (conclusion or case)
    assert row.status == status


def test_why_a_unit_is_incomplete():
    sc = Scoring(pass_line=F(0), step=F(1), min_inspectors=3, satisfaction_weight=F(1, 5))
    cs = CriteriaSet(id="w", title="w", version="1", scoring=sc,
                     criteria=(Criterion("c1", "c1", (Item("m", "measures", "m", F(10)),)),))
    two = TallyInput(code="A", name="A", sheets=({"m": F(5)}, {"m": F(6)}), assigned=2)
    three = TallyInput(code="B", name="B", sheets=({"m": F(5)},) * 3, assigned=3, satisfaction=F(90))
    rows = {r.code: r for r in compute(cs, [two, three]).rows}
    assert rows["A"].missing == (("tally.missing_sheets", {"done": 2, "need": 3}),
                                 ("tally.missing_assigned", {"assigned": 2}), ("tally.missing_satisfaction", {}))
    assert standings.conclusion_text(rows["A"]) == "未完成（2/3 份评分表已提交；已分配 2 名考察组成员；缺满意度测评）"
    set_lang("en")
    assert standings.conclusion_text(rows["A"]) == \
        "incomplete (2/3 score sheets submitted; 2 inspectors assigned; no satisfaction score)"
    assert rows["B"].missing == () and rows["B"].complete


# ----------------------------------------------------------------------------- domain: campaigns


@pytest.mark.parametrize("text, expected", [
    ("department=3,street=2,township=2", {"department": 3, "street": 2, "township": 2}),
    ("区直部门=3，街道=2,乡镇＝1", {"department": 3, "street": 2, "township": 1}),
    (" other = 1 ", {"other": 1}),
    ("部门=2", {"department": 2}),
])
def test_quota_by_type_is_read_from_identifiers_or_chinese_names(text, expected):
    assert campaigns.parse_quota_by_type(text) == expected


@pytest.mark.parametrize("text, key", [
    ("county=2", "campaign.quota_unknown_type"), ("department=-1", "campaign.bad_quota"),
    ("department=0", "campaign.bad_quota"), ("department=1.5", "campaign.bad_quota"),
    ("department=3,区直部门=2", "campaign.quota_type_twice"), ("street=1,street=1", "campaign.quota_type_twice"),
    ("", "campaign.quota_by_type_empty"), ("department", "campaign.quota_by_type_syntax"),
    ("department=2,", "campaign.quota_by_type_syntax"), ("=2", "campaign.quota_by_type_syntax"),
])
def test_bad_quota_by_type_is_bad_input(text, key):
    with pytest.raises(BadInput) as e:
        campaigns.parse_quota_by_type(text)
    assert e.value.key == key


def test_per_type_quotas_are_stored_on_the_campaign_and_exclude_a_single_quota(world):
    before = world.raw()
    with pytest.raises(BadInput):
        create_campaign(world, quota=2, quota_by_type={"street": 1})
    with pytest.raises(BadInput):
        create_campaign(world, quota_by_type={"county": 1})
    assert world.raw() == before
    cid = create_campaign(world, quota_by_type={"street": 1, "department": 2})
    assert world.db.snapshot().campaigns.get(cid)["quota_by_type"] == {"street": 1, "department": 2}


def test_a_campaign_stored_before_per_type_quotas_still_reads():
    old = {"id": "2020-1", "year": 2020, "batch": 1, "title": "t", "criteria": {}, "criteria_sha256": "x",
           "quota": 2}
    campaign = from_dict(Campaign, old)
    assert campaign.quota_by_type == {} and campaign.quota == 2


# ----------------------------------------------------------------------------- the command line


def typed_campaign(world, **kw):
    """U1 township, U2 street, U3 and U4 departments, all inspected by i1 and i2; U3 first, U4 second."""
    to_inspection(world, codes=("U1", "U2", "U3", "U4"), **kw)
    score(world, "U3", "i1", FULL)
    score(world, "U3", "i2", FULL)
    for code in ("U1", "U2", "U4"):
        for name in ("i1", "i2"):
            score(world, code, name, {**FULL, "A1": 5})
    sheets.submit_scores(world.ctx(), everyone=True)


def test_tally_json_has_exactly_the_contract_keys_with_quota_rank_and_conclusion(world):
    typed_campaign(world, quota_by_type={"department": 1, "township": 1})
    tally = json.loads(world.cli("tally", "--format", "json").stdout)
    assert all(list(r) == JSON_KEYS for r in tally)
    got = {r["code"]: (r["rank"], r["quota_rank"], r["candidate"], r["conclusion"]) for r in tally}
    assert got == {"U3": (1, 1, True, "candidate"), "U1": (2, 1, True, "candidate"),
                   "U2": (2, 1, False, "over_quota"), "U4": (2, 2, False, "over_quota")}


def test_campaign_create_with_quota_by_type_from_the_command_line(world):
    r = world.cli("campaign", "create", "--year", "2024", "--batch", "1", "--criteria", str(world.criteria),
                  "--quota-by-type", "区直部门=1,乡镇=1")
    assert r.returncode == 0, r.stderr
    assert world.db.snapshot().campaigns.get("2024-1")["quota_by_type"] == {"department": 1, "township": 1}


@pytest.mark.parametrize("value, says", [
    ("county=1", "county"), ("department=-2", "department=-2"), ("street=0", "street=0"),
    ("street=1,街道=2", "街道"), ("department=x", "department=x"), ("", "--quota-by-type"),
])
def test_bad_quota_by_type_exits_2_with_one_line_and_changes_nothing(world, value, says):
    before = world.raw()
    r = world.cli("campaign", "create", "--year", "2024", "--batch", "1", "--criteria", str(world.criteria),
                  "--quota-by-type", value)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert says in r.stderr and "Traceback" not in r.stderr
    assert world.raw() == before


def test_quota_and_quota_by_type_together_exit_2(world):
    before = world.raw()
    r = world.cli("campaign", "create", "--year", "2024", "--batch", "1", "--criteria", str(world.criteria),
                  "--quota", "2", "--quota-by-type", "street=1")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert world.raw() == before


def test_tally_csv_has_the_json_columns_with_one_column_per_criterion_in_the_interface_language(world):
    typed_campaign(world, quota_by_type={"department": 1, "township": 1})
    text = world.cli("tally", "--format", "csv").stdout
    assert text.startswith("\ufeff")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader)
    assert header == ["排名", "单位代码", "单位名称", "总分", "措施小计", "效果小计", "加分", "满意度", "A", "B",
                      "数据完整", "否决", "达标", "拟命名", "自评总分", "名额排名", "结论"]
    assert len(header) == len(JSON_KEYS) + 1  # `criteria` spread over its two criteria
    body = {row[1]: dict(zip(header, row)) for row in reader}
    assert (body["U3"]["结论"], body["U3"]["名额排名"], body["U3"]["拟命名"]) == ("拟命名", "1", "是")
    assert (body["U4"]["结论"], body["U4"]["名额排名"], body["U4"]["拟命名"]) == ("名额外", "2", "否")
    assert body["U3"]["A"] == "10.00" and body["U3"]["总分"] == "20.00"
    english = world.cli("--lang", "en", "tally", "--format", "csv").stdout
    rows = {row[1]: row for row in csv.reader(io.StringIO(english.lstrip("\ufeff")))}
    assert rows["Code"][:4] == ["Rank", "Code", "Name", "Total"] and rows["Code"][-1] == "Conclusion"
    assert (rows["U3"][-1], rows["U3"][13]) == ("candidate", "yes")


def test_tally_table_shows_the_words_the_quota_and_the_rounding_note(world):
    typed_campaign(world, quota_by_type={"department": 1, "township": 1})
    vetoes.veto(world.ctx(), "U1", "V1", "重大违法")
    out = world.cli("tally").stdout
    lines = out.splitlines()
    row = {line.split()[1] if line.split()[0].isdigit() else line.split()[0]: line for line in lines
           if line.strip()[:1].isdigit() or line.startswith("U")}
    assert "拟命名" in row["U3"] and "名额外" in row["U4"] and "名额外" in row["U2"] and "否决" in row["U1"]
    assert "区直部门 1，乡镇 1" in out
    assert lines[-1] == "注：各标准得分与总分分别四舍五入到分，相加可能与总分相差 0.01"
    en = world.cli("--lang", "en", "tally").stdout
    assert "candidate" in en and "beyond the quota" in en and "rounded to the cent" in en.splitlines()[-1]


def test_an_incomplete_unit_says_how_many_sheets_are_in(world):
    to_inspection(world, codes=("U1", "U2"))
    score(world, "U1", "i1", FULL)
    sheets.submit_scores(world.ctx(), everyone=True)
    out = world.cli("tally").stdout
    assert "未完成（1/2 份评分表已提交）" in out
    assert "未完成（0/2 份评分表已提交）" in out
    tally = json.loads(world.cli("tally", "--format", "json").stdout)
    assert [r["conclusion"] for r in tally] == ["incomplete", "incomplete"]
    assert all(list(r) == JSON_KEYS for r in tally)


def test_a_tie_on_a_type_line_is_said_under_the_table_and_on_stderr_for_json(world):
    to_inspection(world, codes=("U3", "U4"), quota_by_type={"department": 1})
    for code in ("U3", "U4"):
        for name in ("i1", "i2"):
            score(world, code, name, FULL)
    sheets.submit_scores(world.ctx(), everyone=True)
    assert "区直部门名额为 1，因名额线上并列，实际拟命名 2 个单位" in world.cli("tally").stdout
    r = world.cli("tally", "--format", "json")
    assert [x["candidate"] for x in json.loads(r.stdout)] == [True, True]
    assert "区直部门名额为 1" in r.stderr


def test_tally_csv_keeps_a_formula_like_name_as_text(world):
    from modelunit.domain import units
    from tests.conftest import rows

    units.import_units(world.ctx(), rows({"code": "U4", "name": '=HYPERLINK("http://x","点")', "type": "other"}),
                       "u.csv")
    to_inspection(world, codes=("U4",))
    text = world.cli("tally", "--format", "csv").stdout
    body = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert body[1][2] == '\'=HYPERLINK("http://x","点")'


@pytest.mark.parametrize("seed", range(4))
def test_the_stored_tally_on_whole_numbers_equals_the_tally_on_fractions(world, seed):
    """standings feeds the tally integers over one scale (fast at province scale); the same campaign
    tallied from the stored texts as Fractions must give the very same rows."""
    from dataclasses import replace

    from modelunit.domain.records import campaign_of, criteria_of

    rng = random.Random(seed)
    to_inspection(world, codes=("U1", "U2", "U3", "U4"), team=("i1", "i2"), quota=2)
    for code in ("U1", "U2", "U3", "U4"):
        for name in ("i1", "i2"):
            score(world, code, name, {item: rng.randrange(0, 2 * pts + 1) / 2 for item, pts in FULL.items()}
                  | ({"X1": rng.choice([0, 0.5, 1.5, 2])} if rng.random() < 0.5 else {}))
    sheets.submit_scores(world.ctx(), everyone=True)
    tx = world.db.snapshot()
    campaign = campaign_of(tx, None)
    fast = standings.compute_tally(tx, campaign)
    slow_inputs = [replace(u, scale=0, sheets=tuple({k: F(v, u.scale) for k, v in sh.items()} for sh in u.sheets),
                           self_scores={k: F(v, u.scale) for k, v in u.self_scores.items()})
                   for u in standings.tally_inputs(tx, campaign)]
    assert all(u.scale == 2 for u in standings.tally_inputs(tx, campaign))  # step 0.5
    slow = compute(criteria_of(campaign), slow_inputs, campaign.quota)
    fields = ("code", "rank", "quota_rank", "total", "measures", "effects", "bonus", "criteria", "eligible",
              "candidate", "self_total", "self_criteria", "conclusion")
    assert [[getattr(r, f) for f in fields] for r in fast.rows] == [[getattr(r, f) for f in fields] for r in slow.rows]
    assert [dict(r.item_scores) for r in fast.rows] == [dict(r.item_scores) for r in slow.rows]
    # And the exact item scores are what the sheets say: the mean of the two inspectors' texts.
    for r in fast.rows:
        texts = [tx.sheets.get(f"{campaign.id}|{r.code}|{n}")["scores"]["A1"] for n in ("i1", "i2")]
        assert r.item_scores["A1"] == sum(F(x) for x in texts) / 2
