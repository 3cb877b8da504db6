"""Units (单位): the register, bulk import and the list each role may see."""

from __future__ import annotations

import re
from dataclasses import dataclass

from modelunit.domain import audit
from modelunit.domain.context import Context
from modelunit.domain.models import UNIT_TYPE_NAMES, UNIT_TYPES, Entry, Unit, from_dict, to_dict
from modelunit.domain.permissions import can_see_unit, require
from modelunit.domain.progress import selfcheck_entered, selfcheck_submitted
from modelunit.domain.records import campaign_of, criteria_of, entries_of
from modelunit.domain.rows import Row, RowProblems, cell
from modelunit.errors import BadInput

CODE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
ENROLLING_STAGES = ("selfcheck", "nomination")


def parse_unit_type(text: str) -> str | None:
    text = text.strip()
    if text in UNIT_TYPES:
        return text
    return UNIT_TYPE_NAMES.get(text)


def import_units(ctx: Context, rows: list[Row], label: str) -> tuple[int, int]:
    """Register or update units from rows ``code,name,type[,contact,phone]``; returns (new, updated)."""
    require(ctx.actor, "unit.import")
    problems = RowProblems(label)
    parsed: dict[str, Unit] = {}
    for line, row in rows:
        code, name, kind = cell(row, "code"), cell(row, "name"), cell(row, "type")
        if not CODE.match(code):
            problems.add(line, BadInput("unit.bad_code", code=code))
            continue
        if not name:
            problems.add(line, BadInput("unit.bad_name"))
            continue
        if len(name) > 200:
            problems.add(line, BadInput("unit.name_too_long", length=len(name)))
            continue
        unit_type = parse_unit_type(kind)
        if unit_type is None:
            problems.add(line, BadInput("unit.bad_type", type=kind))
            continue
        if code in parsed:
            problems.add(line, BadInput("unit.duplicate", code=code))
            continue
        parsed[code] = Unit(code=code, name=name, type=unit_type, contact=cell(row, "contact"),
                            phone=cell(row, "phone"))
    problems.raise_if_any()
    if not parsed:
        raise BadInput("csv.empty", path=label)
    with ctx.db.transaction() as tx:
        campaign = None
        if len(tx.campaigns):
            campaign = campaign_of(tx, ctx.campaign_id)
        new = updated = 0
        changes = {}
        enrol = {}
        for code, unit in parsed.items():
            old = tx.units.get(code)
            doc = to_dict(unit)
            if old == doc:
                continue
            changes[code] = doc
            if old is None:
                new += 1
                # (a re-check enrols titled units only: a new unit holds no title)
                if campaign is not None and campaign.stage in ENROLLING_STAGES and campaign.kind == "creation":
                    entry = Entry(campaign=campaign.id, unit=code)
                    enrol[entry.key] = to_dict(entry)
            else:
                updated += 1
            audit.record(tx, ctx.actor.name, "unit.import", campaign.id if campaign else None, code, old, doc)
        tx.units.put_many(changes)
        tx.entries.put_many(enrol)
    return new, updated


@dataclass
class UnitView:
    """One line of the units list (what ``unit list`` prints and the dashboard shows)."""

    code: str
    name: str
    type: str
    status: str | None
    certificate: str | None
    materials_done: int = 0  # criteria with enough evidence
    materials_needed: int = 0
    inspectors: tuple[str, ...] = ()
    contact: str = ""
    phone: str = ""
    selfcheck_entered: int = 0  # items with a self-score
    selfcheck_total: int = 0
    selfcheck_submitted: bool = False


def list_units(ctx: Context) -> list[UnitView]:
    require(ctx.actor, "unit.view")
    tx = ctx.db.snapshot()
    units = {code: from_dict(Unit, d) for code, d in tx.units.items()}
    if not len(tx.campaigns):
        if ctx.actor.role != "admin":
            units = {c: u for c, u in units.items() if c == ctx.actor.unit}
        return [UnitView(u.code, u.name, u.type, None, None, contact=u.contact, phone=u.phone)
                for _, u in sorted(units.items())]
    campaign = campaign_of(tx, ctx.campaign_id)
    cs = criteria_of(campaign)
    out = []
    for entry in entries_of(tx, campaign):
        if not can_see_unit(ctx.actor, entry) or entry.unit not in units:
            continue
        u = units[entry.unit]
        out.append(UnitView(u.code, u.name, u.type, entry.status, entry.certificate,
                            materials_done=evidence_complete(entry, cs), materials_needed=len(cs.criteria),
                            inspectors=tuple(entry.inspectors), contact=u.contact, phone=u.phone,
                            selfcheck_entered=selfcheck_entered(cs, entry), selfcheck_total=len(cs.items),
                            selfcheck_submitted=selfcheck_submitted(entry)))
    return out


def evidence_complete(entry: Entry, cs) -> int:
    """How many criteria have at least the required number of evidence files."""
    counts = entry.evidence_counts()
    return sum(1 for c in cs.criteria if counts.get(c.id, 0) >= cs.evidence_required)
