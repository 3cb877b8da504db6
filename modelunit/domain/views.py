"""Read models for the dashboard: what each role may see of a campaign, gathered in one read.

No rule lives here that is not asked of :mod:`modelunit.domain.permissions`;
these functions only shape data for display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from modelunit.domain import models
from modelunit.domain.calendar import parse_date, today, working_days_left
from modelunit.domain.context import Context
from modelunit.domain.criteria import CriteriaSet
from modelunit.domain.models import STAGES, Campaign, Entry, Objection, Sheet, Unit, from_dict
from modelunit.domain.permissions import allowed, can_see_unit, require
from modelunit.domain.records import campaign_of, criteria_of, entries_of
from modelunit.domain.sheets import sheets_of
from modelunit.domain.standings import compute_tally
from modelunit.domain.units import evidence_complete

# Which pipeline stage a unit status belongs to (None: out of the running).
STATUS_STAGE: dict[str, str | None] = {
    models.REGISTERED: "selfcheck", models.SELFCHECK_SUBMITTED: "nomination", models.NOMINATED: "inspection",
    models.INSPECTED: "inspection", models.CANDIDATE: "publicity", models.IN_PUBLICITY: "publicity",
    models.APPROVED: "award", models.AWARDED: "award", models.NOT_NOMINATED: None, models.NOT_SELECTED: None,
    models.WITHDRAWN: None,
}


@dataclass
class UnitRow:
    code: str
    name: str
    type: str
    status: str
    materials_done: int
    materials_needed: int
    total: object = None  # Decimal, only where the tally is visible
    rank: int | None = None


@dataclass
class Dashboard:
    campaign: Campaign
    criteria: CriteriaSet
    stage_counts: dict[str, int]
    out_count: int
    due: date | None
    days_left: int | None
    rows: list[UnitRow]
    others: list[tuple[str, str]] = field(default_factory=list)  # other campaigns (id, title)


def _due(campaign: Campaign) -> tuple[date | None, int | None]:
    now = today()
    holidays = {parse_date(d) for d in campaign.holidays}
    if campaign.stage == "selfcheck" and campaign.selfcheck_due:
        due = parse_date(campaign.selfcheck_due)
    elif campaign.stage == "nomination" and campaign.nomination_due:
        due = parse_date(campaign.nomination_due)
    elif campaign.stage == "publicity" and campaign.publicity_end:
        due = parse_date(campaign.publicity_end)
        return due, working_days_left(now, due, holidays)
    else:
        return None, None
    return due, (due - now).days


def dashboard(ctx: Context) -> Dashboard:
    require(ctx.actor, "campaign.view")
    tx = ctx.db.snapshot()
    campaign = campaign_of(tx, ctx.campaign_id)
    cs = criteria_of(campaign)
    units = {code: from_dict(Unit, d) for code, d in tx.units.items()}
    ranks: dict[str, tuple[object, int | None]] = {}
    if allowed(ctx.actor, "tally.view") and ctx.actor.role == "admin":
        ranks = {r.code: (r.total, r.rank) for r in compute_tally(tx, campaign).rows}
    counts: dict[str, int] = {s: 0 for s in STAGES}
    out = 0
    rows = []
    for entry in entries_of(tx, campaign):
        if not can_see_unit(ctx.actor, entry):
            continue
        stage = STATUS_STAGE.get(entry.status)
        if stage:
            counts[stage] += 1
        else:
            out += 1
        unit = units.get(entry.unit)
        total, rank = ranks.get(entry.unit, (None, None))
        rows.append(UnitRow(entry.unit, unit.name if unit else entry.unit, unit.type if unit else "other",
                            entry.status, evidence_complete(entry, cs), len(cs.criteria), total, rank))
    due, left = _due(campaign)
    others = sorted(((d["id"], d["title"]) for d in tx.campaigns.values()), key=lambda p: p[0])
    return Dashboard(campaign, cs, counts, out, due, left, rows, others)


@dataclass
class UnitDetail:
    campaign: Campaign
    criteria: CriteriaSet
    unit: Unit
    entry: Entry
    sheets: list[Sheet]  # the sheets the actor may see
    objections: list[Objection]
    can: dict[str, bool]


ACTIONS = ("selfcheck.edit", "selfcheck.submit", "material.add", "material.supplement", "nominate",
           "inspect.assign", "score.edit", "score.submit", "veto", "objection.add", "objection.resolve", "award",
           "publicity.start", "campaign.advance", "satisfaction.set")


def unit_detail(ctx: Context, code: str) -> UnitDetail:
    tx = ctx.db.snapshot()
    campaign = campaign_of(tx, ctx.campaign_id)
    from modelunit.domain.records import entry_of, unit_of

    entry = entry_of(tx, campaign, code)
    require(ctx.actor, "unit.view", None, entry)
    sheets = sheets_of(tx, campaign).get(code, [])
    if ctx.actor.role == "inspector":
        sheets = [s for s in sheets if s.inspector == ctx.actor.name]
    elif ctx.actor.role == "unit":
        sheets = sheets if entry.status == models.AWARDED else []
    objections = [from_dict(Objection, d) for d in tx.objections.values()
                  if d["campaign"] == campaign.id and d["unit"] == code]
    if ctx.actor.role != "admin":
        objections = []
    can = {a: allowed(ctx.actor, a, campaign, entry) for a in ACTIONS}
    return UnitDetail(campaign, criteria_of(campaign), unit_of(tx, code), entry,
                      sorted(sheets, key=lambda s: s.inspector), sorted(objections, key=lambda o: int(o.id)), can)
