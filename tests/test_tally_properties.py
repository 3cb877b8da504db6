"""The tally (DESIGN §4) against a deliberately naive reference written here.

The reference below does not import anything from modelunit except the plain
dataclasses it has to be fed; it rounds with integer arithmetic, aggregates with
:mod:`statistics` on exact fractions and ranks by counting strictly better units,
so that it shares no code path with :mod:`modelunit.domain.tally`.

Then a handful of hand-computed examples a reader can check with pencil and paper.
"""

from __future__ import annotations

import dataclasses
import statistics
from decimal import Decimal
from fractions import Fraction as F

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from modelunit.domain.criteria import Bonus, CriteriaSet, Criterion, Item, Scoring
from modelunit.domain.tally import TallyInput, compute
from tests.conftest import examples

# --------------------------------------------------------------------------- reference


def half_up(x: F) -> Decimal:
    """Round a non-negative exact number to 2 decimals, half up: floor(100·x + 1/2) / 100."""
    x = F(x)
    assert x >= 0, "the tally never produces a negative figure"
    p, q = x.numerator, x.denominator
    hundredths = (200 * p + q) // (2 * q)
    return Decimal(hundredths).scaleb(-2).quantize(Decimal("0.01"))


def ref_aggregate(scores: list[F], method: str) -> F:
    if not scores:
        return F(0)
    scores = list(scores)
    if method == "mean":
        return statistics.mean(scores)
    if method == "median":
        return F(statistics.median(scores))
    assert method == "trimmed_mean"
    if len(scores) >= 5:
        scores.remove(max(scores))
        scores.remove(min(scores))
    return statistics.mean(scores)


def ref_tally(cs: CriteriaSet, units: list[TallyInput], quota: int | None, by_type: dict | None = None):
    """Returns (rows as dicts in tally order, the set of (type or None, quota, candidates) exceeded by a tie)."""
    sc = cs.scoring
    w = sc.satisfaction_weight
    rows = []
    for u in units:
        item_scores = {}
        crit = {}
        measures = effects = F(0)
        for c in cs.criteria:
            crit[c.id] = F(0)
            for it in c.items:
                s = ref_aggregate([sheet[it.id] for sheet in u.sheets], sc.aggregate)
                item_scores[it.id] = s
                crit[c.id] += s
                if it.dimension == "measures":
                    measures += s
                else:
                    effects += s
        bonus_raw = F(0)
        for b in cs.bonuses:
            s = ref_aggregate([sheet.get(b.id, F(0)) for sheet in u.sheets], sc.aggregate)
            item_scores[b.id] = s
            bonus_raw += s
        bonus = bonus_raw if bonus_raw <= sc.bonus_cap else sc.bonus_cap
        inspection_total = sum(crit.values()) + bonus
        if w > 0:
            complete = len(u.sheets) >= sc.min_inspectors and u.satisfaction is not None
            # With no satisfaction the total is not defined by the contract (the unit is
            # incomplete): we do not compare it (None marks "unchecked").
            total = None if u.satisfaction is None else inspection_total * (1 - w) + u.satisfaction * w
        else:
            complete = len(u.sheets) >= sc.min_inspectors
            total = inspection_total
        total_r = None if total is None else half_up(total)
        crit_r = {cid: half_up(v) for cid, v in crit.items()}
        floor_ok = all(crit_r[c.id] >= half_up(sc.criterion_floor * sum(i.points for i in c.items))
                       for c in cs.criteria)
        eligible = (complete and not u.vetoed and total_r is not None
                    and total_r >= half_up(sc.pass_line) and floor_ok)
        own = [u.self_scores[it.id] for c in cs.criteria for it in c.items if it.id in u.self_scores]
        self_criteria = {}
        for c in cs.criteria:
            vals = [u.self_scores[it.id] for it in c.items if it.id in u.self_scores]
            self_criteria[c.id] = half_up(sum(vals, F(0))) if vals else None
        rows.append(dict(
            code=u.code, name=u.name, total=total_r, measures=half_up(measures), effects=half_up(effects),
            bonus=half_up(bonus), satisfaction=None if u.satisfaction is None else half_up(u.satisfaction),
            criteria=crit_r, complete=complete, vetoed=u.vetoed, eligible=eligible,
            self_total=half_up(sum(own, F(0))) if own else None, sheets=len(u.sheets),
            item_scores=item_scores, self_criteria=self_criteria, type=u.type, status=u.status))

    def key(r):
        return (r["total"], r["effects"], r["measures"])

    complete_rows = [r for r in rows if r["complete"]]
    # Rank = 1 + how many complete units are strictly better on (total, effects, measures).
    for r in complete_rows:
        r["rank"] = 1 + sum(1 for o in complete_rows if key(o) > key(r))
    # Order: rank first (i.e. the rounded keys descending), then code ascending.
    complete_rows.sort(key=lambda r: r["code"])
    complete_rows.sort(key=lambda r: r["rank"])
    incomplete = sorted((r for r in rows if not r["complete"]), key=lambda r: r["code"])
    for r in incomplete:
        r["rank"] = None
    # Places (§4.7): quota_rank = 1 + how many eligible units (of the same type, when quotas are per
    # type) are strictly better; a type missing from the per-type quotas gets no place.
    eligible = [r for r in rows if r["eligible"]]
    for r in rows:
        if not r["eligible"]:
            r["quota_rank"], r["candidate"] = None, False
            continue
        peers = [o for o in eligible if not by_type or o["type"] == r["type"]]
        r["quota_rank"] = 1 + sum(1 for o in peers if key(o) > key(r))
        limit = by_type.get(r["type"], 0) if by_type else quota
        r["candidate"] = limit is None or r["quota_rank"] <= limit
    for r in complete_rows + incomplete:
        if r["status"] in ("withdrawn", "awarded", "revoked"):
            r["conclusion"] = r["status"]
        elif not r["complete"]:
            r["conclusion"] = "incomplete"
        elif r["vetoed"]:
            r["conclusion"] = "vetoed"
        elif r["candidate"]:
            r["conclusion"] = "candidate"
        elif not r["eligible"]:
            r["conclusion"] = "failed"
        else:
            r["conclusion"] = "over_quota"
    exceeded = set()
    if by_type:
        for kind, limit in by_type.items():
            n = sum(1 for r in rows if r["candidate"] and r["type"] == kind)
            if n > limit:
                exceeded.add((kind, limit, n))
    elif quota is not None:
        n = sum(1 for r in rows if r["candidate"])
        if n > quota:
            exceeded.add((None, quota, n))
    return complete_rows + incomplete, exceeded


def assert_two_places(d: Decimal | None, what: str) -> None:
    if d is not None:
        assert isinstance(d, Decimal), what
        assert d.as_tuple().exponent == -2, f"{what} = {d!r} is not shown with 2 places"


def check_against_reference(cs, units, quota, by_type=None):
    got = compute(cs, units, quota, by_type)
    want, exceeded = ref_tally(cs, units, quota, by_type)
    assert [r.code for r in got.rows] == [r["code"] for r in want], "tally order"
    for g, w in zip(got.rows, want):
        where = f"unit {g.code}"
        for name in ("name", "rank", "measures", "effects", "bonus", "satisfaction", "criteria", "complete",
                     "vetoed", "eligible", "candidate", "self_total", "sheets", "item_scores",
                     "self_criteria", "quota_rank", "conclusion", "type", "status"):
            assert getattr(g, name) == w[name], f"{where}: {name} got {getattr(g, name)!r} want {w[name]!r}"
        if w["total"] is not None:
            assert g.total == w["total"], f"{where}: total got {g.total!r} want {w['total']!r}"
        for name in ("total", "measures", "effects", "bonus", "satisfaction", "self_total"):
            assert_two_places(getattr(g, name), f"{where}: {name}")
        for cid, d in g.criteria.items():
            assert_two_places(d, f"{where}: criteria[{cid}]")
        for cid, d in g.self_criteria.items():
            assert_two_places(d, f"{where}: self_criteria[{cid}]")
    assert got.quota_exceeded_by_tie == bool(exceeded)
    assert {(tie.type, tie.quota, tie.candidates) for tie in got.ties} == exceeded
    assert got.quota == quota
    assert [r.code for r in got.candidates] == [r["code"] for r in want if r["candidate"]]
    return got, want


# --------------------------------------------------------------------------- strategies

STEPS = (F(1, 2), F(1), F(1, 4))


@st.composite
def criteria_sets(draw) -> CriteriaSet:
    step = draw(st.sampled_from(STEPS))
    criteria = []
    n_items = 0
    for ci in range(draw(st.integers(1, 5))):
        items = []
        for _ in range(draw(st.integers(1, 4))):
            n_items += 1
            items.append(Item(id=f"i{n_items}", dimension=draw(st.sampled_from(("measures", "effects"))),
                              text=f"item {n_items}", points=draw(st.integers(1, 10)) * step))
        criteria.append(Criterion(id=f"c{ci + 1}", title=f"criterion {ci + 1}", items=tuple(items)))
    bonuses = tuple(Bonus(id=f"b{j + 1}", text=f"bonus {j + 1}", points=draw(st.integers(1, 6)) * step)
                    for j in range(draw(st.integers(0, 2))))
    item_points = sum(it.points for c in criteria for it in c.items)
    # A pass line near typical totals (so that both passing and failing units occur), or any cent value.
    pass_line = draw(st.one_of(
        st.sampled_from((F(0), F(3, 10), F(1, 2), F(3, 5), F(3, 4))).map(
            lambda r: F(round(r * item_points * 100), 100)),
        st.integers(0, int(item_points * 100)).map(lambda c: F(c, 100)),
    ))
    scoring = Scoring(
        pass_line=pass_line, step=step,
        aggregate=draw(st.sampled_from(("mean", "median", "trimmed_mean"))),
        min_inspectors=draw(st.integers(1, 5)),
        criterion_floor=draw(st.sampled_from((F(0), F(1, 2), F(3, 5)))),
        bonus_cap=draw(st.integers(0, 8)) * step,
        satisfaction_weight=draw(st.sampled_from((F(0), F(1, 5), F(1, 2)))),
    )
    return CriteriaSet(id="prop", title="property set", version="1", scoring=scoring,
                       criteria=tuple(criteria), bonuses=bonuses)


def sheets_for(cs: CriteriaSet):
    step = cs.scoring.step

    @st.composite
    def one_sheet(draw) -> dict:
        sheet = {}
        for it in cs.items:
            top = int(it.points / step)
            # Mostly generous scores, so that criterion floors and pass lines are often met.
            sheet[it.id] = draw(st.one_of(st.integers(top // 2, top), st.integers(top // 2, top),
                                          st.integers(0, top))) * step
        for b in cs.bonuses:
            if draw(st.booleans()):  # bonus lines are optional
                sheet[b.id] = draw(st.integers(0, int(b.points / step))) * step
        return sheet

    return one_sheet()


SATISFACTIONS = (F(0), F(60), F(80), F(171, 2), F(90), F(100))
TYPES = ("township", "street", "department", "other")
# Mostly statuses the scores decide; now and then one that settles the conclusion by itself.
STATUSES = st.sampled_from(("nominated",) * 8 + ("inspected",) * 8 + ("candidate", "in_publicity", "not_selected",
                            "approved", "withdrawn", "awarded", "revoked"))


@st.composite
def scenarios(draw, crowded: bool = False):
    """A criteria set, units and a quota.  ``crowded``: few distinct sheets and satisfactions, no
    pass line, floor or veto, so that many units tie, all of them eligible, around the quota."""
    cs = draw(criteria_sets())
    if crowded:
        cs = CriteriaSet(id=cs.id, title=cs.title, version=cs.version, criteria=cs.criteria, bonuses=cs.bonuses,
                         scoring=dataclasses.replace(cs.scoring, pass_line=F(0), criterion_floor=F(0)))
    sheet = sheets_for(cs)
    pool = draw(st.lists(sheet, min_size=1, max_size=2 if crowded else 5))
    n_units = draw(st.integers(3 if crowded else 0, 12))
    codes = draw(st.permutations([f"U{k:02d}" for k in range(n_units)]))
    enough = st.integers(cs.scoring.min_inspectors, 7)
    n_sheets = st.one_of(enough, enough, enough, st.integers(0, 7))
    # Satisfactions a cent or two apart give totals that differ exactly but not once rounded.
    near = st.tuples(st.sampled_from(SATISFACTIONS[:-1]), st.integers(0, 3)).map(lambda t: t[0] + F(t[1], 100))
    satisfactions = st.one_of(st.sampled_from(SATISFACTIONS), near,
                              st.integers(0, 10_000).map(lambda c: F(c, 100)), st.none())
    if crowded:
        n_sheets = st.sampled_from((cs.scoring.min_inspectors, 7))
        satisfactions = st.sampled_from((F(80), F(80), F(90), None))
    units: list[TallyInput] = []
    for code in codes:
        how = draw(st.sampled_from(("pool", "pool", "copy", "copy", "fresh")))
        satisfaction = draw(satisfactions)
        if how == "copy" and units:
            # Identical sheets (possibly reordered) as an earlier unit: a guaranteed tie in the
            # inspection, and in the total too when the satisfaction is also copied.
            other = draw(st.sampled_from(units))
            sheets = tuple(draw(st.permutations(other.sheets)))
            if draw(st.booleans()):
                satisfaction = other.satisfaction
        elif how == "fresh":
            sheets = tuple(draw(sheet) for _ in range(draw(n_sheets)))
        else:
            sheets = tuple(draw(st.sampled_from(pool)) for _ in range(draw(n_sheets)))
        self_scores = {}
        for it in cs.items:
            if draw(st.integers(0, 2)):
                self_scores[it.id] = draw(st.integers(0, int(it.points / cs.scoring.step))) * cs.scoring.step
        units.append(TallyInput(code=code, name=f"name of {code}", sheets=sheets, satisfaction=satisfaction,
                                vetoed=not crowded and draw(st.integers(0, 5)) == 0, self_scores=self_scores,
                                type=draw(st.sampled_from(TYPES)), status=draw(STATUSES)))
    if units and not crowded and draw(st.integers(0, 3)) == 0:
        # Put the pass line exactly on one unit's rounded total, whose exact value may be below it.
        totals = [r["total"] for r in ref_tally(cs, units, None)[0] if r["total"] is not None]
        if totals:
            line = F(draw(st.sampled_from(totals)))
            cs = CriteriaSet(id=cs.id, title=cs.title, version=cs.version, criteria=cs.criteria,
                             bonuses=cs.bonuses, scoring=dataclasses.replace(cs.scoring, pass_line=line))
    quota = draw(st.one_of(st.none(), st.integers(1, 5)))
    by_type = None
    if draw(st.integers(0, 2)) == 0:  # per-type quotas instead (a type left out gets no place)
        quota = None
        by_type = draw(st.dictionaries(st.sampled_from(TYPES), st.integers(1, 3), min_size=1, max_size=4))
    return cs, units, quota, by_type


@settings(max_examples=examples(300), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(scenarios())
def test_tally_matches_reference(scenario):
    cs, units, quota, by_type = scenario
    got, want = check_against_reference(cs, units, quota, by_type)
    ranks = [r.rank for r in got.rows if r.rank is not None]
    if len(ranks) != len(set(ranks)):
        event("shared rank")
    if got.quota_exceeded_by_tie:
        event("quota exceeded by tie" + (" (per type)" if by_type else ""))
    if by_type and any(r.eligible and r.type not in by_type for r in got.rows):
        event("eligible unit of a type without a quota")
    if any(r.conclusion in ("withdrawn", "awarded", "revoked") for r in got.rows):
        event("conclusion settled by status")
    if any(r.vetoed and r.rank == 1 for r in got.rows) and any(r.quota_rank == 1 for r in got.rows):
        event("vetoed unit ranked first, place goes to the next")
    if quota is not None and any(r.eligible and not r.candidate for r in got.rows):
        event("eligible unit over the quota")
    if any(r.complete for r in got.rows) and any(not r.complete for r in got.rows):
        event("complete and incomplete units together")
    if any(r.eligible for r in got.rows) and any(r.complete and not r.eligible for r in got.rows):
        event("eligible and failed units together")


@settings(max_examples=examples(200), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(scenarios(crowded=True))
def test_tally_matches_reference_with_many_ties(scenario):
    test_tally_matches_reference.hypothesis.inner_test(scenario)


@settings(max_examples=examples(150), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(scenarios())
def test_tally_invariants(scenario):
    """Properties that hold whatever the reference says: a permutation, ranks are competition ranks."""
    cs, units, quota, by_type = scenario
    rows = compute(cs, units, quota, by_type).rows
    assert sorted(r.code for r in rows) == sorted(u.code for u in units)
    # The tally does not depend on the order the units are given in.
    again = compute(cs, list(reversed(units)), quota, by_type).rows
    assert [(r.code, r.rank, r.quota_rank, r.total, r.candidate, r.conclusion) for r in again] == \
        [(r.code, r.rank, r.quota_rank, r.total, r.candidate, r.conclusion) for r in rows]
    ranked = [r for r in rows if r.complete]
    assert all(r.rank is None for r in rows[len(ranked):])
    assert all(not r.complete for r in rows[len(ranked):])
    for pos, r in enumerate(ranked, start=1):
        assert r.rank is not None and 1 <= r.rank <= pos
        if pos > 1:
            prev = ranked[pos - 2]
            same = (prev.total, prev.effects, prev.measures) == (r.total, r.effects, r.measures)
            assert r.rank == (prev.rank if same else pos)
            assert (prev.total, prev.effects, prev.measures) >= (r.total, r.effects, r.measures)
            if same:
                assert prev.code < r.code
    for r in rows:
        assert not r.candidate or r.eligible
        assert not r.eligible or (r.complete and not r.vetoed)
        assert (r.quota_rank is None) == (not r.eligible)
        # A place never goes past a quota except by a tie on its line.
        if r.candidate and r.quota_rank is not None:
            limit = by_type.get(r.type) if by_type else quota
            assert limit is None or r.quota_rank <= limit


# --------------------------------------------------------------------------- hand-computed examples

D = Decimal


def scoring(**kw) -> Scoring:
    base = dict(pass_line=F(0), step=F(1, 2), aggregate="mean", min_inspectors=1)
    base.update(kw)
    return Scoring(**base)


def one_criterion(scoring_: Scoring, *items: tuple[str, str, F], bonuses=()) -> CriteriaSet:
    return CriteriaSet(id="hand", title="hand", version="1", scoring=scoring_,
                       criteria=(Criterion("c1", "c1", tuple(Item(i, dim, i, pts) for i, dim, pts in items)),),
                       bonuses=tuple(bonuses))


def unit(code: str, *sheets: dict, satisfaction=None, vetoed=False, self_scores=None) -> TallyInput:
    return TallyInput(code=code, name=code, sheets=tuple({k: F(v) for k, v in s.items()} for s in sheets),
                      satisfaction=None if satisfaction is None else F(satisfaction), vetoed=vetoed,
                      self_scores={k: F(v) for k, v in (self_scores or {}).items()})


def by_code(tally) -> dict:
    return {r.code: r for r in tally.rows}


def test_half_up_helper_against_decimal_quantize():
    from decimal import ROUND_HALF_UP
    for cents_x10 in range(0, 3000):
        x = F(cents_x10, 1000)
        assert half_up(x) == (D(cents_x10) / 1000).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_rounding_half_up_and_once_from_the_exact_sum():
    # Three inspectors score items i1 and i2 with 1, 1, 1.5: each mean is 3.5/3 = 1.1666… → 1.17.
    # The criterion is 7/3 = 2.333… → 2.33, NOT 1.17 + 1.17 = 2.34.
    cs = one_criterion(scoring(min_inspectors=3), ("i1", "measures", F(2)), ("i2", "effects", F(2)))
    t = compute(cs, [unit("A", {"i1": 1, "i2": 1}, {"i1": 1, "i2": 1}, {"i1": F(3, 2), "i2": F(3, 2)})])
    a = t.rows[0]
    assert a.item_scores == {"i1": F(7, 6), "i2": F(7, 6)}
    assert (a.measures, a.effects) == (D("1.17"), D("1.17"))
    assert a.criteria == {"c1": D("2.33")}
    assert a.total == D("2.33")
    check_against_reference(cs, [unit("A", {"i1": 1, "i2": 1}, {"i1": 1, "i2": 1},
                                      {"i1": F(3, 2), "i2": F(3, 2)})], None)


@pytest.mark.parametrize("scores, shown", [
    ((F(1, 4), 0), "0.13"),            # 0.125 → 0.13 (half up; banker's rounding would give 0.12)
    ((F(3, 4), 0), "0.38"),            # 0.375 → 0.38
    ((F(5, 4), 0), "0.63"),            # 0.625 → 0.63 (banker's: 0.62)
    ((F(1, 4), 0, 0, 0), "0.06"),      # 0.0625 → 0.06
    ((F(1, 4), F(1, 4), 0, 0, 0, 0, 0, 0), "0.06"),  # 0.0625 again, 8 inspectors
])
def test_half_up_on_exact_halves(scores, shown):
    cs = one_criterion(scoring(step=F(1, 4)), ("i1", "measures", F(2)))
    t = compute(cs, [unit("A", *({"i1": s} for s in scores))])
    assert t.rows[0].total == D(shown)
    assert t.rows[0].measures == D(shown)


def test_trimmed_mean_five_scores_versus_four():
    cs = one_criterion(scoring(step=F(1), aggregate="trimmed_mean"), ("i1", "effects", F(5)))
    five = unit("A", *({"i1": s} for s in (0, 2, 3, 3, 5)))  # drop 0 and 5: (2+3+3)/3 = 8/3 → 2.67
    four = unit("B", *({"i1": s} for s in (0, 2, 3, 3)))     # fewer than 5: plain mean 8/4 → 2.00
    #                                                            (trimming would give 2.50)
    rows = by_code(compute(cs, [five, four]))
    assert rows["A"].item_scores["i1"] == F(8, 3) and rows["A"].total == D("2.67")
    assert rows["B"].item_scores["i1"] == F(2) and rows["B"].total == D("2.00")
    # The same five scores under `mean` give 13/5 = 2.60.
    cs_mean = one_criterion(scoring(step=F(1)), ("i1", "effects", F(5)))
    assert compute(cs_mean, [five]).rows[0].total == D("2.60")


def test_trimmed_mean_drops_only_one_of_equal_extremes():
    cs = one_criterion(scoring(step=F(1), aggregate="trimmed_mean"), ("i1", "measures", F(5)))
    # 1, 1, 4, 5, 5: drop one 1 and one 5 → (1+4+5)/3 = 10/3 → 3.33
    t = compute(cs, [unit("A", *({"i1": s} for s in (5, 1, 4, 1, 5)))])
    assert t.rows[0].total == D("3.33")


def test_median_even_and_odd_counts():
    cs = one_criterion(scoring(step=F(1, 2), aggregate="median"), ("i1", "measures", F(5)))
    even = unit("A", *({"i1": s} for s in (5, 1, F(5, 2), 2)))  # sorted 1, 2, 2.5, 5 → (2+2.5)/2 = 2.25
    odd = unit("B", *({"i1": s} for s in (5, 1, 2)))            # sorted 1, 2, 5 → 2
    rows = by_code(compute(cs, [even, odd]))
    assert rows["A"].item_scores["i1"] == F(9, 4) and rows["A"].total == D("2.25")
    assert rows["B"].item_scores["i1"] == F(2) and rows["B"].total == D("2.00")


def test_no_sheets_scores_zero():
    cs = one_criterion(scoring(min_inspectors=1), ("i1", "measures", F(5)), bonuses=(Bonus("b1", "b", F(2)),))
    r = compute(cs, [unit("A")]).rows[0]
    assert (r.total, r.bonus, r.criteria["c1"], r.sheets) == (D("0.00"), D("0.00"), D("0.00"), 0)
    assert r.complete is False and r.rank is None


def ranking_set() -> CriteriaSet:
    return one_criterion(scoring(step=F(1), bonus_cap=F(2)), ("m", "measures", F(10)), ("e", "effects", F(10)),
                         bonuses=(Bonus("b", "bonus", F(2)),))


def test_competition_ranking_and_tie_breaks():
    cs = ranking_set()
    units = [
        unit("U0", {"m": 6, "e": 5, "b": 1}),  # 12, effects 5, measures 6 → after U1 on measures: rank 5
        unit("U1", {"m": 7, "e": 5}),          # 12, effects 5, measures 7 → after the 12/6 pair on effects: rank 4
        unit("U4", {"m": 6, "e": 6}),          # 12, effects 6, measures 6 → tied with U2: rank 2
        unit("U2", {"m": 6, "e": 6}),          # identical → rank 2, listed first by code
        unit("U3", {"m": 7, "e": 7}),          # 14 → rank 1
        unit("U5", {"m": 1, "e": 1}),          # 2 → rank 6
    ]
    t = compute(cs, units)
    assert [(r.code, r.rank) for r in t.rows] == [("U3", 1), ("U2", 2), ("U4", 2), ("U1", 4), ("U0", 5), ("U5", 6)]
    assert t.quota_exceeded_by_tie is False
    check_against_reference(cs, units, None)


def test_rank_compares_rounded_totals():
    # w = 1/2, the same sheets (inspection total 10), satisfaction 80.01 vs 80.02:
    # totals 5 + 40.005 = 45.005 → 45.01 and 5 + 40.01 = 45.01: equal once rounded, so one shared rank
    # and the order falls to the unit code although B's exact total is higher.
    cs = one_criterion(scoring(step=F(1), satisfaction_weight=F(1, 2)), ("m", "measures", F(10)))
    units = [unit("B", {"m": 10}, satisfaction=F(8002, 100)), unit("A", {"m": 10}, satisfaction=F(8001, 100))]
    t = compute(cs, units)
    assert [(r.code, r.rank, r.total, r.satisfaction) for r in t.rows] == [
        ("A", 1, D("45.01"), D("80.01")), ("B", 1, D("45.01"), D("80.02"))]


def test_tie_at_the_quota_line():
    cs = ranking_set()
    units = [unit("A", {"m": 9, "e": 9}), unit("B", {"m": 6, "e": 6}), unit("C", {"m": 6, "e": 6}),
             unit("D", {"m": 5, "e": 5})]
    t = compute(cs, units, quota=2)                # ranks 1, 2, 2, 4: B and C both inside the quota
    assert [(r.code, r.rank, r.candidate) for r in t.rows] == [
        ("A", 1, True), ("B", 2, True), ("C", 2, True), ("D", 4, False)]
    assert t.quota_exceeded_by_tie is True
    assert [r.conclusion for r in t.rows] == ["candidate", "candidate", "candidate", "over_quota"]
    t3 = compute(cs, units, quota=3)               # 3 candidates for 3 places: not exceeded
    assert [r.code for r in t3.candidates] == ["A", "B", "C"] and t3.quota_exceeded_by_tie is False
    t1 = compute(cs, units, quota=1)
    assert [r.code for r in t1.candidates] == ["A"] and t1.quota_exceeded_by_tie is False
    tnone = compute(cs, units, quota=None)
    assert len(tnone.candidates) == 4 and tnone.quota_exceeded_by_tie is False


def test_tie_at_rank_one_exceeds_quota_one():
    cs = ranking_set()
    t = compute(cs, [unit("B", {"m": 6, "e": 6}), unit("A", {"m": 6, "e": 6})], quota=1)
    assert [(r.code, r.rank, r.candidate) for r in t.rows] == [("A", 1, True), ("B", 1, True)]
    assert t.quota_exceeded_by_tie is True


def test_bonus_cap_and_missing_bonus_lines():
    cs = one_criterion(scoring(step=F(1), bonus_cap=F(4), min_inspectors=1), ("m", "measures", F(10)),
                       bonuses=(Bonus("b1", "b1", F(3)), Bonus("b2", "b2", F(3))))
    capped = unit("A", {"m": 5, "b1": 3, "b2": 3})              # bonus 6 capped at 4: total 9
    missing = unit("B", {"m": 5, "b1": 2}, {"m": 5}, {"m": 5, "b1": 2})  # b1: (2+0+2)/3 = 4/3 → 1.33
    rows = by_code(compute(cs, [capped, missing]))
    assert rows["A"].bonus == D("4.00") and rows["A"].total == D("9.00")
    assert rows["A"].item_scores["b1"] == 3 and rows["A"].item_scores["b2"] == 3
    assert rows["B"].item_scores["b1"] == F(4, 3) and rows["B"].item_scores["b2"] == 0
    assert rows["B"].bonus == D("1.33") and rows["B"].total == D("6.33")
    cs0 = one_criterion(scoring(step=F(1)), ("m", "measures", F(10)), bonuses=(Bonus("b1", "b1", F(3)),))
    r0 = compute(cs0, [unit("A", {"m": 5, "b1": 3})]).rows[0]   # bonus_cap 0: bonuses count nothing
    assert (r0.bonus, r0.total) == (D("0.00"), D("5.00"))


def test_criterion_floor_makes_a_high_total_ineligible():
    sc = scoring(step=F(1, 2), pass_line=F(12), criterion_floor=F(3, 5))
    cs = CriteriaSet(id="floor", title="floor", version="1", scoring=sc, criteria=(
        Criterion("c1", "c1", (Item("a", "measures", "a", F(10)),)),
        Criterion("c2", "c2", (Item("b", "effects", "b", F(15, 2)), Item("c", "measures", "c", F(5, 2)))),
    ))
    # floor = 0.6 × 10 = 6 for both criteria.
    high = unit("A", {"a": 10, "b": F(11, 2), "c": 0})   # total 15.5 ≥ 12 but c2 = 5.5 < 6
    edge = unit("B", {"a": 6, "b": 5, "c": 1})           # c1 = 6 = floor, c2 = 6 = floor, total 12 = pass line
    low = unit("C", {"a": 6, "b": 5, "c": F(1, 2)})      # c2 = 5.5 and total 11.5: fails both ways
    t = compute(cs, [high, edge, low], quota=None)
    assert [(r.code, r.rank, r.total, r.eligible, r.candidate, r.conclusion) for r in t.rows] == [
        ("A", 1, D("15.50"), False, False, "failed"),
        ("B", 2, D("12.00"), True, True, "candidate"),
        ("C", 3, D("11.50"), False, False, "failed"),
    ]
    assert t.rows[0].criteria == {"c1": D("10.00"), "c2": D("5.50")}


def test_floor_and_pass_line_compare_rounded_figures():
    # Three inspectors score 1, 0.5, 0.5: the exact total 2/3 = 0.666… is below 0.67, but it is
    # compared rounded (0.67), so it meets a pass line of 0.67 and a floor of 0.67 × 1 point.
    sc = scoring(step=F(1, 2), pass_line=F(67, 100), criterion_floor=F(67, 100), min_inspectors=3)
    cs = one_criterion(sc, ("a", "measures", F(1)))
    r = compute(cs, [unit("A", {"a": 1}, {"a": F(1, 2)}, {"a": F(1, 2)})]).rows[0]
    assert r.item_scores["a"] == F(2, 3)
    assert r.total == D("0.67") and r.criteria["c1"] == D("0.67") and r.eligible is True
    # One point lower (0.5, 0.5, 0.5 → 0.50) fails both.
    r = compute(cs, [unit("A", {"a": F(1, 2)}, {"a": F(1, 2)}, {"a": F(1, 2)})]).rows[0]
    assert r.eligible is False and r.conclusion == "failed"


def test_vetoed_unit_keeps_its_rank_but_is_not_a_candidate():
    cs = ranking_set()
    units = [unit("A", {"m": 9, "e": 9}, vetoed=True), unit("B", {"m": 6, "e": 6}), unit("C", {"m": 5, "e": 5})]
    t = compute(cs, units, quota=1)
    # The place goes to the best eligible unit (§4.7): B, although its overall rank is 2.
    assert [(r.code, r.rank, r.quota_rank, r.eligible, r.candidate, r.conclusion) for r in t.rows] == [
        ("A", 1, None, False, False, "vetoed"), ("B", 2, 1, True, True, "candidate"),
        ("C", 3, 2, True, False, "over_quota")]
    check_against_reference(cs, units, 1)


def test_satisfaction_weight_and_missing_satisfaction():
    sc = scoring(step=F(1), satisfaction_weight=F(1, 5), min_inspectors=2, pass_line=F(60))
    cs = one_criterion(sc, ("m", "measures", F(50)), ("e", "effects", F(50)))
    sheet = {"m": 40, "e": 40}                              # inspection total 80
    with_s = unit("B", sheet, sheet, satisfaction=90)        # 80 × 0.8 + 90 × 0.2 = 64 + 18 = 82
    odd_s = unit("C", sheet, sheet, satisfaction=F(8533, 100))  # 64 + 17.066 = 81.066 → 81.07
    without = unit("A", sheet, sheet)                        # no satisfaction → incomplete
    t = compute(cs, [with_s, without, odd_s])
    rows = [(r.code, r.rank, r.complete, r.eligible, r.candidate, r.satisfaction) for r in t.rows]
    assert rows == [("B", 1, True, True, True, D("90.00")), ("C", 2, True, True, True, D("85.33")),
                    ("A", None, False, False, False, None)]
    assert t.rows[0].total == D("82.00") and t.rows[1].total == D("81.07")
    assert t.rows[2].conclusion == "incomplete"
    # With w = 0 the satisfaction is neither needed nor counted, though it is still shown.
    cs0 = one_criterion(scoring(step=F(1), min_inspectors=2), ("m", "measures", F(50)), ("e", "effects", F(50)))
    rows0 = by_code(compute(cs0, [with_s, without]))
    assert rows0["A"].complete and rows0["A"].total == D("80.00") and rows0["A"].satisfaction is None
    assert rows0["B"].total == D("80.00") and rows0["B"].satisfaction == D("90.00")
    assert rows0["A"].rank == rows0["B"].rank == 1


def test_too_few_sheets_go_last_by_code_without_rank():
    cs = one_criterion(scoring(step=F(1), min_inspectors=2), ("m", "measures", F(10)))
    units = [unit("Z", {"m": 1}, {"m": 1}), unit("B", {"m": 10}), unit("A", {"m": 9})]
    t = compute(cs, units)
    assert [(r.code, r.rank, r.complete) for r in t.rows] == [("Z", 1, True), ("A", None, False),
                                                              ("B", None, False)]
    assert t.rows[1].total == D("9.00")  # still shown


def test_self_total():
    cs = CriteriaSet(id="s", title="s", version="1", scoring=scoring(), criteria=(
        Criterion("c1", "c1", (Item("a", "measures", "a", F(5)), Item("b", "effects", "b", F(5)))),
        Criterion("c2", "c2", (Item("c", "measures", "c", F(5)),)),
    ))
    rows = by_code(compute(cs, [unit("A", {"a": 1, "b": 1, "c": 1}, self_scores={"a": F(7, 2), "b": 2}),
                                unit("B", {"a": 1, "b": 1, "c": 1})]))
    assert rows["A"].self_total == D("5.50")
    assert rows["A"].self_criteria == {"c1": D("5.50"), "c2": None}
    assert rows["B"].self_total is None
