"""Stage 3, 考察认定: inspectors' score sheets — import, notes, submit (and lock), listing."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

from modelunit.domain import audit, models
from modelunit.domain.calendar import today
from modelunit.domain.context import Context
from modelunit.domain.models import ASSESSABLE, Campaign, Entry, Sheet, from_dict, sheet_key, to_dict
from modelunit.domain.permissions import require
from modelunit.domain.records import campaign_of, criteria_of, entries_of, entry_of, save_entry, user_of
from modelunit.domain.rows import Row, RowProblems, cell
from modelunit.domain.selfcheck import check_score
from modelunit.errors import BadInput, ModelUnitError, Refused
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


def import_scores(ctx: Context, rows: list[Row], label: str, reason: str = "") -> int:
    """Scores from rows ``unit,inspector,item,score[,note]``; all rows or none.

    An inspector may import only their own rows.  A submitted sheet is locked:
    only an admin may change it, and only with a reason.
    """
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        require(ctx.actor, "score.edit", campaign)
        cs = criteria_of(campaign)
        problems = RowProblems(label)
        sheets: dict[str, Sheet] = {}
        entries: dict[str, Entry] = {}
        seen: set[tuple[str, str, str]] = set()
        for line, row in rows:
            code, name, item_id = cell(row, "unit"), cell(row, "inspector"), cell(row, "item")
            try:
                if not code or not name or not item_id:
                    raise BadInput("row.missing_fields", fields="unit, inspector, item, score")
                entry = entries.get(code) or entry_of(tx, campaign, code)
                entries[code] = entry
                user_of(tx, name)
                if ctx.actor.role == "inspector" and name != ctx.actor.name:
                    raise Refused("score.not_own_row", name=name)
                require(ctx.actor, "score.edit", campaign, entry)
                if entry.status not in ASSESSABLE:
                    raise Refused("inspect.not_nominated", unit=code)
                if name not in entry.inspectors:
                    raise Refused("score.not_assigned", name=name, unit=code)
                score = check_score(cs, item_id, cell(row, "score"), allow_bonus=True)
                if (code, name, item_id) in seen:
                    raise BadInput("row.duplicate", key=f"{code},{name},{item_id}")
                key = sheet_key(campaign.id, code, name)
                sheet = sheets.get(key)
                if sheet is None:
                    doc = tx.sheets.get(key)
                    sheet = from_dict(Sheet, doc) if doc else Sheet(campaign.id, code, name)
                if sheet.submitted:
                    if ctx.actor.role != "admin":
                        raise Refused("score.locked", unit=code, name=name)
                    if not reason.strip():
                        raise Refused("score.locked_reason", unit=code, name=name)
            except ModelUnitError as err:
                problems.add(line, err)
                continue
            seen.add((code, name, item_id))
            sheet.scores[item_id] = plain(score)
            note = cell(row, "note")
            if note:
                sheet.notes[item_id] = note
            sheets[key] = sheet
        problems.raise_if_any()
        if not sheets:
            raise BadInput("csv.empty", path=label)
        changed: dict[str, dict] = {}
        for key, sheet in sheets.items():
            old = tx.sheets.get(key)
            before = (old or {}).get("scores", {})
            diff_before = {k: before.get(k) for k in sheet.scores if before.get(k) != sheet.scores[k]}
            if not diff_before and old is not None and old.get("notes") == sheet.notes:
                continue
            changed[key] = to_dict(sheet)
            after: dict[str, object] = {k: sheet.scores[k] for k in diff_before}
            if sheet.submitted:
                after = {"scores": after, "reason": reason.strip()}
            audit.record(tx, ctx.actor.name, "score.edit", campaign.id, f"{sheet.unit}/{sheet.inspector}",
                         diff_before, after)
        tx.sheets.put_many(changed)
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
        before = {"hearing": sheet.hearing, "visit": sheet.visit}
        if hearing is not None:
            sheet.hearing = hearing
        if visit is not None:
            sheet.visit = visit
        tx.sheets.put(key, to_dict(sheet))
        audit.record(tx, ctx.actor.name, "score.notes", campaign.id, f"{code}/{inspector}", before,
                     {"hearing": sheet.hearing, "visit": sheet.visit})


def submit_scores(ctx: Context, code: str | None = None, inspector: str | None = None,
                  everyone: bool = False) -> list[tuple[str, str]]:
    """Submit (and lock) complete score sheets; returns the (unit, inspector) pairs submitted."""
    done: list[tuple[str, str]] = []
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
            if not targets:
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
                if not targets:
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
