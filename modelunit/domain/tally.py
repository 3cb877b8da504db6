"""The tally (DESIGN §4, a contract): exact arithmetic, half-up rounding, ranking.

Pure functions over plain inputs: nothing here reads the database, so the
same code serves the CLI, the dashboard, the workbook and the property tests.
Every sum is a :class:`~fractions.Fraction`; a figure is rounded with
:func:`~modelunit.numbers.r2` only where it is shown, compared or ranked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
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
    # Submitted sheets only: item/bonus id → score.  Scores are Fractions, or (when ``scale`` is
    # set) whole numbers counting 1/scale each, which spares the tally the conversion.
    sheets: tuple[dict[str, Fraction], ...] | tuple[dict[str, int], ...]
    satisfaction: Fraction | None = None
    vetoed: bool = False
    self_scores: dict[str, Fraction] | dict[str, int] = field(default_factory=dict)
    type: str = ""  # township | street | department | other: what a per-type quota counts in
    status: str = ""  # the unit's status in the campaign (models.Status value)
    assigned: int = 0  # inspectors assigned, to say why a unit is incomplete
    scale: int = 0  # 0: the scores are Fractions; else whole numbers of 1/scale


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
    item_scores: Mapping[str, Fraction]  # exact aggregates, for the detail sheets
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


def aggregate(scores: Sequence[int], method: str) -> tuple[int, int]:
    """One item's score from its inspectors' scores, as ``(numerator, divisor)`` of whole numbers.

    The scores are integers in units of the unit's scale (see :class:`TallyInput`); the
    item's score is ``numerator / (divisor × scale)``, exactly.  No scores: 0.
    """
    n = len(scores)
    if not n:
        return 0, 1
    if method == "median":
        ordered = sorted(scores)
        mid = n // 2
        return (ordered[mid], 1) if n % 2 else (ordered[mid - 1] + ordered[mid], 2)
    if method == "trimmed_mean" and n >= 5:
        return sum(scores) - max(scores) - min(scores), n - 2
    return sum(scores), n


class ExactScores(Mapping[str, Fraction]):
    """Each item's exact aggregate (for the detail sheets), made a Fraction only when it is read."""

    __slots__ = ("_index", "_nums", "_den")

    def __init__(self, index: dict[str, int], nums: list[int], den: int) -> None:
        self._index, self._nums, self._den = index, nums, den

    def __getitem__(self, key: str) -> Fraction:
        return Fraction(self._nums[self._index[key]], self._den)

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return repr(dict(self))


_CENTS: dict[int, Decimal] = {}


def _shown(num: int, den: int) -> Decimal:
    """num / den rounded half up to 2 places (§4), by integer arithmetic: floor(100·x + 1/2)."""
    if num < 0:
        return r2(Fraction(num, den))
    cents = (200 * num + den) // (2 * den)
    shown = _CENTS.get(cents)
    if shown is None:
        shown = _CENTS[cents] = Decimal(cents).scaleb(-2)
    return shown


def _cents(value: Fraction) -> int:
    return int(r2(value).scaleb(2))


@dataclass(frozen=True)
class _Layout:
    """What the tally needs of a criteria set, worked out once per tally rather than once per unit."""

    item_ids: tuple[str, ...]
    criterion_of: tuple[int, ...]  # per item: the index of its criterion
    is_effects: tuple[bool, ...]  # per item: dimension effects (else measures)
    bonus_ids: tuple[str, ...]
    ids: tuple[str, ...]  # item_ids + bonus_ids
    index: dict[str, int]  # item and bonus id → position in item_ids + bonus_ids
    floors: tuple[int, ...]  # per criterion: the floor in cents (criterion_floor × points, rounded)
    pass_cents: int

    @classmethod
    def of(cls, cs: CriteriaSet) -> _Layout:
        items = [(it, ci) for ci, c in enumerate(cs.criteria) for it in c.items]
        ids = tuple(it.id for it, _ in items) + tuple(b.id for b in cs.bonuses)
        sc = cs.scoring
        return cls(item_ids=tuple(it.id for it, _ in items), criterion_of=tuple(ci for _, ci in items),
                   is_effects=tuple(it.dimension == "effects" for it, _ in items),
                   bonus_ids=tuple(b.id for b in cs.bonuses), ids=ids, index={k: i for i, k in enumerate(ids)},
                   floors=tuple(_cents(sc.criterion_floor * c.points) for c in cs.criteria),
                   pass_cents=_cents(sc.pass_line))


def _scaled(u: TallyInput) -> tuple[int, tuple[dict[str, int], ...], dict[str, int]]:
    """The unit's scores as whole numbers over one scale (its sheets' and self-scores' common denominator)."""
    if u.scale:
        return u.scale, u.sheets, u.self_scores  # type: ignore[return-value]
    values = [v for sh in u.sheets for v in sh.values()] + list(u.self_scores.values())
    scale = lcm(*(Fraction(v).denominator for v in values)) if values else 1

    def whole(v) -> int:
        f = Fraction(v) * scale
        return f.numerator  # a whole number: scale is a multiple of every denominator

    return (scale, tuple({k: whole(v) for k, v in sh.items()} for sh in u.sheets),
            {k: whole(v) for k, v in u.self_scores.items()})


def compute(cs: CriteriaSet, units: list[TallyInput], quota: int | None = None,
            quota_by_type: dict[str, int] | None = None) -> Tally:
    """The tally of ``units``; ``quota`` (one for the campaign) or ``quota_by_type`` (type → places).

    Exact throughout: every sum is of whole numbers over a common denominator (a unit's
    score scale times the aggregate's divisor), and a figure is divided out only where it is
    rounded to be shown, compared or ranked.  At province scale (2,000 units, 280,000
    scores) this is several times faster than adding Fractions.
    """
    layout = _Layout.of(cs)
    rows: list[TallyRow] = []
    sort_keys: dict[str, tuple] = {}
    for u in units:
        row, key = _unit_row(cs, layout, u)
        rows.append(row)
        sort_keys[u.code] = key
    return _order_and_place(rows, sort_keys, quota, quota_by_type or {})


def _unit_row(cs: CriteriaSet, layout: _Layout, u: TallyInput) -> tuple[TallyRow, tuple]:
    sc = cs.scoring
    scale, sheets, self_scores = _scaled(u)
    method = sc.aggregate
    n_items = len(layout.item_ids)
    # One column of scores per item and bonus, in layout order (None: the sheet has no score there).
    columns = list(zip(*(list(map(sh.get, layout.ids)) for sh in sheets))) if sheets else [()] * len(layout.ids)
    parts = [aggregate(col if None not in col else [v for v in col if v is not None], method)
             for col in columns[:n_items]]
    # An empty bonus line counts as 0 for that inspector (§4.1).
    parts += [aggregate(col if None not in col else [v or 0 for v in col], method) for col in columns[n_items:]]
    divisors = {d for _, d in parts}
    common = divisors.pop() if len(divisors) == 1 else lcm(*divisors)
    nums = [num * (common // d) for num, d in parts]
    den = common * scale  # every figure below is (whole number) / den
    crit = [0] * len(cs.criteria)
    measures = effects = 0
    for num, ci, eff in zip(nums, layout.criterion_of, layout.is_effects):
        crit[ci] += num
        if eff:
            effects += num
        else:
            measures += num
    cap = sc.bonus_cap
    bonus_num = min(sum(nums[n_items:]) * cap.denominator, cap.numerator * den)  # over den × cap.denominator
    bonus_den = den * cap.denominator
    total_num, total_den = sum(crit) * cap.denominator + bonus_num, bonus_den
    w = sc.satisfaction_weight
    if w > 0:
        sat = u.satisfaction or Fraction(0)
        total_num = (total_num * (w.denominator - w.numerator) * sat.denominator
                     + sat.numerator * w.numerator * total_den)
        total_den *= w.denominator * sat.denominator
    missing = _missing(u, sc.min_inspectors, w > 0)
    complete = not missing
    total_r, effects_r, measures_r = _shown(total_num, total_den), _shown(effects, den), _shown(measures, den)
    crit_cents = [(200 * v + den) // (2 * den) if v >= 0 else _cents(Fraction(v, den)) for v in crit]
    floor_ok = all(c >= f for c, f in zip(crit_cents, layout.floors))
    eligible = complete and not u.vetoed and total_r.scaleb(2) >= layout.pass_cents and floor_ok
    self_crit: dict[str, Decimal | None] = {}
    self_sum = 0
    if self_scores:
        self_by_crit: list[int | None] = [None] * len(cs.criteria)
        for iid, ci in zip(layout.item_ids, layout.criterion_of):
            v = self_scores.get(iid)
            if v is not None:
                self_by_crit[ci] = (self_by_crit[ci] or 0) + v
                self_sum += v
        self_crit = {c.id: None if v is None else _shown(v, scale) for c, v in zip(cs.criteria, self_by_crit)}
        has_self = any(v is not None for v in self_by_crit)
    else:
        self_crit = {c.id: None for c in cs.criteria}
        has_self = False
    row = TallyRow(
        code=u.code, name=u.name, rank=None, total=total_r, measures=measures_r, effects=effects_r,
        bonus=_shown(bonus_num, bonus_den), satisfaction=None if u.satisfaction is None else r2(u.satisfaction),
        criteria={c.id: _shown(v, den) for c, v in zip(cs.criteria, crit)}, complete=complete, vetoed=u.vetoed,
        eligible=eligible, candidate=False, self_total=_shown(self_sum, scale) if has_self else None,
        sheets=len(sheets), item_scores=ExactScores(layout.index, nums, den), self_criteria=self_crit,
        type=u.type, status=u.status, missing=missing)
    return row, (total_r, effects_r, measures_r)


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
