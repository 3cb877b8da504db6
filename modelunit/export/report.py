"""Everything a workbook shows, gathered once from one consistent view of the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from modelunit.domain import audit, models
from modelunit.domain.context import Context
from modelunit.domain.criteria import CriteriaSet, Criterion
from modelunit.domain.models import Campaign, Entry, Objection, Sheet, Unit, from_dict
from modelunit.domain.permissions import require
from modelunit.domain.records import campaign_of, criteria_of, entries_of
from modelunit.domain.sheets import sheets_of
from modelunit.domain.standings import compute_tally
from modelunit.domain.tally import Tally
from modelunit.domain.titles import Title
from modelunit.domain.units import evidence_complete
from modelunit.domain.users import shown_names

PUBLISHED = (models.IN_PUBLICITY, models.APPROVED, models.AWARDED, models.WITHDRAWN)


@dataclass
class Report:
    campaign: Campaign
    cs: CriteriaSet
    tally: Tally
    entries: dict[str, Entry]
    units: dict[str, Unit]
    sheets: dict[str, list[Sheet]]
    objections: list[Objection]
    audit_head: str
    audit_count: int
    drill: bool = False  # a practice database: every page says 演练
    titles: dict[str, Title] = field(default_factory=dict)  # a re-check: each unit's title it re-checks
    people: dict[str, str] = field(default_factory=dict)  # login name → zhang（张伟）

    def name(self, code: str) -> str:
        unit = self.units.get(code)
        return unit.name if unit else code

    def person(self, login: str) -> str:
        """A user as the workbook names them: the real name beside the login name where it is known."""
        return self.people.get(login, login)

    def published(self) -> list[Entry]:
        """Units on the publicity list, in tally order (withdrawn ones stay, marked)."""
        if not self.campaign.publicity_start:
            return []
        order = {r.code: i for i, r in enumerate(self.tally.rows)}
        return sorted((e for e in self.entries.values() if e.status in PUBLISHED),
                      key=lambda e: (order.get(e.unit, 10**9), e.unit))

    def awarded(self) -> list[Entry]:
        return sorted((e for e in self.entries.values() if e.certificate), key=lambda e: e.certificate)

    def materials_by_criterion(self, entry: Entry) -> dict[str, int]:
        return {c.id: 0 for c in self.cs.criteria} | entry.evidence_counts()

    def evidence_done(self, entry: Entry) -> int:
        return evidence_complete(entry, self.cs)


def criterion_averages(tally: Tally, cs: CriteriaSet) -> list[tuple[Criterion, Fraction]]:
    """Each criterion with its average (shown, i.e. rounded) score over the complete units; 0 when none is complete.

    One rule for the workbook's chart and the dashboard's bars."""
    complete = [r for r in tally.rows if r.complete]
    return [(c, sum((Fraction(r.criteria[c.id]) for r in complete), Fraction(0)) / len(complete)
             if complete else Fraction(0)) for c in cs.criteria]


def collect(ctx: Context) -> Report:
    """Read everything the workbook needs (admin only: it shows every inspector's scores)."""
    require(ctx.actor, "export")
    tx = ctx.db.snapshot()
    campaign = campaign_of(tx, ctx.campaign_id)
    cs = criteria_of(campaign)
    head = audit.head(tx)
    return Report(
        campaign=campaign, cs=cs, tally=compute_tally(tx, campaign),
        entries={e.unit: e for e in entries_of(tx, campaign)},
        units={code: from_dict(Unit, d) for code, d in tx.units.items()},
        sheets=dict(sheets_of(tx, campaign)),
        objections=sorted((from_dict(Objection, d) for d in tx.objections.values()
                           if d["campaign"] == campaign.id), key=lambda o: int(o.id)),
        audit_head=head["hash"], audit_count=head["seq"], drill=ctx.db.is_drill(),
        titles={code: from_dict(Title, doc) for code, key in campaign.recheck_titles.items()
                if (doc := tx.titles.get(key)) is not None},
        people=shown_names(tx))
