"""The tally of a stored campaign: its inputs gathered from the database, and who may see it.

The arithmetic itself is :mod:`modelunit.domain.tally` (pure functions).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from math import lcm

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
    with _no_cycle_collection():
        return tally.compute(criteria_of(campaign), tally_inputs(tx, campaign), campaign.quota,
                             campaign.quota_by_type)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The tally allocates many small acyclic objects; each cyclic collection they trigger would
    walk the whole parsed database (millions of objects at province scale).  Reference counting
    frees them all the same."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def tally_inputs(tx: Tx, campaign: Campaign) -> list[tally.TallyInput]:
    """What the tally needs of each nominated unit, its scores as whole numbers over one scale.

    Score texts repeat ("4", "4.5"): each distinct text is parsed once, and the scale is the
    common denominator of them all, so the tally adds integers (DESIGN §4 stays exact).
    """
    units = list(tx.units.items())
    names = {code: doc["name"] for code, doc in units}
    types = {code: doc.get("type", "") for code, doc in units}
    by_unit = sheets_of(tx, campaign)
    # (recheck: a sampled unit stays in the tally once its result is fixed)
    entries = [e for e in entries_of(tx, campaign) if e.status in models.NOMINATED_STATUSES or e.sampled]
    chosen = {e.unit: [s.scores for s in sorted(by_unit.get(e.unit, []), key=lambda s: s.inspector)
                       if s.submitted and s.inspector in e.inspectors] for e in entries}
    texts: set[str] = set()
    for scores in chosen.values():
        for sheet in scores:
            texts.update(sheet.values())
    for e in entries:
        texts.update(str(v["score"]) for v in e.selfcheck.values())
    exact = {text: Fraction(text) for text in texts}
    scale = lcm(*(f.denominator for f in exact.values())) if exact else 1
    whole = {text: int(f * scale) for text, f in exact.items()}
    return [tally.TallyInput(
        code=e.unit, name=names.get(e.unit, e.unit),
        sheets=tuple(dict(zip(sheet, map(whole.__getitem__, sheet.values()))) for sheet in chosen[e.unit]),
        satisfaction=None if e.satisfaction is None else Fraction(e.satisfaction), vetoed=bool(e.vetoes),
        self_scores={k: whole[str(v["score"])] for k, v in e.selfcheck.items()},
        type=types.get(e.unit, ""), status=str(e.status), assigned=len(e.inspectors), scale=scale)
        for e in entries]


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
    return t("conclusion.missing", word=word,
             missing=t("conclusion.missing_sep").join(t(key, **fields) for key, fields in row.missing))


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
