"""The tally (DESIGN §4, a contract): exact arithmetic, half-up rounding, ranking.

Pure functions over plain inputs: nothing here reads the database, so the
same code serves the CLI, the dashboard, the workbook and the property tests.
Every sum is a :class:`~fractions.Fraction`; a figure is rounded with
:func:`~modelunit.numbers.r2` only where it is shown, compared or ranked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import lcm

from modelunit.domain.criteria import CriteriaSet
from modelunit.numbers import r2


@dataclass(frozen=True)
class TallyInput:
    """What the tally needs of one nominated unit."""

    code: str
    name: str
    sheets: tuple[dict[str, Fraction], ...]  # submitted sheets only: item/bonus id → score
    satisfaction: Fraction | None = None
    vetoed: bool = False
    self_scores: dict[str, Fraction] = field(default_factory=dict)


@dataclass
class TallyRow:
    code: str
    name: str
    rank: int | None
    total: Decimal
    measures: Decimal
    effects: Decimal
    bonus: Decimal
    satisfaction: Decimal | None
    criteria: dict[str, Decimal]
    complete: bool
    vetoed: bool
    eligible: bool
    candidate: bool
    self_total: Decimal | None
    sheets: int
    item_scores: dict[str, Fraction]  # exact aggregates, for the detail sheets
    self_criteria: dict[str, Decimal | None]

    @property
    def conclusion(self) -> str:
        """candidate | vetoed | failed | incomplete — the 结论 column."""
        if not self.complete:
            return "incomplete"
        if self.vetoed:
            return "vetoed"
        if self.candidate:
            return "candidate"
        return "failed" if not self.eligible else "over_quota"


@dataclass
class Tally:
    rows: list[TallyRow]
    quota: int | None
    quota_exceeded_by_tie: bool

    @property
    def candidates(self) -> list[TallyRow]:
        return [r for r in self.rows if r.candidate]


def aggregate(scores: list[Fraction], method: str) -> Fraction:
    """One item's score from its inspectors' scores (0 when there are none).

    Works on integers over a common denominator: exact, and much faster than
    adding Fractions one by one (this runs for every item of every unit).
    """
    if not scores:
        return Fraction(0)
    den = lcm(*(s.denominator for s in scores))
    ordered = sorted(s.numerator * (den // s.denominator) for s in scores)
    n = len(ordered)
    if method == "median":
        mid = n // 2
        return Fraction(ordered[mid], den) if n % 2 else Fraction(ordered[mid - 1] + ordered[mid], 2 * den)
    if method == "trimmed_mean" and n >= 5:
        ordered = ordered[1:-1]
        n -= 2
    return Fraction(sum(ordered), den * n)


def compute(cs: CriteriaSet, units: list[TallyInput], quota: int | None = None) -> Tally:
    sc = cs.scoring
    w = sc.satisfaction_weight
    rows: list[TallyRow] = []
    sort_keys: dict[str, tuple] = {}
    for u in units:
        item_scores: dict[str, Fraction] = {}
        crit: dict[str, Fraction] = {}
        dims = {"measures": Fraction(0), "effects": Fraction(0)}
        for c in cs.criteria:
            c_sum = Fraction(0)
            for it in c.items:
                s = aggregate([sh[it.id] for sh in u.sheets if it.id in sh], sc.aggregate)
                item_scores[it.id] = s
                c_sum += s
                dims[it.dimension] += s
            crit[c.id] = c_sum
        bonus_sum = Fraction(0)
        for b in cs.bonuses:
            # An empty bonus line counts as 0 for that inspector (§4.1).
            s = aggregate([sh.get(b.id, Fraction(0)) for sh in u.sheets], sc.aggregate)
            item_scores[b.id] = s
            bonus_sum += s
        bonus = min(bonus_sum, sc.bonus_cap)
        inspection_total = sum(crit.values(), Fraction(0)) + bonus
        total = inspection_total
        if w > 0:
            total = inspection_total * (1 - w) + (u.satisfaction or Fraction(0)) * w
        complete = len(u.sheets) >= sc.min_inspectors and (w == 0 or u.satisfaction is not None)
        total_r, effects_r, measures_r = r2(total), r2(dims["effects"]), r2(dims["measures"])
        crit_r = {cid: r2(v) for cid, v in crit.items()}
        floor_ok = all(crit_r[c.id] >= r2(sc.criterion_floor * c.points) for c in cs.criteria)
        eligible = complete and not u.vetoed and total_r >= r2(sc.pass_line) and floor_ok
        self_vals = [u.self_scores[it.id] for it in cs.items if it.id in u.self_scores]
        self_crit = {}
        for c in cs.criteria:
            vals = [u.self_scores[it.id] for it in c.items if it.id in u.self_scores]
            self_crit[c.id] = r2(sum(vals, Fraction(0))) if vals else None
        rows.append(TallyRow(
            code=u.code, name=u.name, rank=None, total=total_r, measures=measures_r, effects=effects_r,
            bonus=r2(bonus), satisfaction=None if u.satisfaction is None else r2(u.satisfaction),
            criteria=crit_r, complete=complete, vetoed=u.vetoed, eligible=eligible, candidate=False,
            self_total=r2(sum(self_vals, Fraction(0))) if self_vals else None, sheets=len(u.sheets),
            item_scores=item_scores, self_criteria=self_crit))
        sort_keys[u.code] = (total_r, effects_r, measures_r)

    complete_rows = sorted((r for r in rows if r.complete),
                           key=lambda r: (-sort_keys[r.code][0], -sort_keys[r.code][1],
                                          -sort_keys[r.code][2], r.code))
    incomplete_rows = sorted((r for r in rows if not r.complete), key=lambda r: r.code)
    previous = None
    for position, row in enumerate(complete_rows, start=1):
        key = sort_keys[row.code]
        row.rank = previous[1] if previous and previous[0] == key else position
        previous = (key, row.rank)
    tie = False
    for row in complete_rows:
        row.candidate = row.eligible and (quota is None or (row.rank is not None and row.rank <= quota))
    if quota is not None:
        tie = sum(1 for r in complete_rows if r.candidate) > quota
    return Tally(rows=complete_rows + incomplete_rows, quota=quota, quota_exceeded_by_tie=tie)
