"""Stage 1, 自查完善: self-scores per item, gaps found and their rectification, submission."""

from __future__ import annotations

from fractions import Fraction

from modelunit.domain import audit, models
from modelunit.domain.calendar import is_past, parse_date, today
from modelunit.domain.context import Context
from modelunit.domain.criteria import CriteriaSet
from modelunit.domain.models import Entry, Gap, to_dict
from modelunit.domain.permissions import require
from modelunit.domain.records import campaign_of, criteria_of, entries_of, entry_of, save_entry
from modelunit.domain.rows import Row, RowProblems, cell
from modelunit.errors import BadInput, ModelUnitError, Refused
from modelunit.numbers import is_multiple, parse_number, plain


def check_score(cs: CriteriaSet, item_id: str, text: str, allow_bonus: bool) -> Fraction:
    """A score for an item (or bonus): in [0, points] and a multiple of the step, else refused."""
    item = cs.item(item_id)
    bonus = cs.bonus(item_id) if allow_bonus else None
    if item is not None:
        points = item.points
    elif bonus is not None:
        points = bonus.points
    else:
        raise BadInput("item.unknown", item=item_id)
    value = parse_number(text)
    if value is None:
        raise BadInput("score.not_number", value=text)
    if value < 0 or value > points:
        raise BadInput("score.out_of_range", value=text, points=plain(points), item=item_id)
    if not is_multiple(value, cs.scoring.step):
        raise BadInput("score.not_step", value=text, step=plain(cs.scoring.step))
    return value


def import_selfcheck(ctx: Context, rows: list[Row], label: str) -> int:
    """Record self-scores from rows ``unit,item,score[,note,indicator]``; all rows or none."""
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        cs = criteria_of(campaign)
        require(ctx.actor, "selfcheck.edit", campaign)
        problems = RowProblems(label)
        touched: dict[str, Entry] = {}
        seen: set[tuple[str, str]] = set()
        for line, row in rows:
            code, item_id, score_text = cell(row, "unit"), cell(row, "item"), cell(row, "score")
            try:
                entry = touched.get(code) or entry_of(tx, campaign, code)
                require(ctx.actor, "selfcheck.edit", campaign, entry)
                if entry.status != models.REGISTERED:
                    raise Refused("selfcheck.frozen", unit=code)
                score = check_score(cs, item_id, score_text, allow_bonus=False)
                if (code, item_id) in seen:
                    raise BadInput("row.duplicate", key=f"{code},{item_id}")
                indicator = cell(row, "indicator")
                indicator_value = parse_number(indicator) if indicator else None
                if indicator and indicator_value is None:
                    raise BadInput("indicator.not_number", value=indicator)
            except ModelUnitError as err:
                problems.add(line, err)
                continue
            seen.add((code, item_id))
            record = {"score": plain(score), "note": cell(row, "note")}
            if indicator_value is not None:
                record["indicator"] = plain(indicator_value)
            entry.selfcheck[item_id] = record
            touched[code] = entry
        problems.raise_if_any()
        if not touched:
            raise BadInput("csv.empty", path=label)
        for code, entry in touched.items():
            before = entry_of(tx, campaign, code).selfcheck
            save_entry(tx, entry)
            audit.record(tx, ctx.actor.name, "selfcheck.edit", campaign.id, code, before, entry.selfcheck)
    return len(rows)


def submit_selfcheck(ctx: Context, codes: list[str], everyone: bool = False, reason: str = "") -> list[str]:
    """Submit self-checks; every item must carry a self-score.  Returns the units submitted.

    After the due date, as with a late nomination, only the office may accept one, with a reason.
    """
    submitted = []
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        cs = criteria_of(campaign)
        require(ctx.actor, "selfcheck.submit", campaign)
        if everyone:
            entries = [e for e in entries_of(tx, campaign) if e.status == models.REGISTERED
                       and (ctx.actor.role == "admin" or e.unit == ctx.actor.unit)
                       and not missing_items(cs, e)]
            if not entries:
                raise Refused("selfcheck.none_ready")
        else:
            entries = [entry_of(tx, campaign, code) for code in codes]
        late = is_past(campaign.selfcheck_due)
        for entry in entries:
            require(ctx.actor, "selfcheck.submit", campaign, entry)
            if entry.status != models.REGISTERED:
                raise Refused("selfcheck.already", unit=entry.unit)
            missing = missing_items(cs, entry)
            if missing:
                raise Refused("selfcheck.incomplete", unit=entry.unit, count=len(missing),
                              items=", ".join(missing[:5]))
            if late and ctx.actor.role != "admin":
                raise Refused("deadline.passed", due=campaign.selfcheck_due)
            if late and not reason.strip():
                raise Refused("selfcheck.late_reason", due=campaign.selfcheck_due)
            entry.status = models.SELFCHECK_SUBMITTED
            entry.selfcheck_submitted_at = today().isoformat()
            entry.selfcheck_late = late
            entry.selfcheck_reason = reason.strip() if late else ""
            save_entry(tx, entry)
            audit.record(tx, ctx.actor.name, "selfcheck.submit", campaign.id, entry.unit,
                         {"status": models.REGISTERED},
                         {"status": entry.status, "late": late, "reason": entry.selfcheck_reason})
            submitted.append(entry.unit)
    return submitted


def missing_items(cs: CriteriaSet, entry: Entry) -> list[str]:
    return [it.id for it in cs.items if it.id not in entry.selfcheck]


def add_gap(ctx: Context, code: str, item_id: str, problem: str, measure: str, due: str | None) -> Gap:
    """Record a gap (问题) found in the self-check with its rectification (整改措施)."""
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        require(ctx.actor, "selfcheck.edit", campaign)
        entry = entry_of(tx, campaign, code)
        require(ctx.actor, "selfcheck.edit", campaign, entry)
        cs = criteria_of(campaign)
        if cs.item(item_id) is None and cs.criterion(item_id) is None:
            raise BadInput("item.unknown", item=item_id)
        if not problem.strip():
            raise BadInput("gap.empty")
        gap = Gap(id=str(len(entry.gaps) + 1), item=item_id, problem=problem.strip(), measure=measure.strip(),
                  due=parse_date(due).isoformat() if due else None)
        entry.gaps.append(gap)
        save_entry(tx, entry)
        audit.record(tx, ctx.actor.name, "selfcheck.gap", campaign.id, code, None, to_dict(gap))
    return gap


def set_gap_status(ctx: Context, code: str, gap_id: str, status: str) -> Gap:
    if status not in ("open", "in_progress", "done"):
        raise BadInput("gap.bad_status", status=status)
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        require(ctx.actor, "selfcheck.edit", campaign)
        entry = entry_of(tx, campaign, code)
        require(ctx.actor, "selfcheck.edit", campaign, entry)
        gap = next((g for g in entry.gaps if g.id == gap_id), None)
        if gap is None:
            raise BadInput("gap.unknown", id=gap_id)
        before = to_dict(gap)
        gap.status = status
        save_entry(tx, entry)
        audit.record(tx, ctx.actor.name, "selfcheck.gap", campaign.id, code, before, to_dict(gap))
    return gap

