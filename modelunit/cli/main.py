"""Entry point of ``modelunit``: global options, sign-in, dispatch, exit codes (DESIGN §6).

Exit codes: 0 done; 1 refused (rule, permission, wrong password); 2 bad input.
Every error is one line on stderr; a refusal is also appended to the log
file beside the database.  This module never imports Textual: the dashboard
is loaded only when it is asked for.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from modelunit.errors import BadInput, LineErrors, ModelUnitError, Refused
from modelunit.i18n import one_line, set_lang, t

DEFAULT_DB = "modelunit.json"
DEFAULT_DEMO_DB = "modelunit-demo.json"
MAX_ERROR_LINES = 100


def say(text: str) -> None:
    from modelunit.cli.output import clean

    sys.stderr.write(clean(one_line(text)) + "\n")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        say(t("usage.error", detail=f"{self.prog}: {message}"))
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="modelunit", description="依法行政示范单位创建 — model-unit campaign dashboard")
    p.add_argument("--db", default=os.environ.get("MODELUNIT_DB"),
                   help=f"database file (env MODELUNIT_DB; default ./{DEFAULT_DB})")
    p.add_argument("--user", default=os.environ.get("MODELUNIT_USER"), help="user name (env MODELUNIT_USER)")
    p.add_argument("--campaign", default=os.environ.get("MODELUNIT_CAMPAIGN"),
                   help="campaign id such as 2024-1 (env MODELUNIT_CAMPAIGN; default the newest)")
    p.add_argument("--lang", choices=("zh", "en"), default=os.environ.get("MODELUNIT_LANG") or "zh",
                   help="language (env MODELUNIT_LANG; default zh)")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    demo = sub.add_parser("demo", help="build a demo campaign and open it")
    demo.add_argument("--reset", action="store_true")
    demo.add_argument("--no-tui", action="store_true")
    demo.add_argument("--serve", action="store_true", help="serve the demo to a browser (see serve)")
    add_listen_options(demo)

    srv = sub.add_parser("serve", help="serve the dashboard to browsers: each session signs in")
    add_listen_options(srv)

    init = sub.add_parser("init", help="create a database with its first admin")
    init.add_argument("--admin", required=True)
    init.add_argument("--drill", action="store_true", help="a practice database whose clock MODELUNIT_TODAY may set")

    crit = sub.add_parser("criteria", help="criteria files").add_subparsers(dest="action", required=True,
                                                                           parser_class=_Parser)
    crit.add_parser("check").add_argument("file")

    camp = sub.add_parser("campaign", help="campaigns").add_subparsers(dest="action", required=True,
                                                                      parser_class=_Parser)
    create = camp.add_parser("create")
    create.add_argument("--year", type=int, required=True)
    create.add_argument("--batch", type=int, required=True)
    create.add_argument("--criteria", required=True)
    create.add_argument("--title", default="")
    places = create.add_mutually_exclusive_group()
    places.add_argument("--quota", type=int, help="places for the whole campaign")
    places.add_argument("--quota-by-type", metavar="TYPE=N[,TYPE=N...]",
                        help="places per unit type, e.g. department=3,street=2 (types as identifiers or 中文名)")
    create.add_argument("--selfcheck-due")
    create.add_argument("--nomination-due")
    create.add_argument("--issuer", default="")
    create.add_argument("--approval-ref", default="")
    create.add_argument("--holidays", default="", help="comma-separated dates excluded from working days")
    create.add_argument("--kind", choices=("creation", "recheck"), default="creation",
                        help="recheck: 年度复查 of the units holding a valid title")
    create.add_argument("--sample", help="recheck: percent of the enrolled units drawn for inspection (default 20)")
    create.add_argument("--seed", type=int, help="recheck: the draw's random seed (default: generated and printed)")
    create.add_argument("--from", dest="from_campaign", metavar="CAMPAIGN",
                        help="copy the units and their open rectification items from an earlier campaign")
    create.add_argument("--workdays", default="", help="comma-separated make-up working days (调休, e.g. Saturdays)")
    create.add_argument("--contact-phone", default="", help="where the public may object: phone (公示 notice)")
    create.add_argument("--contact-address", default="", help="where the public may object: postal address")
    create.add_argument("--contact-email", default="", help="where the public may object: e-mail")
    camp.add_parser("list")
    adv = camp.add_parser("advance")
    adv.add_argument("--to", metavar="STAGE", help="the stage to open; refused unless it is the next one")
    adv.add_argument("--reason", default="", help="needed to close a stage before its due date, or to leave "
                                                  "inspection with sheets unsubmitted")
    adv.add_argument("--dry-run", action="store_true", help="print what would happen and change nothing")

    user = sub.add_parser("user", help="users").add_subparsers(dest="action", required=True, parser_class=_Parser)
    add = user.add_parser("add")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=("admin", "inspector", "unit"))
    add.add_argument("--unit")
    user.add_parser("list")
    user.add_parser("unlock", help="lift a sign-in lockout").add_argument("name")
    uimp = user.add_parser("import", help="add users from a CSV (name,real_name,role[,unit,contact]) with "
                                          "initial passwords, changed at first sign-in")
    uimp.add_argument("file")
    uimp.add_argument("--passwords", metavar="FILE.csv",
                      help="write the initial passwords to this new file (readable by you only) instead of stdout")
    user.add_parser("disable", help="a user who may no longer sign in").add_argument("name")
    user.add_parser("enable", help="let a disabled user sign in again").add_argument("name")
    user.add_parser("reset-password", help="a new initial password, printed once").add_argument("name")
    sub.add_parser("backup", help="a consistent copy of the database, taken under the lock (admin)").add_argument(
        "file", metavar="FILE.json")
    sub.add_parser("passwd", help="change your own password (MODELUNIT_PASSWORD: the old one, "
                                  "MODELUNIT_NEW_PASSWORD: the new one, else prompts)")

    unit = sub.add_parser("unit", help="units").add_subparsers(dest="action", required=True, parser_class=_Parser)
    unit.add_parser("import").add_argument("file")
    unit.add_parser("list").add_argument("--format", choices=("table", "csv", "json"), default="table")
    hist = unit.add_parser("history", help="a unit's campaigns, results, titles and re-checks over the years")
    hist.add_argument("unit")
    hist.add_argument("--format", choices=("table", "json"), default="table")

    sc = sub.add_parser("selfcheck", help="self-check").add_subparsers(dest="action", required=True,
                                                                      parser_class=_Parser)
    sc.add_parser("import").add_argument("file")
    scs = sc.add_parser("submit")
    scs.add_argument("units", nargs="*")
    scs.add_argument("--all", action="store_true")
    scs.add_argument("--reason", default="", help="admin: accept a self-check after its due date")
    gap = sc.add_parser("gap", help="record a gap found and its rectification")
    gap.add_argument("unit")
    gap.add_argument("--item", required=True)
    gap.add_argument("--problem", required=True)
    gap.add_argument("--measure", default="")
    gap.add_argument("--due")

    mat = sub.add_parser("material", help="evidence").add_subparsers(dest="action", required=True,
                                                                    parser_class=_Parser)
    madd = mat.add_parser("add")
    madd.add_argument("unit")
    madd.add_argument("file")
    madd.add_argument("--criterion", help="the criterion this evidence (台账) is for")
    madd.add_argument("--document", help="the application document (申报材料) this file is")
    madd.add_argument("--title", default="")
    madd.add_argument("--reason", default="", help="admin: supplement after nomination")
    mat.add_parser("import").add_argument("file")
    mlist = mat.add_parser("list")
    mlist.add_argument("unit", nargs="?")
    mlist.add_argument("--format", choices=("table", "csv", "json"), default="table")
    mrem = mat.add_parser("remove")
    mrem.add_argument("unit")
    mwhere = mrem.add_mutually_exclusive_group(required=True)
    mwhere.add_argument("--criterion")
    mwhere.add_argument("--document")
    mrem.add_argument("--title")
    mwhich = mrem.add_mutually_exclusive_group()
    mwhich.add_argument("--sha256")
    mwhich.add_argument("--file")
    mver = mat.add_parser("verify", help="check stored evidence files")
    mver.add_argument("unit", nargs="?")

    review = sub.add_parser("review", help="初审: the office's check of nominations").add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    rr = review.add_parser("return", help="return a nomination for 补正")
    rr.add_argument("unit")
    rr.add_argument("--request", required=True, help="what the unit must add or correct")
    rr.add_argument("--due", help="the date by which the unit nominates again (YYYY-MM-DD)")

    nom = sub.add_parser("nominate", help="nominate units")
    nom.add_argument("units", nargs="+")
    nom.add_argument("--recommended-by", default="")
    nom.add_argument("--reason", default="")

    insp = sub.add_parser("inspect", help="inspection teams").add_subparsers(dest="action", required=True,
                                                                            parser_class=_Parser)
    ia = insp.add_parser("assign")
    ia.add_argument("unit")
    ia.add_argument("--inspectors", required=True)
    insp.add_parser("import").add_argument("file")

    score = sub.add_parser("score", help="score sheets").add_subparsers(dest="action", required=True,
                                                                       parser_class=_Parser)
    si = score.add_parser("import")
    si.add_argument("file")
    si.add_argument("--reason", default="", help="admin: change a submitted sheet")
    ss = score.add_parser("submit")
    ss.add_argument("unit", nargs="?")
    ss.add_argument("--inspector")
    ss.add_argument("--all", action="store_true")
    sl = score.add_parser("list")
    sl.add_argument("unit", nargs="?")
    sl.add_argument("--format", choices=("table", "csv", "json"), default="table")

    sat = sub.add_parser("satisfaction", help="satisfaction scores").add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    sat.add_parser("import").add_argument("file")

    veto = sub.add_parser("veto", help="apply a veto item")
    veto.add_argument("unit")
    veto.add_argument("--item", required=True)
    veto.add_argument("--reason", required=True)

    sub.add_parser("tally", help="the ranking").add_argument("--format", choices=("table", "csv", "json"),
                                                             default="table")

    pub = sub.add_parser("publicity", help="publicity").add_subparsers(dest="action", required=True,
                                                                      parser_class=_Parser)
    pub.add_parser("start").add_argument("--date")

    obj = sub.add_parser("objection", help="objections").add_subparsers(dest="action", required=True,
                                                                       parser_class=_Parser)
    oa = obj.add_parser("add")
    oa.add_argument("unit")
    oa.add_argument("--text", required=True)
    oa.add_argument("--source", default="")
    oa.add_argument("--date")
    oa.add_argument("--objector", default="", help="the objector's name (异议须实名)")
    oa.add_argument("--organisation", default="", help="the objector's organisation")
    oa.add_argument("--contact", default="", help="how to reach the objector")
    orr = obj.add_parser("resolve")
    orr.add_argument("oid")
    group = orr.add_mutually_exclusive_group(required=True)
    group.add_argument("--upheld", action="store_true")
    group.add_argument("--dismissed", action="store_true")
    orr.add_argument("--note", required=True)
    obj.add_parser("list")

    rck = sub.add_parser("recheck", help="re-check campaigns (年度复查)").add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    radd = rck.add_parser("add", help="add enrolled units to the sample for inspection")
    radd.add_argument("units", nargs="+")
    rck.add_parser("sample", help="the sample, its seed and how it was drawn")

    aw = sub.add_parser("award", help="审定: record the decision and name the approved units")
    aw.add_argument("--decided-by", required=True, help="the approving body (审定机关)")
    aw.add_argument("--decision-ref", required=True, help="the naming decision's document number (文号)")
    aw.add_argument("--date", help="the decision's date (default today)")
    # titles: 称号 and their dynamic management (DESIGN §3a)
    title = sub.add_parser("title", help="titles after the award").add_subparsers(dest="action", required=True,
                                                                                 parser_class=_Parser)
    title.add_parser("list").add_argument("--format", choices=("table", "csv", "json"), default="table")
    trect = title.add_parser("rectified", help="confirm a rectification: the title is valid again")
    trect.add_argument("unit")
    trect.add_argument("--note", required=True)
    trev = title.add_parser("revoke", help="revoke a title (撤销命名)")
    trev.add_argument("unit")
    trev.add_argument("--reason", required=True)
    trev.add_argument("--decision-ref", required=True)
    trev.add_argument("--date")
    prog = sub.add_parser("progress", help="who is missing what: self-check, evidence, nomination, score sheets")
    prog.add_argument("--missing", action="store_true", help="only the units (and inspectors) still missing something")
    prog.add_argument("--format", choices=("table", "csv", "json", "xlsx"), default="table",
                      help="xlsx: a printable reminder list with each unit's contact (needs --output)")
    prog.add_argument("--output", metavar="FILE.xlsx", help="where --format xlsx writes the reminder list")
    exp = sub.add_parser("export", help="write the Excel workbook")
    exp.add_argument("file", nargs="?")
    exp.add_argument("--score-sheets", metavar="DIR", help="write blank score sheets for offline inspection")

    aud = sub.add_parser("audit", help="audit log").add_subparsers(dest="action", required=True,
                                                                  parser_class=_Parser)
    al = aud.add_parser("list")
    al.add_argument("--limit", type=int, metavar="N", help="only the newest N entries (0: all, the default)")
    aud.add_parser("verify").add_argument("--anchor", help="a hash printed earlier: prove it is still in the chain")
    return p


def add_listen_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--public-url", help="the address browsers use, e.g. https://modelunit.example.gov.cn "
                                        "behind a reverse proxy (default http://HOST:PORT)")
    p.add_argument("--idle-minutes", type=float, default=30.0,
                   help="a browser session without input this long is signed out (default 30)")


def password_from_env_or_prompt(env: str, prompt: str, confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise Refused("auth.no_password" if env == "MODELUNIT_PASSWORD" else "auth.no_new_password")
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass(t("auth.prompt_again")) != first:
        raise BadInput("auth.mismatch")
    return first


def db_path(args) -> str:
    return args.db or DEFAULT_DB


def _undecodable(text: str) -> bool:
    """True when ``text`` holds bytes that were not UTF-8 (Python keeps them as lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_encoding(argv: list[str]) -> None:
    """Arguments and MODELUNIT_* variables must be UTF-8: refuse them before anything reads them."""
    for name, value in sorted(os.environ.items()):
        if name.startswith("MODELUNIT_") and _undecodable(value):
            raise BadInput("usage.not_utf8", what=name)
    for arg in argv:
        if _undecodable(arg):
            raise BadInput("usage.not_utf8", what=arg.encode("utf-8", "backslashreplace").decode("ascii"))


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # an odd byte must never turn a message into a traceback
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        check_encoding(sys.argv[1:] if argv is None else argv)
    except BadInput as e:
        say(e.render())
        return e.exit_code
    try:
        code = _main(argv)
    except KeyboardInterrupt:
        say(t("interrupted"))
        code = 1
    sys.stdout.flush()
    return code if code is not None else 0


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    set_lang(args.lang)
    from modelunit.cli import commands, output

    output.mark_drill(None)  # set again below for a drill database

    ctx = None
    try:
        if args.command is None:
            return commands.run_tui(args)
        handler = commands.HANDLERS[(args.command, getattr(args, "action", None))]
        if getattr(handler, "needs_session", True):
            ctx = commands.open_session(args)
            if handler.report and ctx.db.is_drill():
                commands.mark_drill()
        handler(args, ctx)
        return 0
    except LineErrors as e:
        lines = e.lines()
        for line in lines[:MAX_ERROR_LINES]:
            say(line)
        if len(lines) > MAX_ERROR_LINES:
            say(t("errors.more", count=len(lines) - MAX_ERROR_LINES))
        _log(ctx, e, args)
        return e.exit_code
    except ModelUnitError as e:
        say(e.render())
        _log(ctx, e, args)
        return e.exit_code
    except BrokenPipeError:
        # The reader went away (`modelunit title list | head`): not an error of ours, and nothing to
        # say to a closed pipe; stdout goes to /dev/null so the interpreter's final flush is quiet too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as e:
        say(t("file.unreadable", path=e.filename or "", detail=e.strerror or str(e)))
        return 2
    except (MemoryError, RecursionError) as e:  # never a traceback, even here
        say(t("internal", detail=type(e).__name__))
        return 1
    except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError, IndexError) as e:
        # Valid JSON of the wrong shape inside (a score "abc", a field missing): the file is bad input.
        say(t("db.bad_data", path=db_path(args), detail=f"{type(e).__name__}: {e}"))
        return 2


def _log(ctx, err: ModelUnitError, args) -> None:
    command = " ".join(filter(None, [args.command, getattr(args, "action", None)]))
    if ctx is not None:
        ctx.refused(err, command)
    elif err.key.startswith("clock."):  # a backdating attempt is refused before anyone signs in: log it too
        from modelunit.domain.calendar import now
        from modelunit.storage.database import Database

        db = Database(db_path(args))
        if db.exists():
            db.log_refusal({"at": now(), "user": args.user, "command": command, "error": err.key,
                            "message": err.render()})


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
