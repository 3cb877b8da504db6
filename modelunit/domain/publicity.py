"""Stages 4 and 5: 公示 (publicity with objections) and 命名授牌 (naming and certificates)."""

from __future__ import annotations

from collections.abc import Iterable

from modelunit.domain import audit, models, titles
from modelunit.domain.calendar import add_working_days, given_date, opened_on, parse_date, today, working_days_left
from modelunit.domain.context import Context
from modelunit.domain.models import Campaign, Entry, Objection, from_dict, to_dict
from modelunit.domain.permissions import require
from modelunit.domain.records import campaign_of, criteria_of, entries_of, entry_of, save_campaign, save_entry
from modelunit.domain.standings import compute_tally
from modelunit.errors import BadInput, Refused


def holidays_of(campaign) -> set:
    return {parse_date(d) for d in campaign.holidays}


def publicity_started(campaign: Campaign) -> bool:
    """Publicity runs once per campaign: once started, :func:`start_publicity` refuses."""
    return bool(campaign.publicity_start)


def awaiting_award(entries: Iterable[Entry]) -> list[Entry]:
    """The entries :func:`award` would name: the approved ones."""
    return [e for e in entries if e.status == models.APPROVED]


def workdays_of(campaign) -> set:
    """The campaign's make-up working days (调休): weekend days that count as working days."""
    return {parse_date(d) for d in getattr(campaign, "workdays", [])}


def days_left(campaign, day) -> int:
    """Working days of the publicity period left from ``day`` (inclusive), 调休 counted."""
    return working_days_left(day, parse_date(campaign.publicity_end), holidays_of(campaign), workdays_of(campaign))


def start_publicity(ctx: Context, start: str | None = None) -> tuple[str, str, list[str]]:
    """Publish the candidates for the criteria's number of working days; returns (start, end, units)."""
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        require(ctx.actor, "publicity.start", campaign)
        if publicity_started(campaign):
            raise Refused("publicity.already", start=campaign.publicity_start, end=campaign.publicity_end)
        first = given_date(start, "--date", opened_on(campaign)) if start else today()
        cs = criteria_of(campaign)
        end = add_working_days(first, cs.publicity_days, holidays_of(campaign), workdays_of(campaign))
        moved = []
        for entry in entries_of(tx, campaign):
            if entry.status == models.CANDIDATE:
                entry.status = models.IN_PUBLICITY
                save_entry(tx, entry)
                moved.append(entry.unit)
        campaign.publicity_start, campaign.publicity_end = first.isoformat(), end.isoformat()
        save_campaign(tx, campaign)
        audit.record(tx, ctx.actor.name, "publicity.start", campaign.id, campaign.id, None,
                     {"start": campaign.publicity_start, "end": campaign.publicity_end, "units": moved})
    return campaign.publicity_start, campaign.publicity_end, moved


def add_objection(ctx: Context, code: str, text: str, source: str = "", date: str | None = None,
                  objector: str = "", organisation: str = "", contact: str = "") -> Objection:
    """Record a public objection (异议) against a unit in publicity, dated within the period,
    with who objected and how to reach them (objections are made in real name)."""
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        require(ctx.actor, "objection.add", campaign)
        entry = entry_of(tx, campaign, code)
        if not text.strip():
            raise BadInput("objection.empty")
        if not campaign.publicity_start:
            raise Refused("publicity.not_started")
        if entry.status != models.IN_PUBLICITY:
            raise Refused("objection.not_in_publicity", unit=code)
        day = given_date(date, "--date", opened_on(campaign)) if date else today()
        start, end = parse_date(campaign.publicity_start), parse_date(campaign.publicity_end or "")
        if not start <= day <= end:
            raise Refused("objection.outside_period", date=day.isoformat(), start=campaign.publicity_start,
                          end=campaign.publicity_end)
        counter = tx.meta.get("objections") or {"next": 1}
        objection = Objection(id=str(counter["next"]), campaign=campaign.id, unit=code, text=text.strip(),
                              source=source.strip(), date=day.isoformat(), recorded_by=ctx.actor.name,
                              objector=objector.strip(), organisation=organisation.strip(),
                              contact=contact.strip())
        tx.meta.put("objections", {"next": counter["next"] + 1})
        tx.objections.put(objection.id, to_dict(objection))
        audit.record(tx, ctx.actor.name, "objection.add", campaign.id, code, None, to_dict(objection))
    return objection


def resolve_objection(ctx: Context, oid: str, upheld: bool, note: str) -> Objection:
    """Close an objection after verification: upheld withdraws the unit, dismissed keeps it."""
    require(ctx.actor, "objection.resolve")  # the role first: an unknown id says nothing to others
    with ctx.db.transaction() as tx:
        doc = tx.objections.get(oid)
        if doc is None:
            raise BadInput("objection.unknown", id=oid)
        objection = from_dict(Objection, doc)
        campaign = campaign_of(tx, objection.campaign)
        entry = entry_of(tx, campaign, objection.unit)
        require(ctx.actor, "objection.resolve", campaign, entry)
        if objection.status != "open":
            raise Refused("objection.closed", id=oid, status=objection.status)
        if not note.strip():
            raise BadInput("objection.note")
        before = to_dict(objection)
        objection.status = "upheld" if upheld else "dismissed"
        objection.note = note.strip()
        objection.resolved_by = ctx.actor.name
        objection.resolved_at = today().isoformat()
        tx.objections.put(oid, to_dict(objection))
        if upheld and entry.status == models.IN_PUBLICITY:
            entry.status = models.WITHDRAWN
            save_entry(tx, entry)
        audit.record(tx, ctx.actor.name, "objection.resolve", campaign.id, objection.unit, before,
                     {**to_dict(objection), "unit_status": entry.status})
    return objection


def list_objections(ctx: Context) -> list[Objection]:
    tx = ctx.db.snapshot()
    campaign = campaign_of(tx, ctx.campaign_id)
    require(ctx.actor, "objection.add", None)
    return sorted((from_dict(Objection, d) for d in tx.objections.values() if d["campaign"] == campaign.id),
                  key=lambda o: int(o.id))


def certificate_number(campaign, seq: int) -> str:
    # The criteria's naming.certificate_format (DESIGN §5); default "{year}-{batch:02d}-{seq:03d}".
    return criteria_of(campaign).naming.certificate_format.format(year=campaign.year, batch=campaign.batch, seq=seq)


def award(ctx: Context, decided_by: str, decision_ref: str, date: str | None = None) -> list[tuple[str, str]]:
    """审定 and naming: record the approving body's decision (who decided, its document number,
    its date) and name the approved units; each gets a certificate number, unique and never reused."""
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        require(ctx.actor, "award", campaign)
        if not decided_by.strip():
            raise BadInput("award.decided_by")
        if not decision_ref.strip():
            raise BadInput("award.decision_ref")
        day = given_date(date, "--date", opened_on(campaign)) if date else today()
        ranked = [r.code for r in compute_tally(tx, campaign).rows]
        entries = {e.unit: e for e in awaiting_award(entries_of(tx, campaign))}
        if not entries:
            raise Refused("award.none")
        done = []
        # A format without the year or batch could repeat another campaign's numbers: refuse, never reuse.
        taken = {d.get("certificate") for d in tx.entries.values() if d.get("certificate")}
        for code in sorted(entries, key=lambda c: (ranked.index(c) if c in ranked else len(ranked), c)):
            entry = entries[code]
            number = certificate_number(campaign, campaign.next_certificate)
            if number in taken:
                raise Refused("award.certificate_taken", certificate=number)
            taken.add(number)
            entry.certificate = number
            campaign.next_certificate += 1
            entry.status = models.AWARDED
            entry.awarded_at = day.isoformat()
            save_entry(tx, entry)
            audit.record(tx, ctx.actor.name, "award", campaign.id, code, {"status": models.APPROVED},
                         {"status": models.AWARDED, "certificate": entry.certificate, "date": entry.awarded_at})
            titles.grant(tx, campaign, entry, day, ctx.actor.name)  # titles: the unit's title (DESIGN §3a)
            done.append((code, entry.certificate))
        campaign.award_date = day.isoformat()
        campaign.decided_by, campaign.decision_ref = decided_by.strip(), decision_ref.strip()
        campaign.decision_date = day.isoformat()
        save_campaign(tx, campaign)
        audit.record(tx, ctx.actor.name, "award.decision", campaign.id, campaign.id, None,
                     {"decided_by": campaign.decided_by, "decision_ref": campaign.decision_ref,
                      "decision_date": campaign.decision_date, "units": [c for c, _ in done]})
    return done
