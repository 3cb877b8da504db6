"""Stage 3, 考察认定: inspectors' score sheets — import, notes, submit (and lock), listing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from fractions import Fraction

from modelunit.domain import audit, models
from modelunit.domain.calendar import today
from modelunit.domain.context import Context
from modelunit.domain.criteria import CriteriaSet
from modelunit.domain.models import ASSESSABLE, Campaign, Entry, Sheet, from_dict, sheet_key, to_dict
from modelunit.domain.permissions import require
from modelunit.domain.records import campaign_of, criteria_of, entries_of, entry_of, save_entry, user_of
from modelunit.domain.rows import Row, RowProblems, cell
from modelunit.domain.selfcheck import Submitted, check_score, why_line
from modelunit.errors import BadInput, ItemErrors, ModelUnitError, Msg, Refused
from modelunit.numbers import plain
from modelunit.storage.database import Tx


def sheets_of(tx: Tx, campaign: Campaign) -> dict[str, list[Sheet]]:
    """Every score sheet of the campaign, by unit."""
    prefix = campaign.id + "|"
    out: dict[str, list[Sheet]] = defaultdict(list)
    for key, doc in tx.sheets.items():
        if key.startswith(prefix):
            sheet = from_dict(Sheet, doc)
            out[sheet.unit].append(sheet)
    return out


def sheet_missing(cs, sheet: Sheet) -> list[str]:
    return [it.id for it in cs.items if it.id not in sheet.scores]


def sheet_total(cs: CriteriaSet, scores: Mapping[str, Fraction]) -> Fraction:
    """One sheet's total as the tally counts it: its items, plus its bonuses capped at ``bonus_cap``."""
    items = sum((scores[it.id] for it in cs.items if it.id in scores), Fraction(0))
    bonus = sum((scores[b.id] for b in cs.bonuses if b.id in scores), Fraction(0))
    return items + min(bonus, cs.scoring.bonus_cap)


def set_scores(ctx: Context, code: str, inspector: str, scores: Mapping[str, object],
               notes: Mapping[str, str] | None = None, reason: str = "") -> list[str]:
    """Set scores (and item notes) on one inspector's sheet for one unit from item → value.

    Every value is checked first; one bad value refuses the whole sheet with
    an :class:`ItemErrors` naming each bad item, and nothing is stored.  An
    empty note clears it.  A submitted sheet is locked: only an admin may
    change it, and only with a reason.  Returns the items whose score changed.
    """
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        require(ctx.actor, "score.edit", campaign)
        sheet = editable_sheet(tx, ctx, campaign, entry_of(tx, campaign, code), inspector, reason)
        problems = apply_scores(criteria_of(campaign), sheet, scores, notes or {})
        if problems:
            raise ItemErrors(problems)
        changed = store_sheets(tx, ctx, campaign, [sheet], reason)
    return changed


def editable_sheet(tx: Tx, ctx: Context, campaign: Campaign, entry: Entry, inspector: str, reason: str) -> Sheet:
    """The stored (or a new) sheet of ``inspector`` for this unit, if the actor may change it now."""
    user_of(tx, inspector)
    if ctx.actor.role == "inspector" and inspector != ctx.actor.name:
        raise Refused("score.not_own_row", name=inspector)
    require(ctx.actor, "score.edit", campaign, entry)
    if entry.status not in ASSESSABLE:
        raise Refused("inspect.not_nominated", unit=entry.unit)
    if inspector not in entry.inspectors:
        raise Refused("score.not_assigned", name=inspector, unit=entry.unit)
    doc = tx.sheets.get(sheet_key(campaign.id, entry.unit, inspector))
    sheet = from_dict(Sheet, doc) if doc else Sheet(campaign.id, entry.unit, inspector)
    if sheet.submitted:
        if ctx.actor.role != "admin":
            raise Refused("score.locked", unit=entry.unit, name=inspector)
        if not reason.strip():
            raise Refused("score.locked_reason", unit=entry.unit, name=inspector)
    return sheet


def apply_scores(cs: CriteriaSet, sheet: Sheet, scores: Mapping[str, object],
                 notes: Mapping[str, str]) -> list[tuple[str, ModelUnitError]]:
    """Check every value and put the good ones on ``sheet``; returns the problems (item, error)."""
    problems: list[tuple[str, ModelUnitError]] = []
    for item_id, value in scores.items():
        try:
            sheet.scores[item_id] = plain(check_score(cs, item_id, str(value), allow_bonus=True))
        except ModelUnitError as err:
            problems.append((item_id, err))
    for item_id, note in notes.items():
        # A note beside a score was checked with the score; a note alone must name a known line.
        if item_id not in scores and cs.item(item_id) is None and cs.bonus(item_id) is None:
            problems.append((item_id, BadInput("item.unknown", item=item_id)))
            continue
        if note.strip():
            sheet.notes[item_id] = note.strip()
        else:
            sheet.notes.pop(item_id, None)
    return problems


def store_sheets(tx: Tx, ctx: Context, campaign: Campaign, changed_sheets: list[Sheet], reason: str) -> list[str]:
    """Write the sheets that changed, each with its audit entry (the scores that changed, before and after)."""
    out: dict[str, dict] = {}
    changed_items: list[str] = []
    for sheet in changed_sheets:
        old = tx.sheets.get(sheet.key)
        before = (old or {}).get("scores", {})
        diff_before = {k: before.get(k) for k in sheet.scores if before.get(k) != sheet.scores[k]}
        if not diff_before and old is not None and old.get("notes") == sheet.notes:
            continue
        out[sheet.key] = to_dict(sheet)
        changed_items += diff_before
        after: dict = {k: sheet.scores[k] for k in diff_before}
        if sheet.submitted:
            after = {"scores": after, "reason": reason.strip()}
        audit.record(tx, ctx.actor.name, "score.edit", campaign.id, f"{sheet.unit}/{sheet.inspector}",
                     diff_before, after)
    tx.sheets.put_many(out)
    return changed_items


def import_scores(ctx: Context, rows: list[Row], label: str, reason: str = "") -> int:
    """Scores from rows ``unit,inspector,item,score[,note]``; all rows or none.

    Each sheet's rows go through the same check as the dashboard's form
    (:func:`set_scores`); a problem is reported at the line it came from.
    An empty note leaves the stored note as it is.
    """
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        require(ctx.actor, "score.edit", campaign)
        cs = criteria_of(campaign)
        problems = RowProblems(label)
        by_sheet: dict[tuple[str, str], dict[str, tuple[int, dict[str, str]]]] = {}
        for line, row in rows:
            code, name, item_id = cell(row, "unit"), cell(row, "inspector"), cell(row, "item")
            if not code or not name or not item_id:
                problems.add(line, BadInput("row.missing_fields", fields="unit, inspector, item, score"))
                continue
            sheet_rows = by_sheet.setdefault((code, name), {})
            if item_id in sheet_rows:
                problems.add(line, BadInput("row.duplicate", key=f"{code},{name},{item_id}"))
                continue
            sheet_rows[item_id] = (line, row)
        staged: list[Sheet] = []
        for (code, name), sheet_rows in by_sheet.items():
            try:
                sheet = editable_sheet(tx, ctx, campaign, entry_of(tx, campaign, code), name, reason)
            except ModelUnitError as err:
                for line, _ in sheet_rows.values():
                    problems.add(line, err)
                continue
            bad = apply_scores(cs, sheet, {i: cell(r, "score") for i, (_, r) in sheet_rows.items()},
                               {i: cell(r, "note") for i, (_, r) in sheet_rows.items() if cell(r, "note")})
            for item_id, problem in bad:
                problems.add(sheet_rows[item_id][0], problem)
            staged.append(sheet)
        problems.items.sort(key=lambda p: p[1])
        problems.raise_if_any()
        if not rows:
            raise BadInput("csv.empty", path=label)
        store_sheets(tx, ctx, campaign, staged, reason)
    return len(rows)


def set_sheet_notes(ctx: Context, code: str, inspector: str, hearing: str | None = None,
                    visit: str | None = None) -> None:
    """Record 听取汇报 / 现场查看 notes on a score sheet."""
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        require(ctx.actor, "score.edit", campaign)
        entry = entry_of(tx, campaign, code)
        require(ctx.actor, "score.edit", campaign, entry)
        if ctx.actor.role == "inspector" and inspector != ctx.actor.name:
            raise Refused("score.not_own_row", name=inspector)
        if inspector not in entry.inspectors:
            raise Refused("score.not_assigned", name=inspector, unit=code)
        key = sheet_key(campaign.id, code, inspector)
        doc = tx.sheets.get(key)
        sheet = from_dict(Sheet, doc) if doc else Sheet(campaign.id, code, inspector)
        if sheet.submitted:  # the notes are part of the submitted record, locked with its scores
            raise Refused("score.notes_locked", unit=code, name=inspector)
        before = {"hearing": sheet.hearing, "visit": sheet.visit}
        if hearing is not None:
            sheet.hearing = hearing
        if visit is not None:
            sheet.visit = visit
        tx.sheets.put(key, to_dict(sheet))
        audit.record(tx, ctx.actor.name, "score.notes", campaign.id, f"{code}/{inspector}", before,
                     {"hearing": sheet.hearing, "visit": sheet.visit})


def submit_scores(ctx: Context, code: str | None = None, inspector: str | None = None,
                  everyone: bool = False) -> Submitted:
    """Submit (and lock) complete score sheets; returns the (unit, inspector) pairs submitted.

    With ``everyone`` (or a unit without ``inspector``), the sheets not ready — items unscored, or
    nothing entered by an assigned inspector — are left out and named in the result's ``skipped``.
    """
    done = Submitted()
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        require(ctx.actor, "score.submit", campaign)
        cs = criteria_of(campaign)
        by_unit = sheets_of(tx, campaign)
        if ctx.actor.role == "inspector":
            if inspector and inspector != ctx.actor.name:
                raise Refused("score.not_own_row", name=inspector)
            inspector = ctx.actor.name
        elif inspector:
            user_of(tx, inspector)
        if everyone:
            targets = [s for unit_sheets in by_unit.values() for s in unit_sheets
                       if not s.submitted and not sheet_missing(cs, s)
                       and (inspector is None or s.inspector == inspector)]
            done.skipped = _not_ready(tx, campaign, cs, by_unit, None, inspector)
            if not targets:
                if done.skipped:
                    raise Refused("score.none_ready_why", why=why_line(done.skipped))
                raise Refused("score.none_ready")
            explicit = False
        else:
            if not code:
                raise BadInput("usage.unit_or_all")
            entry = entry_of(tx, campaign, code)
            require(ctx.actor, "score.submit", campaign, entry)
            unit_sheets = by_unit.get(code, [])
            if inspector:
                if inspector not in entry.inspectors:
                    raise Refused("score.not_assigned", name=inspector, unit=code)
                sheet = next((s for s in unit_sheets if s.inspector == inspector), None)
                if sheet is None:
                    raise Refused("score.incomplete", unit=code, name=inspector, count=len(cs.items))
                targets, explicit = [sheet], True
            else:
                targets = [s for s in unit_sheets if not s.submitted and not sheet_missing(cs, s)]
                done.skipped = _not_ready(tx, campaign, cs, by_unit, code, None)
                if not targets:
                    if done.skipped:
                        raise Refused("score.none_ready_why", why=why_line(done.skipped))
                    raise Refused("score.none_ready")
                explicit = False
        entries: dict[str, Entry] = {}
        for sheet in targets:
            entry = entries.get(sheet.unit) or entry_of(tx, campaign, sheet.unit)
            entries[sheet.unit] = entry
            require(ctx.actor, "score.submit", campaign, entry)
            if entry.status not in ASSESSABLE:
                raise Refused("inspect.not_nominated", unit=sheet.unit)
            if sheet.submitted:
                if explicit:
                    raise Refused("score.already", unit=sheet.unit, name=sheet.inspector)
                continue
            missing = sheet_missing(cs, sheet)
            if missing:
                raise Refused("score.incomplete", unit=sheet.unit, name=sheet.inspector, count=len(missing))
            sheet.submitted = True
            sheet.submitted_at = today().isoformat()  # the campaign's calendar; the audit keeps the clock time
            tx.sheets.put(sheet.key, to_dict(sheet))
            audit.record(tx, ctx.actor.name, "score.submit", campaign.id, f"{sheet.unit}/{sheet.inspector}",
                         {"submitted": False}, {"submitted": True})
            done.append((sheet.unit, sheet.inspector))
        by_unit = sheets_of(tx, campaign)
        for code_, entry in entries.items():
            count = sum(1 for s in by_unit.get(code_, []) if s.submitted and s.inspector in entry.inspectors)
            # (SAMPLED: a unit drawn in a re-check is inspected the same way)
            if entry.status in (models.NOMINATED, models.SAMPLED) and count >= cs.scoring.min_inspectors:
                before = entry.status
                entry.status = models.INSPECTED
                save_entry(tx, entry)
                audit.record(tx, ctx.actor.name, "unit.inspected", campaign.id, code_,
                             {"status": before}, {"status": models.INSPECTED, "sheets": count})
    return done


def _not_ready(tx: Tx, campaign: Campaign, cs: CriteriaSet, by_unit: dict[str, list[Sheet]], code: str | None,
               inspector: str | None) -> list[Msg]:
    """The unsubmitted sheets of units being inspected that are not complete, each with why."""
    skipped: list[Msg] = []
    for entry in entries_of(tx, campaign):
        if entry.status not in ASSESSABLE or (code and entry.unit != code):
            continue
        sheets = {s.inspector: s for s in by_unit.get(entry.unit, [])}
        for name in entry.inspectors:
            if inspector and name != inspector:
                continue
            sheet = sheets.get(name)
            if sheet is None or not sheet.scores:
                skipped.append(Msg("skip.no_sheet", unit=entry.unit, name=name))
            elif not sheet.submitted and sheet_missing(cs, sheet):
                skipped.append(Msg("skip.sheet", unit=entry.unit, name=name, count=len(sheet_missing(cs, sheet))))
    return skipped


def list_scores(ctx: Context, code: str | None = None) -> list[dict]:
    """Score lines ``{unit, inspector, item, score, submitted}`` the actor may see."""
    tx = ctx.db.snapshot()
    campaign = campaign_of(tx, ctx.campaign_id)
    require(ctx.actor, "score.view", campaign)
    cs = criteria_of(campaign)
    order = {it.id: i for i, it in enumerate(list(cs.items) + list(cs.bonuses))}
    if code:
        entry_of(tx, campaign, code)
    if ctx.actor.role == "unit":
        # A clerk sees scores only of their own unit, and only once it has been named.
        if code and code != ctx.actor.unit:
            raise Refused("perm.not_own_unit", unit=code)
        assert ctx.actor.unit is not None  # add_user gives every clerk a unit
        own = entry_of(tx, campaign, ctx.actor.unit)
        if own.status != models.AWARDED:
            raise Refused("score.hidden_until_award")
        code = ctx.actor.unit
    out = []
    entries = {e.unit: e for e in entries_of(tx, campaign)}
    for unit, sheets in sorted(sheets_of(tx, campaign).items()):
        if code and unit != code:
            continue
        entry = entries.get(unit)
        if entry is None:
            continue
        if ctx.actor.role == "unit":
            if unit != ctx.actor.unit:
                if code:
                    raise Refused("perm.not_own_unit", unit=unit)
                continue
            if entry.status != models.AWARDED:
                raise Refused("score.hidden_until_award")
        for sheet in sorted(sheets, key=lambda s: s.inspector):
            if ctx.actor.role == "inspector" and sheet.inspector != ctx.actor.name:
                continue
            for item_id in sorted(sheet.scores, key=lambda i: order.get(i, 10**6)):
                out.append({"unit": unit, "inspector": sheet.inspector, "item": item_id,
                            "score": Fraction(sheet.scores[item_id]), "submitted": sheet.submitted})
    if ctx.actor.role == "inspector" and code and ctx.actor.name not in entries[code].inspectors:
        raise Refused("perm.not_assigned", unit=code)
    return out
