"""Judgements beside the score sheets: vetoes (否决项) and public-satisfaction scores."""

from __future__ import annotations

from fractions import Fraction

from modelunit.domain import audit, models
from modelunit.domain.calendar import now
from modelunit.domain.context import Context
from modelunit.domain.models import Entry, VetoRecord, to_dict
from modelunit.domain.permissions import require
from modelunit.domain.records import campaign_of, criteria_of, entry_of, save_entry
from modelunit.domain.rows import Row, RowProblems, cell
from modelunit.errors import BadInput, ModelUnitError, Refused
from modelunit.numbers import parse_number, plain


def import_satisfaction(ctx: Context, rows: list[Row], label: str) -> int:
    """Public-satisfaction scores (0–100) from rows ``unit,score``."""
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        require(ctx.actor, "satisfaction.set", campaign)
        problems = RowProblems(label)
        values: dict[str, Fraction] = {}
        for line, row in rows:
            code, text = cell(row, "unit"), cell(row, "score")
            try:
                entry = entry_of(tx, campaign, code)
                value = parse_number(text)
                if value is None:
                    raise BadInput("score.not_number", value=text)
                if not 0 <= value <= 100 or (value * 100).denominator != 1:
                    raise BadInput("satisfaction.range", value=text)
                if code in values:
                    raise BadInput("row.duplicate", key=code)
                if entry.status not in models.NOMINATED_STATUSES:
                    raise Refused("inspect.not_nominated", unit=code)
            except ModelUnitError as err:
                problems.add(line, err)
                continue
            values[code] = value
        problems.raise_if_any()
        if not values:
            raise BadInput("csv.empty", path=label)
        for code, value in values.items():
            entry = entry_of(tx, campaign, code)
            before = entry.satisfaction
            entry.satisfaction = plain(value)
            save_entry(tx, entry)
            audit.record(tx, ctx.actor.name, "satisfaction.set", campaign.id, code, before, entry.satisfaction)
    return len(values)


def veto(ctx: Context, code: str, veto_id: str, reason: str) -> Entry:
    """Apply a veto item (否决项): the unit is ineligible whatever its score."""
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        require(ctx.actor, "veto", campaign)
        entry = entry_of(tx, campaign, code)
        cs = criteria_of(campaign)
        if cs.veto(veto_id) is None:
            raise BadInput("veto.unknown", id=veto_id)
        if not reason.strip():
            raise BadInput("veto.reason")
        if entry.status not in models.NOMINATED_STATUSES:
            raise Refused("inspect.not_nominated", unit=code)
        if any(v.item == veto_id for v in entry.vetoes):
            raise Refused("veto.already", unit=code, id=veto_id)
        before = {"status": entry.status, "vetoes": [to_dict(v) for v in entry.vetoes]}
        entry.vetoes.append(VetoRecord(item=veto_id, reason=reason.strip(), by=ctx.actor.name, at=now()))
        if entry.status == models.IN_PUBLICITY:
            entry.status = models.WITHDRAWN
        elif entry.status == models.CANDIDATE:
            entry.status = models.NOT_SELECTED
        save_entry(tx, entry)
        audit.record(tx, ctx.actor.name, "veto", campaign.id, code, before,
                     {"status": entry.status, "vetoes": [to_dict(v) for v in entry.vetoes]})
    return entry
