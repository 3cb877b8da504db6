"""Stage 3, 考察认定: inspection teams, with recusal (回避) through the inspector's home unit."""

from __future__ import annotations

from modelunit.domain import audit
from modelunit.domain.context import Context
from modelunit.domain.models import ASSESSABLE, Campaign, Entry
from modelunit.domain.permissions import require
from modelunit.domain.records import campaign_of, entry_of, save_entry, user_of
from modelunit.domain.rows import RowProblems
from modelunit.errors import ModelUnitError, Refused
from modelunit.storage.database import Tx


def _check_assignment(tx: Tx, campaign: Campaign, entry: Entry, name: str) -> None:
    user = user_of(tx, name)
    if user.role != "inspector":
        raise Refused("inspect.not_inspector", name=name)
    if user.unit == entry.unit:
        raise Refused("inspect.recusal", name=name, unit=entry.unit)
    if entry.status not in ASSESSABLE:
        raise Refused("inspect.not_nominated", unit=entry.unit)


def assign(ctx: Context, pairs: list[tuple[str, str]], label: str | None = None,
           lines: list[int] | None = None) -> int:
    """Assign inspectors to units: ``pairs`` of (unit, inspector); all or none."""
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        require(ctx.actor, "inspect.assign", campaign)
        problems = RowProblems(label or "")
        touched: dict[str, Entry] = {}
        added = 0
        for i, (code, name) in enumerate(pairs):
            try:
                entry = touched.get(code) or entry_of(tx, campaign, code)
                _check_assignment(tx, campaign, entry, name)
            except ModelUnitError as err:
                if label is None:
                    raise
                problems.add(lines[i] if lines else i + 1, err)
                continue
            if name not in entry.inspectors:
                entry.inspectors.append(name)
                added += 1
            touched[code] = entry
        problems.raise_if_any()
        for code, entry in touched.items():
            before = entry_of(tx, campaign, code).inspectors
            if before != entry.inspectors:
                save_entry(tx, entry)
                audit.record(tx, ctx.actor.name, "inspect.assign", campaign.id, code, before, entry.inspectors)
    return added
