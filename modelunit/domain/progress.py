"""Who is missing: each unit's progress through the campaign and what it still lacks for its next step.

One read of the campaign gives, per unit, the self-check items entered and whether it was
submitted (and late), the evidence per criterion and the application documents filed, the
nomination state (with the office's 补正 request), and the score sheets; per inspector, the
sheets assigned, entered and submitted.  Each role sees what :mod:`permissions` lets it see:
the office everything, an inspector the units assigned to them and only their own sheets, a
clerk their own unit and none of its inspectors' sheets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from modelunit.domain import models
from modelunit.domain.calendar import is_past
from modelunit.domain.context import Context
from modelunit.domain.criteria import CriteriaSet
from modelunit.domain.models import Campaign, Entry, Sheet, Stage, Unit, from_dict
from modelunit.domain.nomination import missing_documents, missing_evidence
from modelunit.domain.permissions import can_see_unit, require
from modelunit.domain.records import campaign_of, criteria_of, entries_of
from modelunit.domain.selfcheck import missing_items
from modelunit.domain.sheets import sheet_missing, sheets_of
from modelunit.i18n import t

# What a unit may lack, in the order it meets them (the identifiers of ``missing`` in JSON).
LACKS = ("selfcheck_items", "selfcheck_submit", "evidence", "documents", "review", "nomination", "inspectors",
         "sheets", "satisfaction")
# Where a unit stands with its nomination (``nomination`` in JSON; None in a re-check campaign).
NOMINATION_STATES = ("not_yet", "returned", "nominated", "not_nominated")
# Statuses that still have a self-check to complete, or a nomination to file.
_BEFORE_NOMINATION = (models.SELFCHECK_SUBMITTED, models.RETURNED)


@dataclass
class UnitProgress:
    code: str
    name: str
    type: str
    contact: str
    phone: str
    status: str
    selfcheck_entered: int
    selfcheck_total: int
    selfcheck_submitted: bool
    selfcheck_late: bool  # submitted after the due date, or still not submitted once it passed
    selfcheck_missing: list[str]  # item ids without a self-score
    evidence: dict[str, int]  # criterion id → evidence files filed
    evidence_missing: list[str]  # criteria with fewer than the required files
    documents_missing: list[str]  # application documents not filed
    nomination: str | None  # NOMINATION_STATES; None in a re-check campaign
    nomination_late: bool
    review_request: str
    review_due: str | None
    inspectors_assigned: int
    inspectors_needed: int  # min_inspectors
    sheets_entered: int | None  # sheets with every item scored; None where the actor may not see sheets
    sheets_submitted: int | None
    sheets_needed: int  # min_inspectors; 1 for an inspector (their own sheet)
    missing: list[str] = field(default_factory=list)  # LACKS, for the unit's next step

    def selfcheck_text(self, tr: Callable[..., str] = t) -> str:
        return selfcheck_text(self.selfcheck_entered, self.selfcheck_total, self.selfcheck_submitted, tr)

    @property
    def overdue(self) -> bool:
        """The step the unit still lacks is past its due date."""
        if not self.selfcheck_submitted:
            return bool(self.missing) and self.selfcheck_late
        return self.nomination_late and bool({"nomination", "review"} & set(self.missing))


@dataclass
class InspectorProgress:
    name: str
    assigned: int
    entered: int  # sheets with every item scored (submitted ones included)
    submitted: int
    pending: list[str]  # the units still being inspected whose sheet is not submitted yet


@dataclass
class Progress:
    campaign: Campaign
    criteria: CriteriaSet
    units: list[UnitProgress]
    inspectors: list[InspectorProgress]

    def missing_only(self) -> Progress:
        """The same view narrowed to the units that lack something, and the inspectors with sheets to submit."""
        return Progress(self.campaign, self.criteria, [u for u in self.units if u.missing],
                        [i for i in self.inspectors if i.pending])


def progress(ctx: Context) -> Progress:
    """The campaign's progress as the actor may see it."""
    require(ctx.actor, "campaign.view")
    tx = ctx.db.snapshot()
    campaign = campaign_of(tx, ctx.campaign_id)
    cs = criteria_of(campaign)
    units = {code: from_dict(Unit, d) for code, d in tx.units.items()}
    by_unit = sheets_of(tx, campaign)
    actor = ctx.actor
    rows: list[UnitProgress] = []
    teams: dict[str, InspectorProgress] = {}
    for entry in entries_of(tx, campaign):
        if not can_see_unit(actor, entry):
            continue
        sheets = [s for s in by_unit.get(entry.unit, []) if s.inspector in entry.inspectors]
        if actor.role == "inspector":  # never another inspector's sheet, not even how far it got
            sheets = [s for s in sheets if s.inspector == actor.name]
        # An inspector answers for their own sheet; the office for the unit's min_inspectors.
        need = 1 if actor.role == "inspector" else cs.scoring.min_inspectors
        rows.append(_unit_progress(campaign, cs, entry, units.get(entry.unit),
                                   None if actor.role == "unit" else sheets, need))
        if actor.role != "unit":
            for name in entry.inspectors:
                if actor.role == "inspector" and name != actor.name:
                    continue
                _count(teams.setdefault(name, InspectorProgress(name, 0, 0, 0, [])), cs, entry,
                       next((s for s in sheets if s.inspector == name), None))
    return Progress(campaign, cs, rows, sorted(teams.values(), key=lambda i: i.name))


def _count(row: InspectorProgress, cs: CriteriaSet, entry: Entry, sheet: Sheet | None) -> None:
    row.assigned += 1
    if sheet is not None and not sheet_missing(cs, sheet):
        row.entered += 1
    if sheet is not None and sheet.submitted:
        row.submitted += 1
    elif entry.status in models.ASSESSABLE:  # a unit out of the running waits for no sheet
        row.pending.append(entry.unit)


def _unit_progress(campaign: Campaign, cs: CriteriaSet, entry: Entry, unit: Unit | None,
                   sheets: list[Sheet] | None, need: int) -> UnitProgress:
    unscored = missing_items(cs, entry)
    submitted = selfcheck_submitted(entry)
    creation = campaign.kind == "creation"
    returned = entry.status == models.RETURNED
    due = (entry.review_due if returned else None) or campaign.nomination_due
    nominating = entry.status in _BEFORE_NOMINATION and creation
    row = UnitProgress(
        code=entry.unit, name=unit.name if unit else entry.unit, type=unit.type if unit else "other",
        contact=unit.contact if unit else "", phone=unit.phone if unit else "", status=entry.status,
        selfcheck_entered=len(cs.items) - len(unscored), selfcheck_total=len(cs.items),
        selfcheck_submitted=submitted, selfcheck_missing=unscored,
        selfcheck_late=entry.selfcheck_late or (not submitted and is_past(campaign.selfcheck_due)),
        evidence={c.id: 0 for c in cs.criteria} | entry.evidence_counts(),
        evidence_missing=missing_evidence(entry, cs), documents_missing=missing_documents(entry, cs),
        nomination=_nomination_state(entry) if creation else None,
        nomination_late=entry.nomination_late or (nominating and is_past(due)),
        review_request=entry.review_request if returned else "", review_due=entry.review_due if returned else None,
        inspectors_assigned=len(entry.inspectors), inspectors_needed=cs.scoring.min_inspectors,
        sheets_entered=None if sheets is None else sum(1 for s in sheets if not sheet_missing(cs, s)),
        sheets_submitted=None if sheets is None else sum(1 for s in sheets if s.submitted),
        sheets_needed=need)
    row.missing = _lacks(campaign, cs, entry, row)
    return row


def selfcheck_submitted(entry: Entry) -> bool:
    # (a unit that never submitted leaves the running as not_nominated, without a submission date)
    return entry.selfcheck_submitted_at is not None or entry.status not in (models.REGISTERED, models.NOT_NOMINATED)


def selfcheck_entered(cs: CriteriaSet, entry: Entry) -> int:
    """How many items carry a self-score."""
    return sum(1 for it in cs.items if it.id in entry.selfcheck)


def _nomination_state(entry: Entry) -> str:
    if entry.status == models.RETURNED:
        return "returned"
    if entry.status in models.NOMINATED_STATUSES:
        return "nominated"
    if entry.status == models.NOT_NOMINATED:
        return "not_nominated"
    return "not_yet"


def _lacks(campaign: Campaign, cs: CriteriaSet, entry: Entry, row: UnitProgress) -> list[str]:
    """What the unit still lacks for its next step in the open stage (nothing once it is out of the running)."""
    stage = campaign.stage
    lacks: list[str] = []
    if entry.status == models.REGISTERED and stage in (Stage.SELFCHECK, Stage.NOMINATION):
        lacks.append("selfcheck_items" if row.selfcheck_missing else "selfcheck_submit")
    elif entry.status in _BEFORE_NOMINATION and stage == Stage.NOMINATION:
        if row.evidence_missing:
            lacks.append("evidence")
        if row.documents_missing:
            lacks.append("documents")
        lacks.append("review" if entry.status == models.RETURNED else "nomination")
    elif entry.status in (models.NOMINATED, models.SAMPLED) and stage == Stage.INSPECTION:
        if row.inspectors_assigned < row.inspectors_needed:
            lacks.append("inspectors")
        if row.sheets_submitted is not None and row.sheets_submitted < row.sheets_needed:
            lacks.append("sheets")
        if cs.scoring.satisfaction_weight > 0 and entry.satisfaction is None:
            lacks.append("satisfaction")
    return lacks


def lack_texts(row: UnitProgress, tr: Callable[..., str] = t) -> list[str]:
    """What the unit still lacks, in words (``tr``: the interface's language, or Chinese for a printed list)."""
    texts = []
    for lack in row.missing:
        if lack == "selfcheck_items":
            texts.append(tr("lack.selfcheck_items", count=len(row.selfcheck_missing)))
        elif lack == "evidence":
            texts.append(tr("lack.evidence", criteria="、".join(row.evidence_missing)))
        elif lack == "documents":
            texts.append(tr("lack.documents", documents="、".join(row.documents_missing)))
        elif lack == "review":
            due = tr("lack.due", due=row.review_due) if row.review_due else ""
            texts.append(tr("lack.review", request=row.review_request, due=due))
        elif lack == "inspectors":
            texts.append(tr("lack.inspectors", count=row.inspectors_assigned, need=row.inspectors_needed))
        elif lack == "sheets":
            texts.append(tr("lack.sheets", count=row.sheets_submitted, need=row.sheets_needed))
        else:
            texts.append(tr(f"lack.{lack}"))
    if row.overdue:
        texts.append(tr("lack.late"))
    return texts


def selfcheck_text(entered: int, total: int, submitted: bool, tr: Callable[..., str] = t) -> str:
    """``12/27``, ``27/27 未提交`` or ``27/27 已提交``: nothing entered and all entered read apart."""
    if submitted:
        return tr("progress.selfcheck_submitted", entered=entered, total=total)
    if entered == total:
        return tr("progress.selfcheck_unsubmitted", entered=entered, total=total)
    return f"{entered}/{total}"


def table_header(view: Progress, tr: Callable[..., str] = t) -> list[str]:
    """The columns of the progress table (the command's and the dashboard's): documents only where the
    criteria name some, the nomination only in a creation campaign."""
    cs = view.criteria
    return ([tr("col.code"), tr("col.name"), tr("col.status"), tr("col.selfcheck"), tr("col.evidence")]
            + [tr("col.documents_short")] * bool(cs.documents)
            + [tr("col.nomination")] * (view.campaign.kind == "creation") + [tr("col.sheets"), tr("col.lacks")])


def table_row(view: Progress, row: UnitProgress, tr: Callable[..., str] = t) -> list[str]:
    """One unit's cells under :func:`table_header`."""
    cs = view.criteria
    cells = [row.code, row.name, tr(f"status.{row.status}"), row.selfcheck_text(tr),
             f"{len(cs.criteria) - len(row.evidence_missing)}/{len(cs.criteria)}"]
    if cs.documents:
        cells.append(f"{len(cs.documents) - len(row.documents_missing)}/{len(cs.documents)}")
    if view.campaign.kind == "creation":
        cells.append(tr(f"nomination.{row.nomination}"))
    shown = row.sheets_submitted is not None and row.inspectors_assigned
    return cells + [f"{row.sheets_submitted}/{row.sheets_needed}" if shown else "", "；".join(lack_texts(row, tr))]


def inspector_header(tr: Callable[..., str] = t) -> list[str]:
    return [tr("col.inspector"), tr("col.assigned"), tr("col.entered"), tr("col.submitted"), tr("col.pending")]


def inspector_row(row: InspectorProgress) -> list[str]:
    return [row.name, str(row.assigned), str(row.entered), str(row.submitted), "、".join(row.pending)]


# The JSON keys of one unit's progress and one inspector's, in order (modelunit progress --format json|csv).
UNIT_KEYS = ("code", "name", "type", "contact", "phone", "status", "selfcheck_entered", "selfcheck_total",
             "selfcheck_submitted", "selfcheck_late", "selfcheck_missing", "evidence", "evidence_missing",
             "documents_missing", "nomination", "nomination_late", "review_request", "review_due",
             "inspectors_assigned", "inspectors_needed", "sheets_entered", "sheets_submitted", "sheets_needed",
             "missing")
INSPECTOR_KEYS = ("name", "assigned", "entered", "submitted", "pending")


def unit_record(row: UnitProgress) -> dict:
    return {key: getattr(row, key) for key in UNIT_KEYS}


def inspector_record(row: InspectorProgress) -> dict:
    return {key: getattr(row, key) for key in INSPECTOR_KEYS}
