"""A unit's history across the years (DESIGN §3a): its campaigns and results, titles, re-checks, open 整改."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from fractions import Fraction

from modelunit.domain import titles
from modelunit.domain.calendar import today
from modelunit.domain.context import Context
from modelunit.domain.models import Campaign, Entry, entry_key, from_dict
from modelunit.domain.permissions import require
from modelunit.domain.recheck import gap_record
from modelunit.domain.records import unit_of
from modelunit.domain.standings import compute_tally
from modelunit.numbers import r2


@dataclass
class Part:
    """The unit's part in one campaign."""

    campaign: str
    kind: str
    year: int
    batch: int
    stage: str
    status: str
    conclusion: str | None  # the tally's §4.8 word, when the unit is in the tally and it may be shown
    total: Decimal | None
    rank: int | None
    self_total: Decimal | None
    sampled: bool
    certificate: str | None


@dataclass
class History:
    unit: str
    name: str
    campaigns: list[Part] = field(default_factory=list)
    titles: list[dict] = field(default_factory=list)
    gaps: list[dict] = field(default_factory=list)  # open rectification items, newest campaign first

    def record(self) -> dict:
        return asdict(self)


def _final(campaign: Campaign) -> bool:
    return campaign.stage == campaign.stages[-1]


def unit_history(ctx: Context, code: str) -> History:
    """Every campaign the unit took part in, oldest first.  A clerk sees their own unit's history and,
    as with the tally, its scores only once a campaign has reached its last stage."""
    require(ctx.actor, "history.view", unit_code=code)
    tx = ctx.db.snapshot()
    unit = unit_of(tx, code)
    history = History(unit=unit.code, name=unit.name)
    docs = sorted((from_dict(Campaign, d) for d in tx.campaigns.values()),
                  key=lambda c: (c.year, c.created_at, c.batch))
    for campaign in docs:
        doc = tx.entries.get(entry_key(campaign.id, code))
        if doc is None:
            continue
        entry = from_dict(Entry, doc)
        row = None
        if ctx.actor.role == "admin" or _final(campaign):
            row = next((r for r in compute_tally(tx, campaign).rows if r.code == code), None)
        history.campaigns.append(Part(
            campaign=campaign.id, kind=campaign.kind, year=campaign.year, batch=campaign.batch,
            stage=campaign.stage, status=str(entry.status), conclusion=row.conclusion if row else None,
            total=row.total if row and row.complete else None, rank=row.rank if row else None,
            self_total=row.self_total if row else _self_total(entry),
            sampled=entry.sampled, certificate=entry.certificate))
        for g in entry.gaps:
            gap = gap_record(g)
            if gap.get("status") != "done":
                history.gaps.insert(0, {"campaign": campaign.id, **gap})
    day = today()
    for ti in titles.titles_of(tx, code):
        history.titles.append({"certificate": ti.certificate, "campaign": ti.campaign, "awarded": ti.awarded,
                               "valid_until": ti.valid_until, "status": ti.status(day),
                               "rectify_due": ti.rectify_due, "revoked_on": ti.revoked_on,
                               "ban_until": ti.ban_until, "events": list(ti.events)})
    return history


def _self_total(entry: Entry) -> Decimal | None:
    if not entry.selfcheck:
        return None
    return r2(sum((Fraction(v["score"]) for v in entry.selfcheck.values()), Fraction(0)))

