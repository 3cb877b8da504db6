"""One handler per command: read the arguments, call the domain, print the result."""

from __future__ import annotations

import os
import sys

from modelunit import csvio
from modelunit.cli import output
from modelunit.cli.main import DEFAULT_DB, DEFAULT_DEMO_DB, db_path, password_from_env_or_prompt
from modelunit.cli.output import emit, err, out, out_json
from modelunit.domain import (
    assignment,
    audit,
    campaigns,
    history,
    nomination,
    publicity,
    recheck,
    records,
    selfcheck,
    sheets,
    standings,
    titles,
    units,
    users,
    vetoes,
)
from modelunit.domain.calendar import check_clock
from modelunit.domain.context import Context
from modelunit.domain.criteria import read_criteria_file
from modelunit.domain.records import criteria_of, user_of
from modelunit.errors import BadInput, Refused
from modelunit.i18n import t
from modelunit.imports import read_users, run_import
from modelunit.numbers import fmt, plain, to_json_number
from modelunit.storage.database import Database, open_database_at

HANDLERS: dict = {}


def handler(command: str, action: str | None = None, needs_session: bool = True, report: bool = False):
    """Register a command; a ``report`` (a table, CSV or JSON listing) says 演练 in a drill database."""
    def register(fn):
        fn.needs_session = needs_session
        fn.report = report
        HANDLERS[(command, action)] = fn
        return fn
    return register


def open_database(args) -> Database:
    """The database ``--db`` names, which must exist, on a clock it accepts (a drill's, or none)."""
    db = open_database_at(db_path(args))
    if not db.exists():
        raise BadInput("usage.no_db", path=db.locator)
    check_clock(db.snapshot())
    return db


def user_password(args) -> str:
    """The signing-in user's password (``MODELUNIT_PASSWORD``, else a prompt); the user must be named."""
    if not args.user:
        raise BadInput("usage.need_user")
    return password_from_env_or_prompt("MODELUNIT_PASSWORD", t("auth.prompt", name=args.user))


def open_session(args) -> Context:
    db = open_database(args)
    actor = users.sign_in(db, args.user, user_password(args))
    if actor.must_change:  # an initial password opens nothing but its own change
        raise Refused("auth.must_change", name=actor.name)
    return Context(db=db, actor=actor, campaign_id=args.campaign)


def mark_drill() -> None:
    """A drill database's report says so on its first line, or on stderr above JSON and CSV (DESIGN §6)."""
    output.mark_drill(t("cli.drill"))


def _status(key: str | None) -> str:
    return t(f"status.{key}") if key else ""


# ----------------------------------------------------------------------------- setup


@handler("init", needs_session=False)
def cmd_init(args, _ctx) -> None:
    path = db_path(args)
    password = password_from_env_or_prompt("MODELUNIT_PASSWORD", t("auth.prompt_new", name=args.admin),
                                           confirm=True)
    db = open_database_at(path)
    users.init_database(db, args.admin, password, drill=args.drill)
    out(t("db.created_drill" if args.drill else "db.created", path=db.locator, name=args.admin))


@handler("criteria", "check", needs_session=False)
def cmd_criteria_check(args, _ctx) -> None:
    cs, _text, sha = read_criteria_file(args.file)
    header = [t("col.id"), t("col.title"), t("dimension.measures"), t("dimension.effects"), t("col.points"),
              t("col.items")]
    rows = [[c.id, c.title, plain(c.dimension_points("measures")), plain(c.dimension_points("effects")),
             plain(c.points), len(c.items)] for c in cs.criteria]
    out(t("criteria.ok", id=cs.id, title=cs.title, version=cs.version))
    emit("table", header, rows)
    # Every scored line with the id a CSV names it by (selfcheck/score import), so that nobody
    # has to read the YAML to write one.
    out()
    out(t("criteria.items_heading"))
    emit("table", [t("col.id"), t("col.criterion"), t("col.dimension"), t("col.points"), t("col.text")],
         [[it.id, c.id, t(f"dimension.{it.dimension}"), plain(it.points), it.text]
          for c in cs.criteria for it in c.items])
    if cs.bonuses:
        out()
        out(t("criteria.bonuses_heading", cap=plain(cs.scoring.bonus_cap)))
        emit("table", [t("col.id"), t("col.points"), t("col.text")],
             [[b.id, plain(b.points), b.text] for b in cs.bonuses])
    if cs.vetoes:
        out()
        out(t("criteria.vetoes_heading"))
        emit("table", [t("col.id"), t("col.text")], [[v.id, v.text] for v in cs.vetoes])
    out()
    sc = cs.scoring
    out(t("criteria.summary", criteria=len(cs.criteria), items=len(cs.items), points=plain(cs.item_points),
          vetoes=len(cs.vetoes), bonuses=len(cs.bonuses), cap=plain(sc.bonus_cap)))
    out(t("criteria.scoring", pass_line=plain(sc.pass_line), step=plain(sc.step), aggregate=sc.aggregate,
          min=sc.min_inspectors, floor=plain(sc.criterion_floor), weight=plain(sc.satisfaction_weight),
          days=cs.publicity_days, evidence=cs.evidence_required))
    out(f"sha256 {sha}")


@handler("campaign", "create")
def cmd_campaign_create(args, ctx) -> None:
    by_type = campaigns.parse_quota_by_type(args.quota_by_type) if args.quota_by_type is not None else {}
    spec = campaigns.CampaignSpec(
        year=args.year, batch=args.batch, criteria_path=args.criteria, title=args.title, quota=args.quota,
        quota_by_type=by_type,
        selfcheck_due=args.selfcheck_due, nomination_due=args.nomination_due, issuer=args.issuer,
        approval_ref=args.approval_ref, holidays=[d for d in args.holidays.split(",") if d.strip()],
        kind=args.kind, sample=args.sample, seed=args.seed, from_campaign=args.from_campaign,
        workdays=[d for d in args.workdays.split(",") if d.strip()], contact_phone=args.contact_phone,
        contact_address=args.contact_address, contact_email=args.contact_email)
    c = campaigns.create_campaign(ctx, spec)
    enrolled = sum(1 for _ in units.list_units(Context(ctx.db, ctx.actor, c.id)))
    out(t("campaign.created", id=c.id, title=c.title, units=enrolled))
    _recheck_created(ctx, c, enrolled)
    out(c.id)


def _recheck_created(ctx, c, enrolled: int) -> None:
    """recheck: the seed (given or generated) and what --from copied."""
    if c.kind == "recheck":
        out(t("recheck.created", id=c.id, units=enrolled, sample=c.sample_percent, seed=c.seed))
    if c.from_campaign:
        tx = ctx.db.snapshot()
        mine = records.entries_of(tx, c)
        out(t("recheck.from_copied", id=c.from_campaign, count=sum(len(e.gaps) for e in mine)))
        if c.kind == "creation":
            kept = {e.unit for e in mine}
            left = [e.unit for e in records.entries_of(tx, records.campaign_of(tx, c.from_campaign))
                    if e.unit not in kept]
            if left:
                out(t("recheck.from_left_out", units=", ".join(left)))


@handler("campaign", "list", report=True)
def cmd_campaign_list(args, ctx) -> None:
    rows = [[c.id, c.title, c.year, c.batch, t(f"stage.{c.stage}"), c.quota or "", c.criteria["id"]]
            for c in campaigns.list_campaigns(ctx)]
    emit("table", [t("col.id"), t("col.title"), t("col.year"), t("col.batch"), t("col.stage"), t("col.quota"),
                   t("col.criteria")], rows)


@handler("campaign", "advance")
def cmd_campaign_advance(args, ctx) -> None:
    result = campaigns.advance(ctx, args.reason, to=args.to, dry_run=args.dry_run)
    if result.dry_run and result.plan is not None:
        plan = result.plan
        out(t("campaign.would_advance", id=plan.campaign, stage=t(f"stage.{plan.stage}"),
              target=t(f"stage.{plan.target}")))
        for why in plan.needs_reason:
            out(t("campaign.would_need_reason", why=why.render()))
        for m in plan.moves:
            out(t("campaign.would_move", unit=m.unit, status=_status(m.status), why=m.why.render()))
        if not plan.moves:
            out(t("campaign.would_move_none"))
        if plan.sample is not None:  # a re-check's draw, exactly as the advance will make it
            out(t("recheck.would_draw", count=len(plan.sample), seed=plan.seed, units=", ".join(plan.sample)))
        return
    out(t("campaign.advanced", id=result.campaign, stage=t(f"stage.{result.stage}")))
    for status, why, codes in _moves_by_reason(result):
        key = "campaign.moved" if why == status else "campaign.moved_why"
        out(t(key, status=status, why=why, units=", ".join(codes)))
    c = campaigns.current_campaign(Context(ctx.db, ctx.actor, result.campaign))
    if c.kind == "recheck" and result.stage == "inspection":  # recheck: the draw and its seed
        out(t("recheck.drawn", count=len(c.sample), seed=c.seed, units=", ".join(c.sample)))


def _moves_by_reason(result) -> list[tuple[str, str, list[str]]]:
    """The units an advance moved, grouped by new status and by why (未入选（未达标）：T01)."""
    groups: dict[tuple[str, str], list[str]] = {}
    if result.plan is not None:
        for m in result.plan.moves:
            groups.setdefault((_status(m.status), m.why.render()), []).append(m.unit)
    else:
        for status, codes in result.changed.items():
            groups[(_status(status), _status(status))] = list(codes)
    return [(status, why, codes) for (status, why), codes in sorted(groups.items())]


# ----------------------------------------------------------------------------- users and units


@handler("user", "add")
def cmd_user_add(args, ctx) -> None:
    password = password_from_env_or_prompt("MODELUNIT_NEW_PASSWORD", t("auth.prompt_new", name=args.name),
                                           confirm=True)
    user = users.add_user(ctx, args.name, args.role, args.unit, password)
    out(t("user.added", name=user.name, role=t(f"role.{user.role}")))


@handler("user", "unlock")
def cmd_user_unlock(args, ctx) -> None:
    had = users.unlock_user(ctx, args.name)
    out(t("user.unlocked" if had else "user.not_locked", name=args.name))


@handler("user", "list", report=True)
def cmd_user_list(args, ctx) -> None:
    emit("table", [t("col.user"), t("col.real_name"), t("col.type"), t("col.unit"), t("col.contact"),
                   t("col.status")],
         [[u.name, u.real_name, t(f"role.{u.role}"), u.unit or "", u.contact, _user_state(u)]
          for u in users.list_users(ctx)])


def _user_state(user) -> str:
    return t("user.state.disabled") if user.disabled else t("user.state.initial") if user.must_change else ""


@handler("user", "import")
def cmd_user_import(args, ctx) -> None:
    """Initial passwords are shown once: on stdout, or in a new file only its creator may read."""
    target = None
    if args.passwords:
        target = _new_private_file(args.passwords)
    try:
        rows = read_users(args.file)
        issued = users.import_users(ctx, rows, args.file)
    except BaseException:
        if target is not None:
            target.close()
            os.unlink(args.passwords)
        raise
    lines = [[u.name, u.real_name, t(f"role.{u.role}"), u.unit or "", pw] for u, pw in issued]
    header = [t("col.user"), t("col.real_name"), t("col.type"), t("col.unit"), t("col.initial_password")]
    if target is not None:
        with target:
            csvio.write_csv(target, header, lines)
        out(t("user.imported_file", count=len(issued), path=os.path.abspath(args.passwords)))
    else:
        out(t("user.imported", count=len(issued)))
        emit("table", header, lines)


def _new_private_file(path: str):
    """A new file, readable and writable by its creator only (never an existing file)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BadInput("user.passwords_exists", path=path) from None
    except OSError as e:
        raise BadInput("export.unwritable", path=path, detail=e.strerror or str(e)) from None
    return os.fdopen(fd, "w", encoding="utf-8-sig", newline="")


@handler("user", "disable")
def cmd_user_disable(args, ctx) -> None:
    users.set_disabled(ctx, args.name, True)
    out(t("user.disabled", name=args.name))


@handler("user", "enable")
def cmd_user_enable(args, ctx) -> None:
    users.set_disabled(ctx, args.name, False)
    out(t("user.enabled", name=args.name))


@handler("user", "reset-password")
def cmd_user_reset_password(args, ctx) -> None:
    password = users.reset_password(ctx, args.name)
    out(t("user.reset", name=args.name))
    out(password)  # last line alone: the new initial password, shown this once


@handler("passwd", needs_session=False)
def cmd_passwd(args, _ctx) -> None:
    db = open_database(args)
    old = user_password(args)
    new = password_from_env_or_prompt("MODELUNIT_NEW_PASSWORD", t("auth.prompt_changed", name=args.user),
                                      confirm=True)
    users.change_password(db, args.user, old, new)
    out(t("user.passwd_changed", name=args.user))


@handler("unit", "import")
def cmd_unit_import(args, ctx) -> None:
    out(run_import(ctx, "units", args.file))


@handler("unit", "list", report=True)
def cmd_unit_list(args, ctx) -> None:
    views = units.list_units(ctx)
    records = [{"code": v.code, "name": v.name, "type": v.type, "status": v.status, "certificate": v.certificate,
                "contact": v.contact, "phone": v.phone} for v in views]
    if args.format == "table":
        from modelunit.domain.progress import selfcheck_text

        # The self-check column tells "nothing entered" (0/27) from "all entered, not submitted".
        header = [t("col.code"), t("col.name"), t("col.type"), t("col.status"), t("col.selfcheck"),
                  t("col.materials"), t("col.certificate")]
        rows = [[v.code, v.name, t(f"type.{v.type}"), _status(v.status),
                 selfcheck_text(v.selfcheck_entered, v.selfcheck_total, v.selfcheck_submitted)
                 if v.selfcheck_total else "",
                 f"{v.materials_done}/{v.materials_needed}" if v.materials_needed else "", v.certificate or ""]
                for v in views]
    else:  # CSV in the interface's words (only JSON keys are a contract, DESIGN §6)
        header = [t("col.code"), t("col.name"), t("col.type"), t("col.status"), t("col.certificate"),
                  t("col.contact"), t("col.phone")]
        rows = [[v.code, v.name, t(f"type.{v.type}"), _status(v.status), v.certificate, v.contact, v.phone]
                for v in views]
    emit(args.format, header, rows, records)


@handler("unit", "history", report=True)
def cmd_unit_history(args, ctx) -> None:
    h = history.unit_history(ctx, args.unit)
    if args.format == "json":
        out_json(h.record())
        return
    out(t("history.header", unit=h.unit, name=h.name))
    emit("table", [t("col.campaign"), t("col.kind"), t("col.year"), t("col.status"), t("col.conclusion"),
                   t("col.total"), t("col.rank"), t("col.self_total"), t("col.sampled"), t("col.certificate")],
         [[p.campaign, t(f"kind.{p.kind}"), p.year, _status(p.status),
           t(f"conclusion.{p.conclusion}") if p.conclusion else "", p.total, p.rank, p.self_total,
           t("yes") if p.sampled else "", p.certificate or ""] for p in h.campaigns])
    out()
    out(t("history.titles"))
    emit("table", [t("col.certificate"), t("col.campaign"), t("col.awarded"), t("col.valid_until"),
                   t("col.status"), t("col.note")],
         [[ti["certificate"], ti["campaign"], ti["awarded"], ti["valid_until"], t(f"title.{ti['status']}"),
           t("title.due", due=ti["rectify_due"]) if ti["status"] == "rectifying"
           else t("title.ban", until=ti["ban_until"]) if ti["status"] == "revoked" else ""] for ti in h.titles])
    out()
    out(t("history.gaps"))
    emit("table", [t("col.campaign"), t("col.item"), t("col.problem"), t("col.measure"), t("col.due"),
                   t("col.status")],
         [[g["campaign"], g.get("item", ""), g.get("problem", ""), g.get("measure", ""), g.get("due") or "",
           g.get("status", "")] for g in h.gaps])


# ----------------------------------------------------------------------------- self-check and nomination


@handler("selfcheck", "import")
def cmd_selfcheck_import(args, ctx) -> None:
    out(run_import(ctx, "selfcheck", args.file))


@handler("selfcheck", "submit")
def cmd_selfcheck_submit(args, ctx) -> None:
    if not args.units and not args.all:
        raise BadInput("usage.unit_or_all")
    done = selfcheck.submit_selfcheck(ctx, args.units, everyone=args.all, reason=args.reason)
    out(t("selfcheck.submitted", units=", ".join(done)))
    for why in done.skipped:  # --all: whom it left out, and why
        out(why.render())


@handler("selfcheck", "gap")
def cmd_selfcheck_gap(args, ctx) -> None:
    gap = selfcheck.add_gap(ctx, args.unit, args.item, args.problem, args.measure, args.due)
    out(t("gap.added", id=gap.id))


@handler("material", "add")
def cmd_material_add(args, ctx) -> None:
    if bool(args.criterion) == bool(args.document):
        raise BadInput("material.criterion_or_document")
    req = nomination.MaterialRequest(unit=args.unit, path=args.file, criterion=args.criterion or "",
                                     title=args.title, document=args.document or "")
    filed = nomination.add_materials(ctx, [req], reason=args.reason)
    for line in [m.render() for m in filed.already] or [t("material.added", count=filed.added)]:
        out(line)


@handler("material", "remove")
def cmd_material_remove(args, ctx) -> None:
    sha = args.sha256 or ""
    if args.file:
        from modelunit.storage.evidence import digest_file

        sha = digest_file(args.file)[0]
    record = nomination.remove_material(ctx, args.unit, criterion=args.criterion or "",
                                        document=args.document or "", title=args.title or "", sha256=sha)
    out(t("material.removed", unit=args.unit, what=record.criterion or record.document, title=record.title,
          name=record.name))


# The JSON keys of one `material list` record.
MATERIAL_KEYS = ("unit", "criterion", "document", "title", "name", "sha256", "size", "added_at", "added_by",
                 "supplement")


@handler("material", "list", report=True)
def cmd_material_list(args, ctx) -> None:
    records = [{k: m[k] for k in MATERIAL_KEYS} for m in nomination.list_materials(ctx, args.unit)]
    header = [t("col.unit"), t("col.criterion"), t("col.documents"), t("col.title"), t("col.file"), "sha256",
              t("col.size"), t("col.added_at"), t("col.added_by"), t("col.supplement")]
    short = args.format == "table"  # a table shows the hash's first 12 digits, enough to name it in remove
    rows = [[m["unit"], m["criterion"], m["document"], m["title"], m["name"],
             m["sha256"][:12] if short else m["sha256"], m["size"], m["added_at"], m["added_by"],
             m["supplement"]] for m in records]
    emit(args.format, header, rows, records)


@handler("material", "import")
def cmd_material_import(args, ctx) -> None:
    out(run_import(ctx, "materials", args.file))


@handler("material", "verify", report=True)
def cmd_material_verify(args, ctx) -> None:
    records = nomination.verify_materials(ctx, args.unit)
    emit("table", [t("col.unit"), "criterion", t("col.title"), "sha256", t("col.status")],
         [[m["unit"], m["criterion"] or m["document"], m["title"], m["sha256"][:12], m["state"]] for m in records])
    bad = [m for m in records if m["state"] != "ok"]
    if bad:
        for m in bad:
            err(f"{m['unit']} {m['criterion'] or m['document']} {m['name']}: {m['state']}")
        raise SystemExit(1)


@handler("review", "return")
def cmd_review_return(args, ctx) -> None:
    entry = nomination.return_nomination(ctx, args.unit, args.request, args.due)
    due = t("review.due_mark", due=entry.review_due) if entry.review_due else ""
    out(t("review.returned", unit=entry.unit, due=due, request=entry.review_request))


@handler("nominate")
def cmd_nominate(args, ctx) -> None:
    done = nomination.nominate(ctx, args.units, args.recommended_by, args.reason)
    out(t("nominate.done", units=", ".join(done)))


# ----------------------------------------------------------------------------- inspection


@handler("inspect", "assign")
def cmd_inspect_assign(args, ctx) -> None:
    names = [n.strip() for n in args.inspectors.split(",") if n.strip()]
    if not names:
        raise BadInput("row.missing_fields", fields="--inspectors")
    out(t("inspect.assigned", count=assignment.assign(ctx, [(args.unit, n) for n in names])))


@handler("inspect", "import")
def cmd_inspect_import(args, ctx) -> None:
    out(run_import(ctx, "teams", args.file))


@handler("score", "import")
def cmd_score_import(args, ctx) -> None:
    out(run_import(ctx, "scores", args.file, reason=args.reason))


@handler("score", "submit")
def cmd_score_submit(args, ctx) -> None:
    if not args.unit and not args.all:
        raise BadInput("usage.unit_or_all")
    done = sheets.submit_scores(ctx, args.unit, args.inspector, everyone=args.all)
    out(t("score.submitted", sheets=", ".join(f"{u}/{i}" for u, i in done)))
    for why in done.skipped:  # --all: the sheets not ready, and why
        out(why.render())


@handler("score", "list", report=True)
def cmd_score_list(args, ctx) -> None:
    records = sheets.list_scores(ctx, args.unit)
    header = [t("col.unit"), t("col.inspector"), t("col.item"), t("col.score"), t("col.submitted")]
    rows = [[r["unit"], r["inspector"], r["item"], plain(r["score"]), r["submitted"]] for r in records]
    emit(args.format, header, rows, records)


@handler("satisfaction", "import")
def cmd_satisfaction_import(args, ctx) -> None:
    out(run_import(ctx, "satisfaction", args.file))


@handler("veto")
def cmd_veto(args, ctx) -> None:
    entry = vetoes.veto(ctx, args.unit, args.item, args.reason)
    out(t("veto.done", unit=entry.unit, id=args.item, status=_status(entry.status)))


# The JSON keys of one tally row, in order (DESIGN §6, a contract); CSV has the same columns with
# `criteria` spread over one column per criterion id.
TALLY_KEYS = ("rank", "code", "name", "total", "measures", "effects", "bonus", "satisfaction", "criteria",
              "complete", "vetoed", "eligible", "candidate", "self_total", "quota_rank", "conclusion")


def _tally_record(r) -> dict:
    """One row as JSON values (figures already rounded: JSON numbers with 2 places at most)."""
    def num(d):
        return None if d is None else to_json_number(d)

    return {"rank": r.rank, "code": r.code, "name": r.name, "total": num(r.total), "measures": num(r.measures),
            "effects": num(r.effects), "bonus": num(r.bonus), "satisfaction": num(r.satisfaction),
            "criteria": {cid: num(v) for cid, v in r.criteria.items()}, "complete": r.complete,
            "vetoed": r.vetoed, "eligible": r.eligible, "candidate": r.candidate, "self_total": num(r.self_total),
            "quota_rank": r.quota_rank, "conclusion": r.conclusion}


@handler("tally", report=True)
def cmd_tally(args, ctx) -> None:
    campaign, result = standings.view_tally(ctx)
    cs = criteria_of(campaign)
    ids = [c.id for c in cs.criteria]
    conclusion_text, tie_lines = standings.conclusion_text, standings.tie_lines
    if args.format == "table":
        header = [t("col.rank"), t("col.code"), t("col.name")] + ids + [
            t("col.measures"), t("col.effects"), t("col.bonus"), t("col.satisfaction"), t("col.total"),
            t("col.self_total"), t("col.quota_rank"), t("col.conclusion")]
        rows = [[r.rank or "", r.code, r.name] + [r.criteria[cid] for cid in ids] + [
            r.measures, r.effects, r.bonus, r.satisfaction, r.total, r.self_total, r.quota_rank,
            conclusion_text(r)] for r in result.rows]
        emit("table", header, rows)
        out(t("tally.pass_line", pass_line=plain(cs.scoring.pass_line), quota=standings.quota_text(campaign)))
        for line in tie_lines(result):
            out(line)
        out(t("tally.rounding"))
    elif args.format == "csv":  # the JSON's columns, headed and worded in the interface's language
        header = [t("col.rank"), t("col.code"), t("col.name"), t("col.total"), t("col.measures"),
                  t("col.effects"), t("col.bonus"), t("col.satisfaction")] + ids + [
            t("col.complete"), t("col.veto"), t("col.eligible"), t("col.candidate"), t("col.self_total"),
            t("col.quota_rank"), t("col.conclusion")]
        rows = [[r.rank, r.code, r.name, r.total, r.measures, r.effects, r.bonus, r.satisfaction]
                + [fmt(r.criteria[cid]) for cid in ids]
                + [r.complete, r.vetoed, r.eligible, r.candidate, r.self_total, r.quota_rank, conclusion_text(r)]
                for r in result.rows]
        emit("csv", header, rows)
    else:
        emit("json", [], [], [_tally_record(r) for r in result.rows])
    if args.format != "table":
        for line in tie_lines(result):  # on stderr: stdout stays machine-readable
            err(line)


# ----------------------------------------------------------------------------- publicity and award


@handler("publicity", "start")
def cmd_publicity_start(args, ctx) -> None:
    start, end, moved = publicity.start_publicity(ctx, args.date)
    out(t("publicity.started", start=start, end=end, units=", ".join(moved)))


@handler("objection", "add")
def cmd_objection_add(args, ctx) -> None:
    objection = publicity.add_objection(ctx, args.unit, args.text, args.source, args.date, objector=args.objector,
                                        organisation=args.organisation, contact=args.contact)
    out(objection.id)


@handler("objection", "resolve")
def cmd_objection_resolve(args, ctx) -> None:
    objection = publicity.resolve_objection(ctx, args.oid, upheld=args.upheld, note=args.note)
    out(t("objection.resolved", id=objection.id, status=t(f"objection.{objection.status}")))


@handler("objection", "list", report=True)
def cmd_objection_list(args, ctx) -> None:
    emit("table", [t("col.id"), t("col.unit"), t("col.date"), t("col.source"), t("col.text"), t("col.outcome")],
         [[o.id, o.unit, o.date, o.source, o.text, t(f"objection.{o.status}")]
          for o in publicity.list_objections(ctx)])


@handler("award")
def cmd_award(args, ctx) -> None:
    done = publicity.award(ctx, args.decided_by, args.decision_ref, args.date)
    for code, certificate in done:
        out(t("award.done", unit=code, certificate=certificate))
    c = campaigns.current_campaign(ctx)
    out(t("award.decision", by=c.decided_by, ref=c.decision_ref, date=c.decision_date))


# ----------------------------------------------------------------------------- titles (DESIGN §3a)


@handler("recheck", "add")
def cmd_recheck_add(args, ctx) -> None:
    for code in recheck.add_to_sample(ctx, args.units):
        out(t("recheck.added", unit=code))


@handler("recheck", "sample", report=True)
def cmd_recheck_sample(args, ctx) -> None:
    c = recheck.sample_of(ctx)
    drawn = [code for code in c.sample if code not in c.sample_added]
    out(t("recheck.sample_list", seed=c.seed, sample=c.sample_percent, units=", ".join(drawn)))
    if c.sample_added:
        out(t("recheck.sample_added", units=", ".join(c.sample_added)))


@handler("title", "list", report=True)
def cmd_title_list(args, ctx) -> None:
    rows = titles.list_titles(ctx)
    records = [r.record() for r in rows]
    if args.format == "table":
        header = [t("col.code"), t("col.name"), t("col.certificate"), t("col.campaign"), t("col.awarded"),
                  t("col.valid_until"), t("col.status"), t("col.note")]
        table = [[r.unit, r.name, r.certificate, r.campaign, r.awarded, r.valid_until, t(f"title.{r.status}"),
                  t("title.due", due=r.rectify_due) if r.rectify_due
                  else t("title.ban", until=r.ban_until) if r.ban_until else ""] for r in rows]
        emit("table", header, table)
    else:
        header = [t("col.code"), t("col.name"), t("col.certificate"), t("col.campaign"), t("col.awarded"),
                  t("col.valid_until"), t("col.status")]
        emit(args.format, header, [[r.unit, r.name, r.certificate, r.campaign, r.awarded, r.valid_until,
                                    t(f"title.{r.status}")] for r in rows], records)


@handler("title", "rectified")
def cmd_title_rectified(args, ctx) -> None:
    title = titles.confirm_rectified(ctx, args.unit, args.note)
    out(t("title.rectified_done", unit=title.unit, certificate=title.certificate, until=title.valid_until))


@handler("title", "revoke")
def cmd_title_revoke(args, ctx) -> None:
    title = titles.revoke(ctx, args.unit, args.reason, args.decision_ref, args.date)
    out(t("title.revoked_done", unit=title.unit, certificate=title.certificate, date=title.revoked_on,
          ref=title.decision_ref, until=title.ban_until))


@handler("progress", report=True)
def cmd_progress(args, ctx) -> None:
    """Who is missing what; xlsx: the reminder list an office sends to the units."""
    from modelunit.domain import progress

    if args.format == "xlsx" and not args.output:
        raise BadInput("progress.xlsx_output")
    if args.output and args.format != "xlsx":
        raise BadInput("progress.output_format")
    if args.format == "xlsx":
        from modelunit.export.reminders import export_reminders

        out(t("progress.written", path=export_reminders(ctx, args.output, missing_only=args.missing)))
        return
    view = progress.progress(ctx)
    shown = view.missing_only() if args.missing else view
    if args.format == "json":
        record = {"campaign": view.campaign.id, "stage": view.campaign.stage,
                  "units": [progress.unit_record(r) for r in shown.units],
                  "inspectors": [progress.inspector_record(r) for r in shown.inspectors]}
        out_json(record)
    elif args.format == "csv":  # the JSON's fields, headed and worded in the interface's language
        keys = progress.UNIT_KEYS
        emit("csv", [t(f"progress.csv.{k}") for k in keys],
             [[_progress_cell(r, k) for k in keys] for r in shown.units])
    else:
        _progress_table(view, shown)


def _progress_cell(row, key: str) -> object:
    """A progress field in a CSV cell: words for statuses and lacks, lists joined by ';', a criterion
    count as ``A=1``."""
    from modelunit.domain.progress import lack_texts

    value = getattr(row, key)
    if key == "status":
        return _status(value)
    if key == "type":
        return t(f"type.{value}")
    if key == "nomination":
        return t(f"nomination.{value}") if value else ""
    if key == "missing":
        return "；".join(lack_texts(row))
    if isinstance(value, dict):
        return ";".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list):
        return ";".join(value)
    return value


def _progress_table(view, shown) -> None:
    from modelunit.domain.progress import inspector_header, inspector_row, table_header, table_row

    emit("table", table_header(view), [table_row(view, r) for r in shown.units])
    out(t("progress.summary", total=len(view.units), missing=sum(1 for r in view.units if r.missing)))
    if shown.inspectors:
        out()
        out(t("progress.inspectors"))
        emit("table", inspector_header(), [inspector_row(i) for i in shown.inspectors])


@handler("export")
def cmd_export(args, ctx) -> None:
    if not args.file and not args.score_sheets:
        raise BadInput("usage.export")
    if args.file:
        from modelunit.export.workbook import export_workbook

        out(export_workbook(ctx, args.file))
    if args.score_sheets:
        from modelunit.export.score_sheets import export_score_sheets

        for path in export_score_sheets(ctx, args.score_sheets):
            out(path)


# ----------------------------------------------------------------------------- audit


@handler("audit", "list", report=True)
def cmd_audit_list(args, ctx) -> None:
    session_require_audit(ctx)
    rows = audit.entries(ctx.db.snapshot(), limit=args.limit)
    emit("table", [t("col.seq"), t("col.at"), t("col.user"), t("col.action"), t("col.target"), t("col.change")],
         [[e["seq"], e["at"], e["user"], e["action"], e["target"], audit.describe(e, 80)] for e in rows])


@handler("audit", "verify")
def cmd_audit_verify(args, ctx) -> None:
    session_require_audit(ctx)
    tx = ctx.db.snapshot()
    result = audit.verify(tx)
    if not result.ok:
        err(t("audit.broken", seq=result.broken_at, reason=t(result.reason, tables=result.detail)))
        raise SystemExit(1)
    if args.anchor is not None and not audit.anchored(tx, args.anchor):
        err(t("audit.anchor_missing", anchor=args.anchor))
        raise SystemExit(1)
    out(t("audit.ok", count=result.count, head=result.head))
    if result.digests_from is None:
        out(t("audit.no_digests"))
    elif result.digests_from > 1:
        out(t("audit.digests_from", seq=result.digests_from))
    if args.anchor is not None:
        out(t("audit.anchor_ok", anchor=args.anchor.strip()))


def session_require_audit(ctx) -> None:
    from modelunit.domain.permissions import require

    require(ctx.actor, "audit.view")


# ----------------------------------------------------------------------------- demo and dashboard


@handler("backup")
def cmd_backup(args, ctx) -> None:
    """A consistent copy of the database (read under the lock), checked before it is kept."""
    from modelunit.domain import audit
    from modelunit.domain.permissions import require
    from modelunit.storage.exports import atomic_target

    require(ctx.actor, "audit.view")  # the whole database, password hashes included: the office's
    payload = ctx.db.consistent_bytes()
    with atomic_target(ctx.db, args.file, suffix=".json") as tmp:
        with open(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        result = audit.verify(Database(tmp).snapshot())
    out(t("backup.done", path=os.path.abspath(args.file), count=result.count, head=result.head,
          size=f"{len(payload) / 1e6:.1f}"))
    if not result.ok:  # a copy of what is there, and a warning that it does not verify
        err(t("audit.broken", seq=result.broken_at, reason=t(result.reason)))
    out(t("backup.evidence", folder=ctx.db.evidence_dir))


@handler("db", "copy", needs_session=False)
def cmd_db_copy(args, _ctx) -> None:
    """A whole database into an empty one of either kind (a file into PostgreSQL, or back), signed in
    at the source as the office; both ends verified."""
    from modelunit.domain.permissions import require
    from modelunit.storage.copy import copy_database

    args.db = args.source
    ctx = open_session(args)
    require(ctx.actor, "audit.view")  # the whole database, password hashes included: the office's
    target = open_database_at(args.target)
    result = copy_database(ctx.db, target)
    out(t("copy.done", source=ctx.db.locator, target=target.locator, count=result.count, head=result.head))


@handler("demo", needs_session=False)
def cmd_demo(args, _ctx) -> None:
    from modelunit.demo import DEMO_ADMIN, DEMO_PASSWORD, build_demo, is_demo

    path = args.db or os.environ.get("MODELUNIT_DEMO_DB") or DEFAULT_DEMO_DB
    if os.path.abspath(path) == os.path.abspath(DEFAULT_DB) and not args.db:
        path = DEFAULT_DEMO_DB
    db = Database(path)
    if db.exists() and not is_demo(db):
        raise Refused("demo.not_demo", path=db.path)  # never the working database, not even with --reset
    if db.exists() and not args.reset:
        check_clock(db.snapshot())
    mark_drill()  # the demo is a drill
    if args.reset or not db.exists():
        info = build_demo(db, reset=args.reset)
        out(t("demo.built", path=db.path))
        out(t("demo.accounts", password=DEMO_PASSWORD, admin=DEMO_ADMIN, inspectors=", ".join(info.inspectors),
              units=", ".join(info.clerks)))
    else:
        out(t("demo.exists", path=db.path))
    # The demo opens already signed in as its admin: it made the account itself, so the
    # (deliberately slow) password check would only delay the first screen.
    if args.serve:
        from modelunit.serve import serve

        serve(db, args.host, args.port, args.public_url, demo=True, idle_minutes=args.idle_minutes)
        return
    ctx = Context(db, user_of(db.snapshot(), DEMO_ADMIN))
    if args.no_tui or not sys.stdout.isatty():
        args.format = "table"
        cmd_tally(args, ctx)
        out(t("demo.explore", path=db.path, admin=DEMO_ADMIN, password=DEMO_PASSWORD))
        return
    from modelunit.demo import CLERKS, INSPECTORS
    from modelunit.tui.app import run_app

    accounts = [DEMO_ADMIN] + [name for name, _ in INSPECTORS] + [name for name, _ in CLERKS]
    run_app(db, ctx, demo_accounts=accounts, demo_password=DEMO_PASSWORD)


def run_tui(args) -> int:
    """``modelunit`` alone: the dashboard on the database, signed in from the environment if it can be."""
    db = open_database(args)
    ctx = None
    if args.user and os.environ.get("MODELUNIT_PASSWORD") is not None:
        ctx = Context(db, users.sign_in(db, args.user, os.environ["MODELUNIT_PASSWORD"]), args.campaign)
    from modelunit.tui.app import run_app

    run_app(db, ctx)
    return 0


@handler("serve", needs_session=False)
def cmd_serve(args, _ctx) -> None:
    """The dashboard in browsers: every session signs in itself, whatever this shell holds."""
    db = open_database_at(db_path(args))
    if not db.exists():
        raise BadInput("usage.no_db", path=db.locator)
    check_clock(db.snapshot())
    from modelunit.serve import serve

    serve(db, args.host, args.port, args.public_url, campaign=args.campaign, idle_minutes=args.idle_minutes)
