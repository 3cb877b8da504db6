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

# Unit statuses that settle the conclusion whatever the scores say (§4.8).  Plain strings: the
# tally stays independent of the status enum, and `revoked` exists only once titles do.
SETTLED = {"withdrawn": "withdrawn", "awarded": "awarded", "revoked": "revoked"}
CONCLUSIONS = ("withdrawn", "awarded", "revoked", "incomplete", "vetoed", "failed", "candidate", "over_quota")


@dataclass(frozen=True)
class TallyInput:
    """What the tally needs of one nominated unit."""

    code: str
    name: str
    sheets: tuple[dict[str, Fraction], ...]  # submitted sheets only: item/bonus id → score
    satisfaction: Fraction | None = None
    vetoed: bool = False
    self_scores: dict[str, Fraction] = field(default_factory=dict)
    type: str = ""  # township | street | department | other: what a per-type quota counts in
    status: str = ""  # the unit's status in the campaign (models.Status value)
    assigned: int = 0  # inspectors assigned, to say why a unit is incomplete


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
    type: str = ""
    status: str = ""
    quota_rank: int | None = None  # rank among the eligible units (of the unit's type, with per-type quotas)
    conclusion: str = "incomplete"  # one of CONCLUSIONS, the 结论 column
    # Why the unit is incomplete, as catalogue keys with their fields (empty when complete).
    missing: tuple[tuple[str, dict], ...] = ()


@dataclass
class QuotaTie:
    """A quota exceeded because units tie on its line: ``type`` is None for the campaign's one quota."""

    type: str | None
    quota: int
    candidates: int


@dataclass
class Tally:
    rows: list[TallyRow]
    quota: int | None
    quota_exceeded_by_tie: bool
    quota_by_type: dict[str, int] = field(default_factory=dict)
    ties: list[QuotaTie] = field(default_factory=list)

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


def compute(cs: CriteriaSet, units: list[TallyInput], quota: int | None = None,
            quota_by_type: dict[str, int] | None = None) -> Tally:
    """The tally of ``units``; ``quota`` (one for the campaign) or ``quota_by_type`` (type → places)."""
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
        missing = _missing(u, sc.min_inspectors, w > 0)
        complete = not missing
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
            item_scores=item_scores, self_criteria=self_crit, type=u.type, status=u.status, missing=missing))
        sort_keys[u.code] = (total_r, effects_r, measures_r)
    return _order_and_place(rows, sort_keys, quota, quota_by_type or {})


def _missing(u: TallyInput, min_inspectors: int, needs_satisfaction: bool) -> tuple[tuple[str, dict], ...]:
    """Why a unit is incomplete (§4.5), as catalogue keys: empty when it is complete."""
    why: list[tuple[str, dict]] = []
    if len(u.sheets) < min_inspectors:
        why.append(("tally.missing_sheets", {"done": len(u.sheets), "need": min_inspectors}))
        if u.assigned < min_inspectors:  # the sheets cannot come in: too few inspectors assigned
            why.append(("tally.missing_assigned", {"assigned": u.assigned}))
    if needs_satisfaction and u.satisfaction is None:
        why.append(("tally.missing_satisfaction", {}))
    return tuple(why)


def _order_and_place(rows: list[TallyRow], sort_keys: dict[str, tuple], quota: int | None,
                     quota_by_type: dict[str, int]) -> Tally:
    """Order and rank (§4.6), give the quota places (§4.7) and the conclusions (§4.8)."""
    complete_rows = sorted((r for r in rows if r.complete),
                           key=lambda r: (-sort_keys[r.code][0], -sort_keys[r.code][1],
                                          -sort_keys[r.code][2], r.code))
    incomplete_rows = sorted((r for r in rows if not r.complete), key=lambda r: r.code)
    _competition_rank(complete_rows, sort_keys, "rank")
    per_type = bool(quota_by_type)
    groups: dict[str | None, list[TallyRow]] = {}
    for row in complete_rows:
        if row.eligible:
            groups.setdefault(row.type if per_type else None, []).append(row)
    ties: list[QuotaTie] = []
    for group, members in groups.items():
        _competition_rank(members, sort_keys, "quota_rank")
        places = quota_by_type.get(group or "") if per_type else quota
        if per_type and places is None:
            continue  # a type without a quota gets no place (§4.7)
        for row in members:
            row.candidate = places is None or row.quota_rank <= places  # type: ignore[operator]
        chosen = sum(1 for row in members if row.candidate)
        if places is not None and chosen > places:
            ties.append(QuotaTie(type=group, quota=places, candidates=chosen))
    for row in rows:
        row.conclusion = _conclusion(row)
    ties.sort(key=lambda tie: tie.type or "")
    return Tally(rows=complete_rows + incomplete_rows, quota=quota, quota_exceeded_by_tie=bool(ties),
                 quota_by_type=dict(quota_by_type), ties=ties)


def _competition_rank(ordered: list[TallyRow], sort_keys: dict[str, tuple], attr: str) -> None:
    """1, 2, 2, 4 over rows already in tally order: equal keys share a rank."""
    previous: tuple | None = None
    rank = 0
    for position, row in enumerate(ordered, start=1):
        key = sort_keys[row.code]
        if key != previous:
            rank, previous = position, key
        setattr(row, attr, rank)


def _conclusion(row: TallyRow) -> str:
    settled = SETTLED.get(row.status)
    if settled:
        return settled
    if not row.complete:
        return "incomplete"
    if row.vetoed:
        return "vetoed"
    if not row.eligible:
        return "failed"
    return "candidate" if row.candidate else "over_quota"
