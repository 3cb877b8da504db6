"""Titles (称号) after the award and their life (DESIGN §3a, 动态管理): validity, rectification, revocation.

A title is stored once, when its unit is awarded, in the ``titles`` table keyed
``campaign|unit``.  What is stored is what someone decided (valid, rectifying
with a due date, revoked); *expired* is never stored: it follows from
``valid_until`` and today's date, so a title lapses without anyone running a
command.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from modelunit.domain import audit, models
from modelunit.domain.calendar import given_date, parse_date, today
from modelunit.domain.context import Context
from modelunit.domain.criteria import Naming
from modelunit.domain.models import Campaign, Entry, entry_key, from_dict, to_dict
from modelunit.domain.permissions import require
from modelunit.domain.records import campaign_of, criteria_of, entry_of, save_entry, unit_of
from modelunit.errors import BadInput, Refused

VALID, RECTIFYING, EXPIRED, REVOKED = "valid", "rectifying", "expired", "revoked"
TITLE_STATES = (VALID, RECTIFYING, EXPIRED, REVOKED)
RECTIFY_DAYS = 90  # DESIGN §3a: a failed re-check's default deadline


@dataclass
class Title:
    unit: str
    campaign: str
    certificate: str
    awarded: str  # ISO dates throughout
    valid_until: str
    state: str = VALID  # the decided part: valid | rectifying | revoked
    rectify_due: str | None = None
    rectify_campaign: str | None = None  # the re-check that found the failure
    revoked_on: str | None = None
    revoke_reason: str = ""
    decision_ref: str = ""
    ban_until: str | None = None  # the last day on which the unit may not nominate again
    events: list[dict] = field(default_factory=list)  # {on, what, note, by}

    @property
    def key(self) -> str:
        return entry_key(self.campaign, self.unit)

    def status(self, on: date | None = None) -> str:
        """valid | rectifying | expired | revoked, as of ``on`` (default today)."""
        if self.state == REVOKED:
            return REVOKED
        if (on or today()) > parse_date(self.valid_until):
            return EXPIRED
        return self.state

    def held(self, on: date | None = None) -> bool:
        """The unit still holds this title (valid, or rectifying within its validity)."""
        return self.status(on) in (VALID, RECTIFYING)


def add_years(day: date, years: int) -> date:
    """The same calendar day ``years`` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def valid_until(awarded: date, naming: Naming) -> date:
    """Award date + ``validity_years`` years − 1 day (DESIGN §3a)."""
    return add_years(awarded, naming.validity_years) - timedelta(days=1)


def ban_until(revoked: date, naming: Naming) -> date:
    """The last day of the reapply ban: revocation date + ``reapply_ban_years`` years − 1 day."""
    return add_years(revoked, naming.reapply_ban_years) - timedelta(days=1)


def titles_of(tx, unit: str | None = None) -> list[Title]:
    found = [from_dict(Title, d) for d in tx.titles.values() if unit is None or d["unit"] == unit]
    return sorted(found, key=lambda ti: (ti.awarded, ti.campaign, ti.unit))


def current_title(tx, unit: str, on: date | None = None) -> Title | None:
    """The title the unit holds now (the newest valid or rectifying one), if any."""
    held = [ti for ti in titles_of(tx, unit) if ti.held(on)]
    return held[-1] if held else None


def save_title(tx, title: Title) -> None:
    tx.titles.put(title.key, to_dict(title))


def grant(tx, campaign: Campaign, entry: Entry, day: date, actor: str) -> Title:
    """Called by the award, inside its transaction: the awarded unit's title."""
    naming = criteria_of(campaign).naming
    title = Title(unit=entry.unit, campaign=campaign.id, certificate=entry.certificate or "",
                  awarded=day.isoformat(), valid_until=valid_until(day, naming).isoformat(),
                  events=[{"on": day.isoformat(), "what": "granted", "note": "", "by": actor}])
    save_title(tx, title)
    audit.record(tx, actor, "title.grant", campaign.id, entry.unit, None,
                 {"certificate": title.certificate, "awarded": title.awarded, "valid_until": title.valid_until})
    return title


# --------------------------------------------------------------------------- eligibility


def nomination_block(tx, unit: str, on: date | None = None) -> Refused | None:
    """Why the unit may not nominate in a creation campaign (DESIGN §3), or None."""
    day = on or today()
    held = current_title(tx, unit, day)
    if held is not None:
        return Refused("nominate.titled", unit=unit, campaign=held.campaign, certificate=held.certificate,
                       awarded=held.awarded, until=held.valid_until)
    for ti in reversed(titles_of(tx, unit)):
        if ti.state == REVOKED and ti.ban_until and day <= parse_date(ti.ban_until):
            return Refused("nominate.banned", unit=unit, campaign=ti.campaign, certificate=ti.certificate,
                           revoked=ti.revoked_on, until=ti.ban_until)
    return None


def require_eligible(tx, campaign: Campaign, unit: str) -> None:
    """Called by the nomination: refuse a unit that holds a title or is under a reapply ban."""
    if campaign.kind != "creation":
        return
    block = nomination_block(tx, unit)
    if block is not None:
        raise block


# --------------------------------------------------------------------------- actions


@dataclass
class TitleRow:
    unit: str
    name: str
    certificate: str
    campaign: str
    awarded: str
    valid_until: str
    status: str
    rectify_due: str | None
    ban_until: str | None

    def record(self) -> dict:
        """The JSON form of ``title list`` (DESIGN §6): exactly these keys."""
        return {"unit": self.unit, "name": self.name, "certificate": self.certificate, "campaign": self.campaign,
                "awarded": self.awarded, "valid_until": self.valid_until, "status": self.status}


def list_titles(ctx: Context) -> list[TitleRow]:
    """Every title across the years; a clerk sees their own unit's only."""
    require(ctx.actor, "title.view")
    tx = ctx.db.snapshot()
    day = today()
    names = {code: doc["name"] for code, doc in tx.units.items()}
    rows = []
    for ti in titles_of(tx, ctx.actor.unit if ctx.actor.role == "unit" else None):
        status = ti.status(day)
        rows.append(TitleRow(unit=ti.unit, name=names.get(ti.unit, ti.unit), certificate=ti.certificate,
                             campaign=ti.campaign, awarded=ti.awarded, valid_until=ti.valid_until, status=status,
                             rectify_due=ti.rectify_due if status == RECTIFYING else None,
                             ban_until=ti.ban_until if status == REVOKED else None))
    return rows


def _held_title(tx, unit: str) -> Title:
    unit_of(tx, unit)  # an unknown code is bad input
    title = current_title(tx, unit)
    if title is None:
        raise Refused("title.none", unit=unit)
    return title


def confirm_rectified(ctx: Context, unit: str, note: str) -> Title:
    """整改验收: a rectifying title is valid again, with the office's note."""
    require(ctx.actor, "title.rectified")
    if not note.strip():
        raise BadInput("title.note_needed")
    with ctx.db.transaction() as tx:
        title = _held_title(tx, unit)
        if title.status() != RECTIFYING:
            raise Refused("title.not_rectifying", unit=unit, certificate=title.certificate,
                          status=f"title.{title.status()}")
        before = {"state": title.state, "rectify_due": title.rectify_due}
        title.state = VALID
        title.events.append({"on": today().isoformat(), "what": "rectified", "note": note.strip(),
                             "by": ctx.actor.name})
        title.rectify_due = None
        save_title(tx, title)
        audit.record(tx, ctx.actor.name, "title.rectified", title.campaign, unit, before,
                     {"state": VALID, "note": note.strip(), "certificate": title.certificate})
    return title


def revoke_preview(ctx: Context, unit: str, on: str | None = None) -> tuple[Title, date]:
    """What :func:`revoke` would do, for its confirmation: the title it takes away and the day the
    reapply ban would end.  Nothing is written."""
    require(ctx.actor, "title.revoke")
    tx = ctx.db.snapshot()
    title = _held_title(tx, unit)
    day = given_date(on, "--date", parse_date(title.awarded)) if on else today()
    return title, ban_until(day, criteria_of(campaign_of(tx, title.campaign)).naming)


def revoke(ctx: Context, unit: str, reason: str, decision_ref: str, on: str | None = None) -> Title:
    """撤销命名: at any time, with a reason and the decision's reference; starts the reapply ban."""
    require(ctx.actor, "title.revoke")
    if not reason.strip():
        raise BadInput("title.reason_needed")
    if not decision_ref.strip():
        raise BadInput("title.decision_ref_needed")
    with ctx.db.transaction() as tx:
        title = _held_title(tx, unit)
        # Outside any campaign stage, the earliest date is the award that made the title.
        day = given_date(on, "--date", parse_date(title.awarded)) if on else today()
        campaign = campaign_of(tx, title.campaign)
        before = {"state": title.state}
        title.state = REVOKED
        title.revoked_on = day.isoformat()
        title.revoke_reason = reason.strip()
        title.decision_ref = decision_ref.strip()
        title.ban_until = ban_until(day, criteria_of(campaign).naming).isoformat()
        title.rectify_due = None
        title.events.append({"on": day.isoformat(), "what": "revoked", "note": title.revoke_reason,
                             "by": ctx.actor.name})
        save_title(tx, title)
        entry = entry_of(tx, campaign, unit)
        entry_before = entry.status
        entry.status = models.REVOKED
        save_entry(tx, entry)
        audit.record(tx, ctx.actor.name, "title.revoke", campaign.id, unit, {**before, "status": entry_before},
                     {"state": REVOKED, "status": models.REVOKED, "certificate": title.certificate,
                      "date": title.revoked_on, "reason": title.revoke_reason, "decision_ref": title.decision_ref,
                      "ban_until": title.ban_until})
    return title


def start_rectification(tx, title: Title, recheck: Campaign, due: date, actor: str) -> None:
    """A failed re-check: the title becomes rectifying with a due date (called inside the re-check's advance)."""
    before = {"state": title.state}
    title.state = RECTIFYING
    title.rectify_due = due.isoformat()
    title.rectify_campaign = recheck.id
    title.events.append({"on": today().isoformat(), "what": "rectifying", "note": recheck.id, "by": actor})
    save_title(tx, title)
    audit.record(tx, actor, "title.rectifying", recheck.id, title.unit, before,
                 {"state": RECTIFYING, "due": title.rectify_due, "certificate": title.certificate})
