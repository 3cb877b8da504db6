"""The tally of a stored campaign: its inputs gathered from the database, and who may see it.

The arithmetic itself is :mod:`modelunit.domain.tally` (pure functions).
"""

from __future__ import annotations

from fractions import Fraction

from modelunit.domain import models, tally
from modelunit.domain.context import Context
from modelunit.domain.models import Campaign, Entry, Stage, User
from modelunit.domain.permissions import require
from modelunit.domain.records import campaign_of, criteria_of, entries_of, entry_of
from modelunit.domain.sheets import sheets_of
from modelunit.errors import Refused
from modelunit.i18n import t
from modelunit.storage.database import Tx


def compute_tally(tx: Tx, campaign: Campaign) -> tally.Tally:
    """The tally of every nominated unit, from submitted sheets only."""
    cs = criteria_of(campaign)
    units = list(tx.units.items())
    names = {code: doc["name"] for code, doc in units}
    types = {code: doc.get("type", "") for code, doc in units}
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
        # (recheck: a sampled unit stays in the tally once its result is fixed)
        if entry.status not in models.NOMINATED_STATUSES and not entry.sampled:
            continue
        sheets = tuple({k: exact(v) for k, v in s.scores.items()}
                       for s in sorted(by_unit.get(entry.unit, []), key=lambda s: s.inspector)
                       if s.submitted and s.inspector in entry.inspectors)
        inputs.append(tally.TallyInput(
            code=entry.unit, name=names.get(entry.unit, entry.unit), sheets=sheets,
            satisfaction=None if entry.satisfaction is None else Fraction(entry.satisfaction),
            vetoed=bool(entry.vetoes),
            self_scores={k: exact(v["score"]) for k, v in entry.selfcheck.items()},
            type=types.get(entry.unit, ""), status=str(entry.status), assigned=len(entry.inspectors)))
    return tally.compute(cs, inputs, campaign.quota, campaign.quota_by_type)


def tally_visible(actor: User, campaign: Campaign, own: Entry | None) -> bool:
    """Whether the tally may be shown to ``actor`` now: a clerk sees their own row only once
    the award stage opens (or their unit is awarded); ``own`` is the clerk's entry."""
    if actor.role != "unit":
        return True
    return campaign.stage == Stage.AWARD or (own is not None and own.status == models.AWARDED)


def view_tally(ctx: Context) -> tuple[Campaign, tally.Tally]:
    """The tally as the actor may see it: all of it for an admin; a clerk's own row after the award."""
    tx = ctx.db.snapshot()
    campaign = campaign_of(tx, ctx.campaign_id)
    require(ctx.actor, "tally.view", campaign)
    result = compute_tally(tx, campaign)
    if ctx.actor.role == "unit":
        assert ctx.actor.unit is not None  # add_user gives every clerk a unit
        if not tally_visible(ctx.actor, campaign, entry_of(tx, campaign, ctx.actor.unit)):
            raise Refused("tally.hidden_until_award")
        result.rows = [r for r in result.rows if r.code == ctx.actor.unit]
    return campaign, result


# ----------------------------------------------------------------------------- the tally's words
# One wording for the command line and the dashboard.


def conclusion_text(row: tally.TallyRow) -> str:
    """The 结论 as shown: the word, and for an incomplete unit what is missing (issue 15)."""
    word = t(f"conclusion.{row.conclusion}")
    if row.conclusion != "incomplete" or not row.missing:
        return word
    return word + "（" + "；".join(t(key, **fields) for key, fields in row.missing) + "）"


def quota_text(campaign: Campaign) -> str:
    """The quota as shown beside the pass line: one number, per type, or none."""
    if campaign.quota_by_type:
        return t("tally.quota_by_type", quotas="，".join(
            f"{t('type.' + kind)} {n}" for kind, n in campaign.quota_by_type.items()))
    return str(campaign.quota) if campaign.quota else t("tally.no_quota")


def tie_lines(result: tally.Tally) -> list[str]:
    """One line per quota exceeded by a tie on its line (§4.7)."""
    return [t("tally.quota_tie", quota=tie.quota, count=tie.candidates) if tie.type is None else
            t("tally.quota_tie_type", type=t(f"type.{tie.type}"), quota=tie.quota, count=tie.candidates)
            for tie in result.ties]
