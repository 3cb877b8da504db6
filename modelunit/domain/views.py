"""Read models for the dashboard: what each role may see of a campaign, and may do in it, gathered in one read.

No rule lives here that is not asked of :mod:`modelunit.domain.permissions` or of the
domain function that enforces it; these functions only shape data for display.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from modelunit.domain import models, titles
from modelunit.domain.calendar import parse_date, today
from modelunit.domain.campaigns import next_stage
from modelunit.domain.context import Context
from modelunit.domain.criteria import CriteriaSet
from modelunit.domain.models import Campaign, Entry, Objection, Sheet, Stage, Status, Unit, User, from_dict
from modelunit.domain.permissions import allowed, can_see_unit, require
from modelunit.domain.progress import selfcheck_entered, selfcheck_submitted
from modelunit.domain.publicity import awaiting_award, days_left, publicity_started
from modelunit.domain.records import campaign_of, criteria_of, entries_of
from modelunit.domain.sheets import sheets_of
from modelunit.domain.standings import compute_tally, tally_visible
from modelunit.domain.units import evidence_complete

# Which pipeline stage a unit status belongs to (None: out of the running).
STATUS_STAGE: dict[str, Stage | None] = {
    Status.REGISTERED: Stage.SELFCHECK, Status.SELFCHECK_SUBMITTED: Stage.NOMINATION,
    Status.RETURNED: Stage.NOMINATION,
    Status.NOMINATED: Stage.INSPECTION, Status.INSPECTED: Stage.INSPECTION, Status.CANDIDATE: Stage.PUBLICITY,
    Status.IN_PUBLICITY: Stage.PUBLICITY, Status.APPROVED: Stage.AWARD, Status.AWARDED: Stage.AWARD,
    Status.NOT_NOMINATED: None, Status.NOT_SELECTED: None, Status.WITHDRAWN: None, Status.REVOKED: None,
    Status.SAMPLED: Stage.INSPECTION, Status.PASSED: Stage.CONCLUSION, Status.NOT_PASSED: Stage.CONCLUSION,
}
# The statuses of units out of the running, each counted apart (未申报, 未入选, 已撤销).
OUT_STATUSES = tuple(s for s, stage in STATUS_STAGE.items() if stage is None)


class Offer(StrEnum):
    """Whether a screen offers an action to its actor."""

    NOW = "now"  # allowed here and now
    NOT_NOW = "not_now"  # the actor's role may, but not at this stage or in this state
    NEVER = "never"  # the actor's role never may


def offer(actor: User, action: str, campaign: Campaign | None, ready: bool = True) -> Offer:
    """Ask :mod:`~modelunit.domain.permissions` about ``action``; ``ready`` is the answer of the
    domain function's own precondition (e.g. :func:`~modelunit.domain.publicity.publicity_started`)."""
    if not allowed(actor, action):
        return Offer.NEVER
    if campaign is None or not ready or not allowed(actor, action, campaign):
        return Offer.NOT_NOW
    return Offer.NOW


def bulk_import_offer(actor: User, campaign: Campaign | None, actions: Iterable[str]) -> Offer:
    """A CSV file holds many units' rows: it is the office's and the inspectors' tool.  A clerk acts
    on their own unit only, through its page, so a bulk import is never offered to them."""
    if actor.role == "unit":
        return Offer.NEVER
    offers = {offer(actor, a, campaign) for a in actions}
    return min(offers, key=list(Offer).index, default=Offer.NEVER)


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
    selfcheck_entered: int = 0  # items with a self-score
    selfcheck_total: int = 0
    selfcheck_submitted: bool = False
    blocked: bool = False  # a creation campaign's unit that may not nominate (a held title, a ban)


@dataclass
class Dashboard:
    campaign: Campaign
    criteria: CriteriaSet
    stage_counts: dict[str, int]
    out_counts: dict[str, int]  # OUT_STATUSES → how many units
    due: date | None
    days_left: int | None
    rows: list[UnitRow]
    others: list[tuple[str, str]] = field(default_factory=list)  # other campaigns (id, title)
    offers: dict[str, Offer] = field(default_factory=dict)  # permission action → what the actor may do now
    to_award: int = 0  # units the award would name


def _due(campaign: Campaign) -> tuple[date | None, int | None]:
    now = today()
    if campaign.stage == Stage.SELFCHECK and campaign.selfcheck_due:
        due = parse_date(campaign.selfcheck_due)
    elif campaign.stage == Stage.NOMINATION and campaign.nomination_due:
        due = parse_date(campaign.nomination_due)
    elif campaign.stage == Stage.PUBLICITY and campaign.publicity_end:
        due = parse_date(campaign.publicity_end)
        return due, days_left(campaign, now)
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
    counts: dict[str, int] = {s: 0 for s in campaign.stages}
    out: dict[str, int] = {s: 0 for s in OUT_STATUSES}
    rows = []
    visible: list[Entry] = []
    titled = titled_units(tx)
    for entry in entries_of(tx, campaign):
        if not can_see_unit(ctx.actor, entry):
            continue
        visible.append(entry)
        stage = STATUS_STAGE.get(entry.status)
        if stage:
            counts[stage] = counts.get(stage, 0) + 1
        else:
            out[entry.status] = out.get(entry.status, 0) + 1
        unit = units.get(entry.unit)
        total, rank = ranks.get(entry.unit, (None, None))
        rows.append(UnitRow(entry.unit, unit.name if unit else entry.unit, unit.type if unit else "other",
                            entry.status, evidence_complete(entry, cs), len(cs.criteria), total, rank,
                            selfcheck_entered(cs, entry), len(cs.items), selfcheck_submitted(entry),
                            bool(nomination_blocked(tx, campaign, entry, titled))))
    due, left = _due(campaign)
    others = sorted(((d["id"], d["title"]) for d in tx.campaigns.values()), key=lambda p: p[0])
    own = next((e for e in visible if e.unit == ctx.actor.unit), None)
    to_award = len(awaiting_award(visible))
    actor = ctx.actor
    offers = {
        "campaign.view": offer(actor, "campaign.view", campaign),  # the progress view
        "tally.view": offer(actor, "tally.view", campaign, tally_visible(actor, campaign, own)),
        "export": offer(actor, "export", campaign),
        "audit.view": offer(actor, "audit.view", campaign),
        "campaign.advance": offer(actor, "campaign.advance", campaign, next_stage(campaign) is not None),
        "publicity.start": offer(actor, "publicity.start", campaign, not publicity_started(campaign)),
        "award": offer(actor, "award", campaign, to_award > 0),
        "title.view": offer(actor, "title.view", campaign),
        # Another campaign to open (the picker): a view permission, offered when there is more than one.
        "campaign.pick": offer(actor, "campaign.view", campaign, len(others) > 1),
    }
    return Dashboard(campaign, cs, counts, out, due, left, rows, others, offers, to_award)


@dataclass
class UnitDetail:
    campaign: Campaign
    criteria: CriteriaSet
    unit: Unit
    entry: Entry
    sheets: list[Sheet]  # the sheets the actor may see
    objections: list[Objection]
    can: dict[str, bool]
    blocked: str = ""  # why the unit may not nominate in this creation campaign (DESIGN §3), or ""


# The statuses in which a unit could still nominate, or did not: where a title or a ban explains why not.
BEFORE_NOMINATION = (models.REGISTERED, models.SELFCHECK_SUBMITTED, models.NOT_NOMINATED)


def titled_units(tx) -> set[str]:
    """The units that hold or held a title: the only ones a title or a ban can keep from nominating."""
    return {d["unit"] for d in tx.titles.values()}


def nomination_blocked(tx, campaign: Campaign, entry: Entry, titled: set[str] | None = None) -> str:
    """Why ``entry``'s unit may not nominate here (its title or reapply ban, in words), or "".
    ``titled`` (from :func:`titled_units`) spares a table of units a look at every title for each."""
    if campaign.kind == "recheck" or entry.status not in BEFORE_NOMINATION:
        return ""
    if titled is not None and entry.unit not in titled:
        return ""
    block = titles.nomination_block(tx, entry.unit)
    return block.render() if block is not None else ""


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
        sheets = sheets if entry.status == Status.AWARDED else []
    objections = [from_dict(Objection, d) for d in tx.objections.values()
                  if d["campaign"] == campaign.id and d["unit"] == code]
    if ctx.actor.role != "admin":
        objections = []
    can = {a: allowed(ctx.actor, a, campaign, entry) for a in ACTIONS}
    return UnitDetail(campaign, criteria_of(campaign), unit_of(tx, code), entry,
                      sorted(sheets, key=lambda s: s.inspector), sorted(objections, key=lambda o: int(o.id)), can,
                      nomination_blocked(tx, campaign, entry))


@dataclass
class Account:
    name: str
    role: str
    unit: str | None = None
    unit_name: str = ""


def accounts(ctx: Context, names: Iterable[str]) -> list[Account]:
    """Who each named account is, for choosing one in the demo (users have no real names:
    a role, and a clerk's unit).  Names that are not users are left out."""
    tx = ctx.db.snapshot()
    found = []
    for name in names:
        doc = tx.users.get(name)
        if doc is None:
            continue
        user = from_dict(User, doc)
        unit = tx.units.get(user.unit) if user.unit else None
        found.append(Account(user.name, user.role, user.unit, unit["name"] if unit else ""))
    return found
