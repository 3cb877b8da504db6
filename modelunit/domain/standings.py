"""The tally of a stored campaign: its inputs gathered from the database, and who may see it.

The arithmetic itself is :mod:`modelunit.domain.tally` (pure functions).
"""

from __future__ import annotations

from fractions import Fraction

from modelunit.domain import models, tally
from modelunit.domain.context import Context
from modelunit.domain.models import Campaign
from modelunit.domain.permissions import require
from modelunit.domain.records import campaign_of, criteria_of, entries_of, entry_of
from modelunit.domain.sheets import sheets_of
from modelunit.errors import Refused
from modelunit.storage.database import Tx


def compute_tally(tx: Tx, campaign: Campaign) -> tally.Tally:
    """The tally of every nominated unit, from submitted sheets only."""
    cs = criteria_of(campaign)
    units = {code: doc["name"] for code, doc in tx.units.items()}
    by_unit = sheets_of(tx, campaign)
    inputs = []
    memo: dict[str, Fraction] = {}

    def exact(text: str) -> Fraction:
        # Score texts repeat ("4", "4.5"): parse each distinct one once.
        value = memo.get(text)
        if value is None:
            value = memo[text] = Fraction(text)
        return value

    for entry in entries_of(tx, campaign):
        if entry.status not in models.NOMINATED_STATUSES:
            continue
        sheets = tuple({k: exact(v) for k, v in s.scores.items()}
                       for s in sorted(by_unit.get(entry.unit, []), key=lambda s: s.inspector)
                       if s.submitted and s.inspector in entry.inspectors)
        inputs.append(tally.TallyInput(
            code=entry.unit, name=units.get(entry.unit, entry.unit), sheets=sheets,
            satisfaction=None if entry.satisfaction is None else Fraction(entry.satisfaction),
            vetoed=bool(entry.vetoes),
            self_scores={k: exact(v["score"]) for k, v in entry.selfcheck.items()}))
    return tally.compute(cs, inputs, campaign.quota)


def view_tally(ctx: Context) -> tuple[Campaign, tally.Tally]:
    """The tally as the actor may see it: all of it for an admin; a clerk's own row after the award."""
    tx = ctx.db.snapshot()
    campaign = campaign_of(tx, ctx.campaign_id)
    require(ctx.actor, "tally.view", campaign)
    result = compute_tally(tx, campaign)
    if ctx.actor.role == "unit":
        assert ctx.actor.unit is not None  # add_user gives every clerk a unit
        entry = entry_of(tx, campaign, ctx.actor.unit)
        if entry.status != models.AWARDED and campaign.stage != "award":
            raise Refused("tally.hidden_until_award")
        result.rows = [r for r in result.rows if r.code == ctx.actor.unit]
    return campaign, result
