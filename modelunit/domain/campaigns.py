"""Campaigns (创建活动 / 批次): creation with a frozen copy of the criteria, and the stage machine."""

from __future__ import annotations

from dataclasses import dataclass, field

from modelunit.domain import audit, models, recheck
from modelunit.domain.calendar import MAX_GAP_DAYS_AHEAD, given_date, is_past, now, parse_date, today
from modelunit.domain.context import Context
from modelunit.domain.criteria import criteria_to_dict, read_criteria_file
from modelunit.domain.models import Campaign, Entry, Stage, to_dict
from modelunit.domain.permissions import require
from modelunit.domain.records import campaign_of, entries_of, save_campaign, save_entry
from modelunit.errors import BadInput, Msg, Refused
from modelunit.i18n import t
from modelunit.storage.database import Tx


@dataclass
class CampaignSpec:
    year: int
    batch: int
    criteria_path: str
    title: str = ""
    quota: int | None = None
    quota_by_type: dict[str, int] = field(default_factory=dict)  # unit type → places (see parse_quota_by_type)
    selfcheck_due: str | None = None
    nomination_due: str | None = None
    issuer: str = ""
    approval_ref: str = ""
    holidays: list[str] = field(default_factory=list)
    # 年度复查 (DESIGN §3a, handled by modelunit.domain.recheck)
    kind: str = "creation"
    sample: str | None = None  # percent of the enrolled units drawn for inspection
    seed: int | None = None
    from_campaign: str | None = None  # copy units' open rectification items from this campaign
    # Where and how the public may object, printed on the 公示 notice.
    contact_phone: str = ""
    contact_address: str = ""
    contact_email: str = ""
    workdays: list[str] = field(default_factory=list)  # 调休: weekend days worked, counted as working days


def _workdays(spec: CampaignSpec, holidays: list[str]) -> list[str]:
    workdays = sorted({parse_date(d, "workday").isoformat() for d in spec.workdays})
    both = sorted(set(workdays) & set(holidays))
    if both:
        raise BadInput("campaign.workday_holiday", dates=", ".join(both))
    return workdays


def create_campaign(ctx: Context, spec: CampaignSpec) -> Campaign:
    require(ctx.actor, "campaign.create")
    if not 1990 <= spec.year <= 2200:
        raise BadInput("campaign.bad_year", year=spec.year)
    if spec.batch < 1:
        raise BadInput("campaign.bad_batch", batch=spec.batch)
    if spec.quota is not None and spec.quota < 1:
        raise BadInput("campaign.bad_quota", quota=spec.quota)
    if spec.quota is not None and spec.quota_by_type:
        raise BadInput("campaign.quota_both")
    for kind, places in spec.quota_by_type.items():
        if kind not in models.UNIT_TYPES:
            raise BadInput("campaign.quota_unknown_type", type=kind, types=", ".join(models.UNIT_TYPES))
        if isinstance(places, bool) or not isinstance(places, int) or places < 1:
            raise BadInput("campaign.bad_quota", quota=f"{kind}={places}")
    # A due date lies between the campaign's first day and a year ahead (a typo such as 0026 or 2062
    # would otherwise close a stage at once, or never).
    dues = {k: given_date(v, option, today(), MAX_GAP_DAYS_AHEAD).isoformat() if v else None
            for k, option, v in (("selfcheck_due", "--selfcheck-due", spec.selfcheck_due),
                                 ("nomination_due", "--nomination-due", spec.nomination_due))}
    holidays = sorted({parse_date(d, "holiday").isoformat() for d in spec.holidays})
    workdays = _workdays(spec, holidays)
    cs, text, sha = read_criteria_file(spec.criteria_path)
    cid = f"{spec.year}-{spec.batch}"
    campaign = Campaign(
        id=cid, year=spec.year, batch=spec.batch,
        title=spec.title or t("campaign.default_title", year=spec.year, batch=spec.batch),
        criteria=criteria_to_dict(cs), criteria_sha256=sha, criteria_source=spec.criteria_path,
        criteria_text=text, issuer=spec.issuer, approval_ref=spec.approval_ref, quota=spec.quota,
        quota_by_type=dict(spec.quota_by_type), selfcheck_due=dues["selfcheck_due"],
        nomination_due=dues["nomination_due"], holidays=holidays,
        stage="selfcheck", stage_log=[{"stage": "selfcheck", "opened_on": today().isoformat(),
                                       "at": now(), "by": ctx.actor.name, "reason": ""}],
        created_at=now(), workdays=workdays, contact_phone=spec.contact_phone.strip(),
        contact_address=spec.contact_address.strip(), contact_email=spec.contact_email.strip())
    recheck.configure(campaign, spec.kind, spec.sample, spec.seed, bool(spec.title))  # recheck: kind, id, sample
    cid = campaign.id
    with ctx.db.transaction() as tx:
        if tx.campaigns.get(cid) is not None:
            raise Refused("campaign.exists", id=cid)
        # recheck: who is enrolled (titled units; with --from, the source's units) and their copied gaps
        codes, gaps = recheck.enrolment(tx, campaign, spec.from_campaign)
        save_campaign(tx, campaign)
        enrolled = {}
        for code in codes:
            entry = Entry(campaign=cid, unit=code, gaps=gaps.get(code, []))
            enrolled[entry.key] = to_dict(entry)
        tx.entries.put_many(enrolled)
        audit.record(tx, ctx.actor.name, "campaign.create", cid, cid, None,
                     {"title": campaign.title, "criteria": cs.id, "criteria_sha256": sha, "quota": spec.quota,
                      "quota_by_type": dict(spec.quota_by_type), "units": len(enrolled)})
    return campaign


def parse_quota_by_type(text: str) -> dict[str, int]:
    """``department=3,street=2`` (types as identifiers or 中文名, ``=`` or ``：``) → {type: places}.

    Bad input names the part that is wrong: an unknown type, a count that is not a
    positive whole number, a type given twice, or nothing at all.
    """
    result: dict[str, int] = {}
    parts = [p.strip() for p in text.replace("，", ",").split(",")]
    if not any(parts):
        raise BadInput("campaign.quota_by_type_empty")
    for part in parts:
        name, sep, count = part.replace("＝", "=").partition("=")
        name, count = name.strip(), count.strip()
        if not sep or not name or not count:
            raise BadInput("campaign.quota_by_type_syntax", part=part)
        kind = name if name in models.UNIT_TYPES else models.UNIT_TYPE_NAMES.get(name)
        if kind is None:
            raise BadInput("campaign.quota_unknown_type", type=name, types=", ".join(models.UNIT_TYPES))
        if not count.isascii() or not count.isdigit() or int(count) < 1:
            raise BadInput("campaign.bad_quota", quota=part)
        if kind in result:
            raise BadInput("campaign.quota_type_twice", type=name)
        result[kind] = int(count)
    return result


def list_campaigns(ctx: Context) -> list[Campaign]:
    require(ctx.actor, "campaign.view")
    docs = ctx.db.snapshot().campaigns.values()
    return sorted((models.from_dict(Campaign, d) for d in docs), key=lambda c: (c.year, c.batch))


def current_campaign(ctx: Context) -> Campaign:
    require(ctx.actor, "campaign.view")
    return campaign_of(ctx.db.snapshot(), ctx.campaign_id)


@dataclass
class Move:
    """One unit that an advance moves to a new status, and why (a catalogue message)."""

    unit: str
    status: str
    why: Msg


@dataclass
class AdvancePlan:
    """What opening the next stage would do: the one computation behind the advance, its dry run
    and the dashboard's confirmation."""

    campaign: str
    stage: str  # the stage open now
    target: str  # the stage the advance opens
    moves: list[Move] = field(default_factory=list)
    needs_reason: list[Msg] = field(default_factory=list)  # why the office must give --reason
    sample: list[str] | None = None  # a re-check entering inspection: the units the seed draws
    seed: int | None = None

    def changed(self) -> dict[str, list[str]]:
        """New status → unit codes."""
        out: dict[str, list[str]] = {}
        for m in self.moves:
            out.setdefault(m.status, []).append(m.unit)
        return out


@dataclass
class AdvanceResult:
    campaign: str
    stage: str
    changed: dict[str, list[str]] = field(default_factory=dict)  # new status → unit codes
    plan: AdvancePlan | None = None
    dry_run: bool = False


def next_stage(campaign: Campaign) -> Stage | None:
    """The stage :func:`advance` would open, or ``None`` in the last one."""
    stages = campaign.stages  # by the campaign's kind (models.stages_of)
    position = stages.index(Stage(campaign.stage))
    return stages[position + 1] if position + 1 < len(stages) else None


def plan_advance(tx: Tx, campaign: Campaign, to: str | None = None) -> AdvancePlan:
    """What advancing ``campaign`` now would do, or the refusal it would meet.

    ``to`` names the stage the caller means to open: anything but the next one is refused, so
    an advance repeated (or run twice at once) can never skip a stage.
    """
    from modelunit.domain.sheets import sheets_of
    from modelunit.domain.standings import compute_tally

    stages = campaign.stages
    if to is not None and to not in stages:
        raise BadInput("campaign.unknown_stage", stage=to, stages=", ".join(stages))
    target = next_stage(campaign)
    if target is None:
        raise Refused("campaign.last_stage")
    if to is not None and to != target:
        raise Refused("campaign.not_next", to=Msg(f"stage.{to}"), stage=Msg(f"stage.{campaign.stage}"),
                      next=Msg(f"stage.{target}"))
    plan = AdvancePlan(campaign=campaign.id, stage=campaign.stage, target=target)
    entries = entries_of(tx, campaign)
    due = {Stage.SELFCHECK: campaign.selfcheck_due, Stage.NOMINATION: campaign.nomination_due}.get(
        Stage(campaign.stage))
    if due and not is_past(due):
        plan.needs_reason.append(Msg("advance.early", stage=Msg(f"stage.{campaign.stage}"), due=due))
    if campaign.stage == Stage.INSPECTION:
        sheets = sheets_of(tx, campaign)
        open_sheets = []
        for e in entries:
            if e.status not in models.ASSESSABLE:
                continue
            done = {s.inspector for s in sheets.get(e.unit, []) if s.submitted}
            open_sheets += [f"{e.unit}/{name}" for name in e.inspectors if name not in done]
        if open_sheets:
            plan.needs_reason.append(Msg("advance.unsubmitted", count=len(open_sheets),
                                         sheets=", ".join(open_sheets[:10])))

    def move(entry: Entry, status: str, why: str, **params: object) -> None:
        plan.moves.append(Move(entry.unit, status, Msg(why, **params)))

    if target == Stage.INSPECTION and campaign.kind != "recheck":
        for e in entries:
            if e.status == models.REGISTERED:
                move(e, models.NOT_NOMINATED, "why.no_selfcheck")
            elif e.status == models.SELFCHECK_SUBMITTED:
                move(e, models.NOT_NOMINATED, "why.not_nominated")
            elif e.status == models.RETURNED:
                move(e, models.NOT_NOMINATED, "why.returned", due=e.review_due or campaign.nomination_due or "")
    elif target == Stage.PUBLICITY:
        tally = compute_tally(tx, campaign)
        by_code = {e.unit: e for e in entries}
        for row in tally.rows:
            e = by_code[row.code]
            if e.status in (models.NOMINATED, models.INSPECTED):
                move(e, models.CANDIDATE if row.candidate else models.NOT_SELECTED,
                     f"conclusion.{row.conclusion}")
    elif target == Stage.AWARD:
        _check_publicity_over(tx, campaign)
        for e in entries:
            if e.status == models.IN_PUBLICITY:
                move(e, models.APPROVED, "why.publicity_over")
    if campaign.kind == "recheck":  # the draw, then the results (DESIGN §3a): the dry run shows them too
        plan.sample, plan.seed = recheck.plan_moves(tx, campaign, target, entries, move)
    return plan


def preview_advance(ctx: Context, to: str | None = None) -> AdvancePlan:
    """The dry run: what the advance would do, from a snapshot; nothing is written."""
    tx = ctx.db.snapshot()
    campaign = campaign_of(tx, ctx.campaign_id)
    require(ctx.actor, "campaign.advance", campaign)
    return plan_advance(tx, campaign, to)


def advance(ctx: Context, reason: str = "", to: str | None = None, dry_run: bool = False) -> AdvanceResult:
    """Open the next stage after checking its preconditions; move units accordingly.

    Closing self-check or nomination before its due date, or leaving inspection with a sheet
    unsubmitted, needs a reason.  Everything is decided under the lock, on the state as it is.
    """
    if dry_run:
        plan = preview_advance(ctx, to)
        return AdvanceResult(campaign=plan.campaign, stage=plan.target, changed=plan.changed(), plan=plan,
                             dry_run=True)
    reason = reason.strip()
    with ctx.db.transaction() as tx:
        campaign = campaign_of(tx, ctx.campaign_id)
        require(ctx.actor, "campaign.advance", campaign)
        plan = plan_advance(tx, campaign, to)
        if plan.needs_reason and not reason:
            raise Refused("advance.reason_needed", why="；".join(m.render() for m in plan.needs_reason))
        by_code = {e.unit: e for e in entries_of(tx, campaign)}
        for m in plan.moves:
            entry = by_code[m.unit]
            entry.status = m.status
            save_entry(tx, entry)
        if campaign.kind == "recheck":  # the sample recorded, failed titles to rectification
            recheck.on_advance(tx, campaign, plan, list(by_code.values()), ctx.actor.name)
        before = campaign.stage
        campaign.stage = plan.target
        campaign.stage_log.append({"stage": plan.target, "opened_on": today().isoformat(), "at": now(),
                                   "by": ctx.actor.name, "reason": reason})
        save_campaign(tx, campaign)
        moves = plan.changed()
        audit.record(tx, ctx.actor.name, "campaign.advance", campaign.id, campaign.id,
                     {"stage": before}, {"stage": plan.target, "reason": reason, "moved": moves})
    return AdvanceResult(campaign=campaign.id, stage=plan.target, changed=moves, plan=plan)


def _check_publicity_over(tx: Tx, campaign: Campaign) -> None:
    if not campaign.publicity_start or not campaign.publicity_end:
        raise Refused("publicity.not_started")
    if today() <= parse_date(campaign.publicity_end):
        raise Refused("publicity.running", end=campaign.publicity_end)
    open_ids = [d["id"] for d in tx.objections.values() if d["campaign"] == campaign.id and d["status"] == "open"]
    if open_ids:
        raise Refused("objection.unresolved", ids=", ".join(sorted(open_ids, key=int)))
