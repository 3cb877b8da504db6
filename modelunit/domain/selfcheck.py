"""Stage 1, 自查完善: self-scores per item, gaps found and their rectification, submission."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from modelunit.domain import audit, models
from modelunit.domain.calendar import MAX_GAP_DAYS_AHEAD, given_date, is_past, opened_on, today
from modelunit.domain.context import Context
from modelunit.domain.criteria import CriteriaSet
from modelunit.domain.models import Campaign, Entry, Gap, to_dict
from modelunit.domain.permissions import require
from modelunit.domain.records import campaign_of, criteria_of, entries_of, entry_of, save_entry
from modelunit.domain.rows import Row, RowProblems, cell
from modelunit.errors import BadInput, ItemErrors, ModelUnitError, Msg, Refused
from modelunit.numbers import is_multiple, parse_number, plain
from modelunit.storage.database import Tx


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


def set_selfcheck(ctx: Context, code: str, scores: Mapping[str, object],
                  notes: Mapping[str, str] | None = None,
                  indicators: Mapping[str, str] | None = None) -> list[str]:
    """Set one unit's self-scores (and their notes and indicator values) from item → value.

    Every value is checked first; one bad value refuses the whole form with an
    :class:`ItemErrors` naming each bad item, and nothing is stored.  A note or
    indicator given without a score keeps the stored score.  An empty note or
    indicator clears it.  Returns the items whose record changed.
    """
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        require(ctx.actor, "selfcheck.edit", campaign)
        entry = entry_of(tx, campaign, code)
        check_editable(ctx, campaign, entry)
        records, problems = item_records(criteria_of(campaign), entry, scores, notes or {}, indicators or {})
        if problems:
            raise ItemErrors(problems)
        return store_selfcheck(tx, ctx, campaign, entry, records)


def check_editable(ctx: Context, campaign: Campaign, entry: Entry) -> None:
    """Whether the actor may change this unit's self-check now (the unit-wide part of the rule)."""
    require(ctx.actor, "selfcheck.edit", campaign, entry)
    if entry.status != models.REGISTERED:
        raise Refused("selfcheck.frozen", unit=entry.unit)


def item_records(cs: CriteriaSet, entry: Entry, scores: Mapping[str, object], notes: Mapping[str, str],
                 indicators: Mapping[str, str]) -> tuple[dict[str, dict], list[tuple[str, ModelUnitError]]]:
    """The new self-check record of every item named, and the problems (item, error) found on the way."""
    records: dict[str, dict] = {}
    problems: list[tuple[str, ModelUnitError]] = []
    for item_id in dict.fromkeys([*scores, *notes, *indicators]):
        old = entry.selfcheck.get(item_id, {})
        try:
            if item_id in scores:
                score = plain(check_score(cs, item_id, str(scores[item_id]), allow_bonus=False))
            elif cs.item(item_id) is None:
                raise BadInput("item.unknown", item=item_id)
            elif "score" not in old:
                raise BadInput("selfcheck.score_first", item=item_id)
            else:
                score = old["score"]
            indicator = (indicators[item_id] if item_id in indicators else old.get("indicator", "")).strip()
            indicator_value = parse_number(indicator) if indicator else None
            if indicator and indicator_value is None:
                raise BadInput("indicator.not_number", value=indicator)
        except ModelUnitError as err:
            problems.append((item_id, err))
            continue
        record = {"score": score, "note": (notes[item_id] if item_id in notes else old.get("note", "")).strip()}
        if indicator_value is not None:
            record["indicator"] = plain(indicator_value)
        records[item_id] = record
    return records, problems


def store_selfcheck(tx: Tx, ctx: Context, campaign: Campaign, entry: Entry, records: dict[str, dict]) -> list[str]:
    """Write checked records and their audit entry (the whole self-check before and after); none if unchanged."""
    changed = [item_id for item_id, record in records.items() if entry.selfcheck.get(item_id) != record]
    if not changed:
        return []
    before = dict(entry.selfcheck)
    entry.selfcheck.update(records)
    save_entry(tx, entry)
    audit.record(tx, ctx.actor.name, "selfcheck.edit", campaign.id, entry.unit, before, entry.selfcheck)
    return changed


def import_selfcheck(ctx: Context, rows: list[Row], label: str) -> int:
    """Record self-scores from rows ``unit,item,score[,note,indicator]``; all rows or none.

    Each unit's rows go through the same check as the dashboard's form
    (:func:`set_selfcheck`); a problem is reported at the line it came from.
    A row replaces the item's record: an empty note or indicator clears it.
    """
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        cs = criteria_of(campaign)
        require(ctx.actor, "selfcheck.edit", campaign)
        problems = RowProblems(label)
        by_unit: dict[str, dict[str, tuple[int, dict[str, str]]]] = {}
        for line, row in rows:
            code, item_id = cell(row, "unit"), cell(row, "item")
            unit_rows = by_unit.setdefault(code, {})
            if item_id in unit_rows:
                problems.add(line, BadInput("row.duplicate", key=f"{code},{item_id}"))
                continue
            unit_rows[item_id] = (line, row)
        staged: list[tuple[Entry, dict[str, dict]]] = []
        for code, unit_rows in by_unit.items():
            try:
                entry = entry_of(tx, campaign, code)
                check_editable(ctx, campaign, entry)
            except ModelUnitError as err:
                for line, _ in unit_rows.values():
                    problems.add(line, err)
                continue
            records, bad = item_records(cs, entry, {i: cell(r, "score") for i, (_, r) in unit_rows.items()},
                                        {i: cell(r, "note") for i, (_, r) in unit_rows.items()},
                                        {i: cell(r, "indicator") for i, (_, r) in unit_rows.items()})
            for item_id, problem in bad:
                problems.add(unit_rows[item_id][0], problem)
            staged.append((entry, records))
        problems.items.sort(key=lambda p: p[1])
        problems.raise_if_any()
        if not rows:
            raise BadInput("csv.empty", path=label)
        for entry, records in staged:
            store_selfcheck(tx, ctx, campaign, entry, records)
    return len(rows)


def submit_selfcheck(ctx: Context, codes: list[str], everyone: bool = False, reason: str = "") -> Submitted:
    """Submit self-checks; every item must carry a self-score.  Returns the units submitted.

    After the due date, as with a late nomination, only the office may accept one, with a reason.
    With ``everyone``, the units still lacking a self-score are left out and named, with why, in
    the result's ``skipped``; with none ready the refusal names them.
    """
    submitted = Submitted()
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        cs = criteria_of(campaign)
        require(ctx.actor, "selfcheck.submit", campaign)
        if everyone:
            open_ = [e for e in entries_of(tx, campaign) if e.status == models.REGISTERED
                     and (ctx.actor.role == "admin" or e.unit == ctx.actor.unit)]
            entries = [e for e in open_ if not missing_items(cs, e)]
            for e in open_:
                missing = missing_items(cs, e)
                if missing:
                    submitted.skipped.append(Msg("skip.selfcheck", unit=e.unit, count=len(missing),
                                                 items=", ".join(missing[:5]) + ("…" if len(missing) > 5 else "")))
            if not entries:
                if submitted.skipped:
                    raise Refused("selfcheck.none_ready_why", why=why_line(submitted.skipped))
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


class Submitted(list):
    """What a submit did: the units (or sheets) submitted, and in ``skipped`` whom ``--all`` left out and why."""

    def __init__(self) -> None:
        super().__init__()
        self.skipped: list[Msg] = []


def why_line(skipped: list[Msg], shown: int = 3) -> str:
    """The first few reasons for a refusal's one line (the rest counted)."""
    line = "；".join(m.render() for m in skipped[:shown])
    return line + ("……" if len(skipped) > shown else "")


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
        day = given_date(due, "--due", opened_on(campaign), MAX_GAP_DAYS_AHEAD) if due else None
        gap = Gap(id=str(len(entry.gaps) + 1), item=item_id, problem=problem.strip(), measure=measure.strip(),
                  due=day.isoformat() if day else None)
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

