"""Stage 2, 自荐申报: evidence files (台账材料) per criterion and the nomination itself."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from modelunit.domain import audit, models, titles
from modelunit.domain.calendar import given_date, is_past, now, parse_date, today
from modelunit.domain.context import Context
from modelunit.domain.models import Entry, Material, to_dict
from modelunit.domain.permissions import can_see_unit, require
from modelunit.domain.records import campaign_of, criteria_of, entries_of, entry_of, save_entry
from modelunit.domain.rows import Row, RowProblems, cell
from modelunit.errors import BadInput, ModelUnitError, Msg, Refused
from modelunit.i18n import t
from modelunit.storage import evidence
from modelunit.storage.database import Tx
from modelunit.storage.exports import private_mode


@dataclass
class MaterialRequest:
    """One file to file: evidence for ``criterion``, or the application document ``document``."""

    unit: str
    path: str
    criterion: str = ""
    title: str = ""
    document: str = ""


@dataclass
class Filed:
    """What :func:`add_materials` did: how many records it added, and the files it found already
    filed (the same content for the same criterion or document), which it left as they were."""

    added: int = 0
    already: list[Msg] = field(default_factory=list)


def add_materials(ctx: Context, requests: list[MaterialRequest], label: str | None = None,
                  lines: list[int] | None = None, reason: str = "") -> Filed:
    """File evidence for units; all files or none.  After nomination only an admin may add
    a supplement (补充材料), with a reason.  A file whose content is already filed for the same
    criterion or document is not filed twice (importing a CSV again adds nothing)."""
    problems = RowProblems(label or "")
    checked: list[tuple[MaterialRequest, str, int]] = []
    snap = ctx.db.snapshot()
    campaign = campaign_of(snap, ctx.campaign_id)
    cs = criteria_of(campaign)

    def check_one(req: MaterialRequest, tx: Tx) -> None:
        if ctx.actor.role != "admin":
            require(ctx.actor, "material.add", campaign)
        entry = entry_of(tx, campaign, req.unit)
        if entry.status in models.NOMINATED_STATUSES:  # a returned unit (初审 补正) may add again
            if ctx.actor.role != "admin":
                raise Refused("material.frozen", unit=req.unit)
            if not reason.strip():
                raise Refused("material.supplement_reason", unit=req.unit)
            require(ctx.actor, "material.supplement", campaign, entry)
        else:
            require(ctx.actor, "material.add", campaign, entry)
        if bool(req.criterion) == bool(req.document):
            raise BadInput("material.criterion_or_document")
        if req.criterion and cs.criterion(req.criterion) is None:
            raise BadInput("criterion.unknown", criterion=req.criterion)
        if req.document and req.document not in cs.documents:
            raise BadInput("document.unknown", document=req.document,
                           documents="、".join(cs.documents) or t("document.none"))

    mode = private_mode(ctx.db)
    for i, req in enumerate(requests):
        try:
            check_one(req, snap)
            # One open per file: it is checked, hashed and copied into the store in one pass.
            sha, size = evidence.store(ctx.db.evidence_dir, req.path, mode)
        except ModelUnitError as err:
            if label is None:
                raise
            problems.add(lines[i] if lines else i + 1, err)
            continue
        checked.append((req, sha, size))
    problems.raise_if_any()
    filed = Filed()
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, campaign.id)
        touched: dict[str, Entry] = {}
        for req, sha, size in checked:
            entry = touched.get(req.unit) or entry_of(tx, campaign, req.unit)
            check_one(req, tx)  # re-checked under the lock: the state may have moved on
            same = next((m for m in entry.materials if m.sha256 == sha and m.criterion == req.criterion
                         and m.document == req.document), None)
            if same is not None:
                filed.already.append(Msg("material.already", unit=req.unit, name=os.path.basename(req.path),
                                         what=req.criterion or req.document, title=same.title))
                continue
            record = Material(criterion=req.criterion, document=req.document,
                              title=req.title or req.document or os.path.basename(req.path),
                              name=os.path.basename(req.path), sha256=sha, size=size, added_at=now(),
                              added_by=ctx.actor.name, supplement=entry.status in models.NOMINATED_STATUSES,
                              reason=reason)
            entry.materials.append(record)
            touched[req.unit] = entry
            filed.added += 1
            audit.record(tx, ctx.actor.name, "material.add", campaign.id, req.unit, None, to_dict(record))
        for entry in touched.values():
            save_entry(tx, entry)
    return filed


def remove_material(ctx: Context, code: str, criterion: str = "", document: str = "", title: str = "",
                    sha256: str = "") -> Material:
    """Take one filed record off a unit's list, while its materials are not frozen, with the permission
    that adds them.  The record is named by its criterion or document, and (when the unit filed
    several there) by its title or by its content's sha256 (a prefix of it, as ``material list``
    shows).  The stored file stays: the evidence folder is only ever added to."""
    if bool(criterion) == bool(document):
        raise BadInput("material.criterion_or_document")
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        require(ctx.actor, "material.add", campaign)
        entry = entry_of(tx, campaign, code)
        require(ctx.actor, "material.add", campaign, entry)
        if entry.status in models.NOMINATED_STATUSES:
            raise Refused("material.frozen", unit=code)
        sha = sha256.strip().lower()
        found = [m for m in entry.materials if m.criterion == criterion and m.document == document
                 and (not title or m.title == title) and (not sha or m.sha256.startswith(sha))]
        what = criterion or document
        if not found:
            raise BadInput("material.none", unit=code, what=what)
        if len(found) > 1:
            raise BadInput("material.several", unit=code, what=what,
                           records="；".join(f"{m.title} {m.sha256[:12]}" for m in found))
        record = found[0]
        entry.materials.remove(record)
        save_entry(tx, entry)
        audit.record(tx, ctx.actor.name, "material.remove", campaign.id, code, to_dict(record), None)
    return record


def list_materials(ctx: Context, code: str | None = None) -> list[dict]:
    """The records filed by the units the actor may see (or by one unit), each with its unit."""
    tx = ctx.db.snapshot()
    return [{**to_dict(m), "unit": entry.unit} for entry in _visible_entries(ctx, tx, code) for m in entry.materials]


def _visible_entries(ctx: Context, tx: Tx, code: str | None) -> list[Entry]:
    """One unit's entry, or without a unit every unit the actor may see (an inspector's assigned
    units, a clerk's own)."""
    campaign = campaign_of(tx, ctx.campaign_id)
    if code:
        entry = entry_of(tx, campaign, code)
        require(ctx.actor, "unit.view", None, entry)
        return [entry]
    require(ctx.actor, "unit.view", campaign)
    return [e for e in entries_of(tx, campaign) if can_see_unit(ctx.actor, e)]


def material_rows(rows: list[Row], label: str) -> tuple[list[MaterialRequest], list[int]]:
    """Rows ``unit,criterion,path[,title,document]``, each naming a criterion or an application
    document; paths are relative to the CSV file's folder."""
    base = os.path.dirname(os.path.abspath(label))
    problems = RowProblems(label)
    out, lines = [], []
    for line, row in rows:
        path = cell(row, "path")
        if not cell(row, "unit") or not (cell(row, "criterion") or cell(row, "document")) or not path:
            problems.add(line, BadInput("row.missing_fields", fields="unit, criterion|document, path"))
            continue
        out.append(MaterialRequest(unit=cell(row, "unit"), criterion=cell(row, "criterion"),
                                   path=os.path.join(base, path), title=cell(row, "title"),
                                   document=cell(row, "document")))
        lines.append(line)
    problems.raise_if_any()
    return out, lines


def nominate(ctx: Context, codes: list[str], recommended_by: str = "", reason: str = "") -> list[str]:
    """Nominate units (自荐, or 推荐 by a named body).  After the deadline: admin only, with a reason."""
    done = []
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        cs = criteria_of(campaign)
        require(ctx.actor, "nominate", campaign)
        for code in codes:
            entry = entry_of(tx, campaign, code)
            require(ctx.actor, "nominate", campaign, entry)
            if entry.status in models.NOMINATED_STATUSES:
                raise Refused("nominate.already", unit=code)
            titles.require_eligible(tx, campaign, code)  # titles: a titled or banned unit may not (DESIGN §3)
            if entry.status not in (models.SELFCHECK_SUBMITTED, models.RETURNED):
                raise Refused("nominate.no_selfcheck", unit=code)
            short = missing_evidence(entry, cs)
            if short:
                raise Refused("nominate.evidence", unit=code, criteria=", ".join(short),
                              need=cs.evidence_required)
            absent = missing_documents(entry, cs)
            if absent:
                raise Refused("nominate.documents", unit=code, documents="、".join(absent))
            # A returned unit answers by the date the office set for its 补正.
            returned = entry.status == models.RETURNED
            due = (entry.review_due if returned else None) or campaign.nomination_due
            late = is_past(due)
            if late:
                if ctx.actor.role != "admin":
                    raise Refused("deadline.passed", due=due)
                if not reason.strip():
                    raise Refused("nominate.late_reason", due=due)
            before = {"status": entry.status}
            entry.status = models.NOMINATED
            entry.nominated_at = today().isoformat()
            if recommended_by.strip() or not returned:  # a returned unit keeps who recommended it
                entry.recommended_by = recommended_by.strip()
            entry.nomination_reason = reason.strip()
            entry.nomination_late = late
            save_entry(tx, entry)
            audit.record(tx, ctx.actor.name, "nominate", campaign.id, code, before,
                         {"status": entry.status, "recommended_by": entry.recommended_by, "late": late,
                          "reason": entry.nomination_reason})
            done.append(code)
    return done


def return_nomination(ctx: Context, code: str, request: str, due: str | None = None) -> Entry:
    """初审: send a nomination back to the unit for 补正, with what to add and by when.

    The unit's materials unfreeze for additions and it nominates again by ``due`` (else by the
    nomination deadline); a unit still returned when nomination closes is not nominated.
    """
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        require(ctx.actor, "review.return", campaign)
        entry = entry_of(tx, campaign, code)
        require(ctx.actor, "review.return", campaign, entry)
        if not request.strip():
            raise BadInput("review.request_empty")
        day = None
        if due:
            day = parse_date(due, "--due")
            if day < today():
                raise BadInput("review.due_past", due=day.isoformat())
            day = given_date(due, "--due", today())  # and no later than a --date may be
        if entry.status != models.NOMINATED:
            raise Refused("review.not_nominated", unit=code, status=Msg(f"status.{entry.status}"))
        before = {"status": entry.status, "review_request": entry.review_request, "review_due": entry.review_due}
        entry.status = models.RETURNED
        entry.review_request = request.strip()
        entry.review_due = day.isoformat() if day else None
        entry.returned_at = today().isoformat()
        entry.returned_by = ctx.actor.name
        save_entry(tx, entry)
        audit.record(tx, ctx.actor.name, "review.return", campaign.id, code, before,
                     {"status": entry.status, "review_request": entry.review_request,
                      "review_due": entry.review_due})
    return entry


def missing_evidence(entry: Entry, cs) -> list[str]:
    counts = entry.evidence_counts()
    return [c.id for c in cs.criteria if counts.get(c.id, 0) < cs.evidence_required]


def missing_documents(entry: Entry, cs) -> list[str]:
    """The application documents the criteria require that the unit has not filed, in file order."""
    filed = entry.documents_filed()
    return [name for name in cs.documents if name not in filed]


def verify_materials(ctx: Context, code: str | None = None) -> list[dict]:
    """Each stored evidence file with its state: ok, missing or changed."""
    tx = ctx.db.snapshot()
    out = []
    for entry in _visible_entries(ctx, tx, code):
        for m in entry.materials:
            out.append({**to_dict(m), "unit": entry.unit,
                        "state": evidence.check(ctx.db.evidence_dir, m.sha256, m.size)})
    return out
