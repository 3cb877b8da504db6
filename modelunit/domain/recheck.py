"""Re-check campaigns (年度复查, DESIGN §3a): enrolment of titled units, the sample, the results.

A re-check is an ordinary campaign of kind ``recheck`` whose stages are
``selfcheck → inspection → conclusion`` (:func:`modelunit.domain.models.stages_of`).
Self-check, assignment, scoring, recusal and the tally are those of a creation
campaign; this module adds only what differs: who is enrolled, the random
sample drawn when inspection opens, and the result fixed when the conclusion
opens (which puts failing units' titles into rectification).
"""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import asdict
from datetime import timedelta
from fractions import Fraction

from modelunit.domain import audit, models, titles
from modelunit.domain.calendar import today
from modelunit.domain.context import Context
from modelunit.domain.models import Campaign, Entry, from_dict
from modelunit.domain.permissions import require
from modelunit.domain.records import campaign_of, criteria_of, entries_of, entry_of, save_campaign, save_entry
from modelunit.errors import BadInput, Refused
from modelunit.i18n import t

DEFAULT_SAMPLE = "20"  # percent of the enrolled units inspected on site when --sample is not given
SEED_RANGE = 10**9


def configure(campaign: Campaign, kind: str, sample: str | None, seed: int | None, title_given: bool) -> None:
    """Check the re-check options and set them on a campaign being created (id, title, sample, seed)."""
    if kind not in models.KINDS:
        raise BadInput("usage.error", detail=f"--kind {kind}")
    if kind != "recheck":
        for option, value in (("--sample", sample), ("--seed", seed)):
            if value is not None:
                raise BadInput("recheck.only_option", option=option)
        return
    percent = parse_percent(sample if sample is not None else DEFAULT_SAMPLE)
    if seed is not None and seed < 0:
        raise BadInput("recheck.bad_seed", value=seed)
    campaign.kind = "recheck"
    campaign.id = f"{campaign.year}-R{campaign.batch}"  # never the id of the year's creation campaign
    if not title_given:
        campaign.title = t("recheck.default_title", year=campaign.year, batch=campaign.batch)
    campaign.sample_percent = _plain(percent)
    # A seed the office did not choose is drawn now and recorded, so the draw can be reproduced.
    campaign.seed = seed if seed is not None else secrets.randbelow(SEED_RANGE)
    campaign.quota = None  # the quota does not apply to a re-check


def parse_percent(text: str) -> Fraction:
    try:
        value = Fraction(str(text).strip())
    except (ValueError, ZeroDivisionError):
        raise BadInput("recheck.bad_sample", value=text) from None
    if not 0 < value <= 100:
        raise BadInput("recheck.bad_sample", value=text)
    return value


def _plain(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else str(float(value))


def enrol(tx, campaign: Campaign) -> list[str]:
    """The units holding a valid title today; remembers which title each one re-checks."""
    day = today()
    codes = []
    for code in sorted(tx.units.keys()):
        title = titles.current_title(tx, code, day)
        if title is not None and title.status(day) == titles.VALID:
            campaign.recheck_titles[code] = title.key
            codes.append(code)
    if not codes:
        raise Refused("recheck.no_titles")
    return codes


def enrolment(tx, campaign: Campaign, from_id: str | None = None) -> tuple[list[str], dict[str, list]]:
    """Who a new campaign enrols, and the open rectification items (整改) each brings along.

    A creation campaign enrols every unit, or with ``--from`` the source campaign's units except
    those that may not nominate (a held title, a reapply ban).  A re-check enrols the units holding
    a valid title.  With ``--from``, each enrolled unit's gaps not yet done in the source are copied.
    """
    source = None
    if from_id:
        source = campaign_of(tx, from_id)
        campaign.from_campaign = source.id
    if campaign.kind == "recheck":
        codes = enrol(tx, campaign)
    elif source is None:
        codes = sorted(tx.units.keys())
    else:
        codes = [e.unit for e in entries_of(tx, source) if titles.nomination_block(tx, e.unit) is None]
    gaps: dict[str, list] = {}
    if source is not None:
        for e in entries_of(tx, source):
            if e.unit in codes:
                open_ = [gap_record(g) for g in e.gaps]
                open_ = [g for g in open_ if g.get("status") != "done"]
                if open_:
                    gaps[e.unit] = open_
    return codes, gaps


def gap_record(gap: object) -> dict:
    """A gap (问题与整改) as a plain dict, whether stored as one or held as a record."""
    return dict(gap) if isinstance(gap, dict) else asdict(gap)  # type: ignore[call-overload]


def sample_size(enrolled: int, percent: Fraction) -> int:
    """⌈percent % × enrolled⌉, at least 1 and at most every enrolled unit."""
    return min(enrolled, max(1, math.ceil(percent * enrolled / 100)))


def draw(codes: list[str], percent: Fraction, seed: int) -> list[str]:
    """The sample, reproducible by anyone from the enrolled codes, the percentage and the seed.

    The exact algorithm (so that it can be re-run outside modelunit)::

        import math, random
        codes = sorted(enrolled_unit_codes)                      # plain string order
        n = min(len(codes), max(1, math.ceil(percent * len(codes) / 100)))   # exact, not float
        sample = sorted(random.Random(seed).sample(codes, n))

    ``random.Random(seed)`` with an integer seed and ``sample`` over a list are
    stable across Python 3 versions, so the same inputs always give the same units.
    """
    ordered = sorted(codes)
    n = sample_size(len(ordered), percent)
    return sorted(random.Random(seed).sample(ordered, n))


def plan_moves(tx, campaign: Campaign, target: str, entries: list[Entry], move) -> tuple[list[str] | None, int | None]:
    """What opening ``target`` moves in a re-check (``move(entry, status, why, **params)``), decided
    without writing: the dry run, the dashboard's confirmation and the advance share it.  Returns the
    sample and its seed when inspection opens (the draw), else ``(None, None)``."""
    if target == models.Stage.INSPECTION:
        assert campaign.seed is not None and campaign.sample_percent is not None
        chosen = draw([e.unit for e in entries], Fraction(campaign.sample_percent), campaign.seed)
        for e in entries:
            if e.unit in chosen:
                move(e, models.SAMPLED, "why.drawn", seed=campaign.seed)
        return chosen, campaign.seed
    if target == models.Stage.CONCLUSION:
        from modelunit.domain.standings import compute_tally

        rows = {r.code: r for r in compute_tally(tx, campaign).rows}
        pass_line = criteria_of(campaign).scoring.pass_line
        for e in entries:
            ok = passes(e, rows.get(e.unit), pass_line)
            move(e, models.PASSED if ok else models.NOT_PASSED, _why_result(e, ok))
    return None, None


def _why_result(entry: Entry, ok: bool) -> str:
    if entry.sampled:
        return "why.recheck_inspected_pass" if ok else "why.recheck_inspected_fail"
    return "why.recheck_self_pass" if ok else "why.recheck_self_fail"


def on_advance(tx, campaign: Campaign, plan, entries: list[Entry], actor: str) -> None:
    """Once the advance has moved the units of ``plan``: record the drawn sample (with its audit
    entry), or put the titles of the units that failed into rectification."""
    if plan.target == models.Stage.INSPECTION:
        campaign.sample = list(plan.sample or [])
        for e in entries:
            if e.unit in campaign.sample:
                e.sampled = True
                save_entry(tx, e)
        audit.record(tx, actor, "recheck.draw", campaign.id, campaign.id, None,
                     {"seed": campaign.seed, "percent": campaign.sample_percent, "enrolled": len(entries),
                      "sample": campaign.sample})
    elif plan.target == models.Stage.CONCLUSION:
        due = today() + timedelta(days=titles.RECTIFY_DAYS)
        for e in entries:
            if e.status != models.NOT_PASSED:
                continue
            doc = tx.titles.get(campaign.recheck_titles.get(e.unit, ""))
            if doc is None:
                continue
            title = from_dict(titles.Title, doc)
            if title.held():  # revoked or lapsed meanwhile: nothing left to rectify
                titles.start_rectification(tx, title, campaign, due, actor)


def passes(entry: Entry, row, pass_line: Fraction) -> bool:
    """DESIGN §3a: a sampled unit passes if eligible by §4 (quota ignored); any other unit if its
    self-check was submitted and its self total reaches the pass line."""
    if entry.sampled:
        return bool(row is not None and row.eligible)
    if not entry.selfcheck_submitted_at:
        return False
    total = sum((Fraction(v["score"]) for v in entry.selfcheck.values()), Fraction(0))
    return total >= pass_line


def add_to_sample(ctx: Context, codes: list[str]) -> list[str]:
    """The office adds enrolled units to the drawn sample (while inspection is open)."""
    require(ctx.actor, "recheck.add")
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        if campaign.kind != "recheck":
            raise Refused("recheck.not_recheck", id=campaign.id)
        require(ctx.actor, "recheck.add", campaign)
        added = []
        for code in codes:
            entry = entry_of(tx, campaign, code)
            if entry.sampled:
                raise Refused("recheck.already_sampled", unit=code)
            before = {"status": entry.status, "sampled": False}
            entry.sampled = True
            entry.status = models.SAMPLED
            save_entry(tx, entry)
            campaign.sample.append(code)
            campaign.sample_added.append(code)
            audit.record(tx, ctx.actor.name, "recheck.add", campaign.id, code, before,
                         {"status": entry.status, "sampled": True})
            added.append(code)
        save_campaign(tx, campaign)
    return added


def sample_of(ctx: Context) -> Campaign:
    """The re-check campaign, for its sample and seed (the office's view)."""
    require(ctx.actor, "recheck.add")
    campaign = campaign_of(ctx.db.snapshot(), ctx.campaign_id)
    if campaign.kind != "recheck":
        raise Refused("recheck.not_recheck", id=campaign.id)
    return campaign
