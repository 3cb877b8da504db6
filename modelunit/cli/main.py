"""Entry point of ``modelunit``: global options, sign-in, dispatch, exit codes (DESIGN §6).

Exit codes: 0 done; 1 refused (rule, permission, wrong password); 2 bad input.
Every error is one line on stderr; a refusal is also appended to the log
file beside the database.  This module never imports Textual: the dashboard
is loaded only when it is asked for.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import os
import sys

from modelunit.errors import BadInput, LineErrors, ModelUnitError, Refused
from modelunit.i18n import get_lang, one_line, set_lang, t

DEFAULT_DB = "modelunit.json"
DEFAULT_DEMO_DB = "modelunit-demo.json"
MAX_ERROR_LINES = 100


def say(text: str) -> None:
    from modelunit.cli.output import clean

    sys.stderr.write(clean(one_line(text)) + "\n")


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, t("help.usage") if prefix is None else prefix)


class _Commands(argparse._SubParsersAction):
    """Each command's one-line description comes from the catalogue (``help.cmd.PATH``)."""

    def add_parser(self, name, **kwargs):  # type: ignore[no-untyped-def]
        path = ".".join(self._prog_prefix.split()[1:] + [name])
        kwargs.setdefault("help", t(f"help.cmd.{path}"))
        kwargs.setdefault("description", kwargs["help"])
        return super().add_parser(name, **kwargs)


class _Parser(argparse.ArgumentParser):
    """argparse in the interface's language: every option described from the catalogue
    (``help.opt.PATH.DEST``, else ``help.opt.DEST``), and a usage error is one line and exit code 2."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)
        self.register("action", "parsers", _Commands)
        self._positionals.title = t("help.positionals")
        self._optionals.title = t("help.optionals")

    def _add_action(self, action: argparse.Action) -> argparse.Action:
        if isinstance(action, argparse._SubParsersAction):
            action.help = t("help.commands")
        elif action.dest == "help":
            action.help = t("help.help")
        elif action.help is None:
            action.help = option_help(self.prog, action.dest)
        return super()._add_action(action)

    def error(self, message: str) -> None:  # type: ignore[override]
        say(t("usage.error", detail=f"{self.prog}: {message}"))
        raise SystemExit(2)


def option_help(prog: str, dest: str) -> str | None:
    """An option's description: the one for this command, else the one several commands share."""
    from modelunit.catalogue import MESSAGES

    path = ".".join(prog.split()[1:] + [dest])
    for key in (f"help.opt.{path}", f"help.opt.{dest}"):
        if key in MESSAGES:
            return t(key)
    return None


def lang_of(argv: list[str]) -> str:
    """The language asked for, read before parsing so that ``--help`` speaks it too."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
        if arg == "--":
            break
    return os.environ.get("MODELUNIT_LANG") or "zh"


# The options whose default is read from the environment, after parsing (:func:`with_env_defaults`).
ENV_DEFAULTS = {"db": "MODELUNIT_DB", "user": "MODELUNIT_USER", "campaign": "MODELUNIT_CAMPAIGN"}


def with_env_defaults(args: argparse.Namespace) -> argparse.Namespace:
    """An option not given takes its ``MODELUNIT_…`` variable."""
    for dest, var in ENV_DEFAULTS.items():
        if getattr(args, dest) is None:
            setattr(args, dest, os.environ.get(var))
    return args


@functools.cache
def build_parser(lang: str) -> argparse.ArgumentParser:
    """The command line, its help in ``lang``.  It depends on nothing else (the environment's defaults are
    applied after parsing), so a process that runs several commands builds it once: the tests' fork
    server builds both languages' before it forks a child per command (a build is 15 ms of a child's 17).
    The interface's language is left as it was, whether the parser was built now or before."""
    previous = get_lang()
    set_lang(lang)
    try:
        return _build_parser(lang)
    finally:
        set_lang(previous)


def _build_parser(lang: str) -> argparse.ArgumentParser:
    p = _Parser(prog="modelunit", description=t("help.description"))
    p.add_argument("--db")
    p.add_argument("--user")
    p.add_argument("--campaign")
    p.add_argument("--lang", choices=("zh", "en"), default=lang)
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    demo = sub.add_parser("demo")
    demo.add_argument("--reset", action="store_true")
    demo.add_argument("--no-tui", action="store_true")
    demo.add_argument("--serve", action="store_true")
    add_listen_options(demo)

    srv = sub.add_parser("serve")
    add_listen_options(srv)

    init = sub.add_parser("init")
    init.add_argument("--admin", required=True)
    init.add_argument("--drill", action="store_true")

    crit = sub.add_parser("criteria").add_subparsers(dest="action", required=True,
                                                                           parser_class=_Parser)
    crit.add_parser("check").add_argument("file")

    camp = sub.add_parser("campaign").add_subparsers(dest="action", required=True,
                                                                      parser_class=_Parser)
    create = camp.add_parser("create")
    create.add_argument("--year", type=int, required=True)
    create.add_argument("--batch", type=int, required=True)
    create.add_argument("--criteria", required=True)
    create.add_argument("--title", default="")
    places = create.add_mutually_exclusive_group()
    places.add_argument("--quota", type=int)
    places.add_argument("--quota-by-type", metavar="TYPE=N[,TYPE=N...]")
    create.add_argument("--selfcheck-due")
    create.add_argument("--nomination-due")
    create.add_argument("--issuer", default="")
    create.add_argument("--approval-ref", default="")
    create.add_argument("--holidays", default="")
    create.add_argument("--kind", choices=("creation", "recheck"), default="creation")
    create.add_argument("--sample")
    create.add_argument("--seed", type=int)
    create.add_argument("--from", dest="from_campaign", metavar="CAMPAIGN")
    create.add_argument("--workdays", default="")
    create.add_argument("--contact-phone", default="")
    create.add_argument("--contact-address", default="")
    create.add_argument("--contact-email", default="")
    camp.add_parser("list")
    adv = camp.add_parser("advance")
    adv.add_argument("--to", metavar="STAGE")
    adv.add_argument("--reason", default="")
    adv.add_argument("--dry-run", action="store_true")

    user = sub.add_parser("user").add_subparsers(dest="action", required=True, parser_class=_Parser)
    add = user.add_parser("add")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=("admin", "inspector", "unit"))
    add.add_argument("--unit")
    user.add_parser("list")
    user.add_parser("unlock").add_argument("name")
    uimp = user.add_parser("import")
    uimp.add_argument("file")
    uimp.add_argument("--passwords", metavar="FILE.csv")
    user.add_parser("disable").add_argument("name")
    user.add_parser("enable").add_argument("name")
    user.add_parser("reset-password").add_argument("name")
    sub.add_parser("backup").add_argument(
        "file", metavar="FILE.json")
    sub.add_parser("passwd")
    dbcmd = sub.add_parser("db").add_subparsers(dest="action", required=True, parser_class=_Parser)
    dbcopy = dbcmd.add_parser("copy")
    dbcopy.add_argument("source", metavar="SRC")
    dbcopy.add_argument("target", metavar="DST")

    unit = sub.add_parser("unit").add_subparsers(dest="action", required=True, parser_class=_Parser)
    unit.add_parser("import").add_argument("file")
    unit.add_parser("list").add_argument("--format", choices=("table", "csv", "json"), default="table")
    hist = unit.add_parser("history")
    hist.add_argument("unit")
    hist.add_argument("--format", choices=("table", "json"), default="table")

    sc = sub.add_parser("selfcheck").add_subparsers(dest="action", required=True,
                                                                      parser_class=_Parser)
    sc.add_parser("import").add_argument("file")
    scs = sc.add_parser("submit")
    scs.add_argument("units", nargs="*")
    scs.add_argument("--all", action="store_true")
    scs.add_argument("--reason", default="")
    gap = sc.add_parser("gap")
    gap.add_argument("unit")
    gap.add_argument("--item", required=True)
    gap.add_argument("--problem", required=True)
    gap.add_argument("--measure", default="")
    gap.add_argument("--due")

    mat = sub.add_parser("material").add_subparsers(dest="action", required=True,
                                                                    parser_class=_Parser)
    madd = mat.add_parser("add")
    madd.add_argument("unit")
    madd.add_argument("file")
    madd.add_argument("--criterion")
    madd.add_argument("--document")
    madd.add_argument("--title", default="")
    madd.add_argument("--reason", default="")
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
    mver = mat.add_parser("verify")
    mver.add_argument("unit", nargs="?")

    review = sub.add_parser("review").add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    rr = review.add_parser("return")
    rr.add_argument("unit")
    rr.add_argument("--request", required=True)
    rr.add_argument("--due")

    nom = sub.add_parser("nominate")
    nom.add_argument("units", nargs="+")
    nom.add_argument("--recommended-by", default="")
    nom.add_argument("--reason", default="")

    insp = sub.add_parser("inspect").add_subparsers(dest="action", required=True,
                                                                            parser_class=_Parser)
    ia = insp.add_parser("assign")
    ia.add_argument("unit")
    ia.add_argument("--inspectors", required=True)
    insp.add_parser("import").add_argument("file")

    score = sub.add_parser("score").add_subparsers(dest="action", required=True,
                                                                       parser_class=_Parser)
    si = score.add_parser("import")
    si.add_argument("file")
    si.add_argument("--reason", default="")
    ss = score.add_parser("submit")
    ss.add_argument("unit", nargs="?")
    ss.add_argument("--inspector")
    ss.add_argument("--all", action="store_true")
    sl = score.add_parser("list")
    sl.add_argument("unit", nargs="?")
    sl.add_argument("--format", choices=("table", "csv", "json"), default="table")

    sat = sub.add_parser("satisfaction").add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    sat.add_parser("import").add_argument("file")

    veto = sub.add_parser("veto")
    veto.add_argument("unit")
    veto.add_argument("--item", required=True)
    veto.add_argument("--reason", required=True)

    sub.add_parser("tally").add_argument("--format", choices=("table", "csv", "json"),
                                                             default="table")

    pub = sub.add_parser("publicity").add_subparsers(dest="action", required=True,
                                                                      parser_class=_Parser)
    pub.add_parser("start").add_argument("--date")

    obj = sub.add_parser("objection").add_subparsers(dest="action", required=True,
                                                                       parser_class=_Parser)
    oa = obj.add_parser("add")
    oa.add_argument("unit")
    oa.add_argument("--text", required=True)
    oa.add_argument("--source", default="")
    oa.add_argument("--date")
    oa.add_argument("--objector", default="")
    oa.add_argument("--organisation", default="")
    oa.add_argument("--contact", default="")
    orr = obj.add_parser("resolve")
    orr.add_argument("oid")
    group = orr.add_mutually_exclusive_group(required=True)
    group.add_argument("--upheld", action="store_true")
    group.add_argument("--dismissed", action="store_true")
    orr.add_argument("--note", required=True)
    obj.add_parser("list")

    rck = sub.add_parser("recheck").add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    radd = rck.add_parser("add")
    radd.add_argument("units", nargs="+")
    rck.add_parser("sample")

    aw = sub.add_parser("award")
    aw.add_argument("--decided-by", required=True)
    aw.add_argument("--decision-ref", required=True)
    aw.add_argument("--date")
    # titles: 称号 and their dynamic management (DESIGN §3a)
    title = sub.add_parser("title").add_subparsers(dest="action", required=True,
                                                                                 parser_class=_Parser)
    title.add_parser("list").add_argument("--format", choices=("table", "csv", "json"), default="table")
    trect = title.add_parser("rectified")
    trect.add_argument("unit")
    trect.add_argument("--note", required=True)
    trev = title.add_parser("revoke")
    trev.add_argument("unit")
    trev.add_argument("--reason", required=True)
    trev.add_argument("--decision-ref", required=True)
    trev.add_argument("--date")
    prog = sub.add_parser("progress")
    prog.add_argument("--missing", action="store_true")
    prog.add_argument("--format", choices=("table", "csv", "json", "xlsx"), default="table")
    prog.add_argument("--output", metavar="FILE.xlsx")
    exp = sub.add_parser("export")
    exp.add_argument("file", nargs="?")
    exp.add_argument("--score-sheets", metavar="DIR")

    aud = sub.add_parser("audit").add_subparsers(dest="action", required=True,
                                                                  parser_class=_Parser)
    al = aud.add_parser("list")
    al.add_argument("--limit", type=int, metavar="N")
    aud.add_parser("verify").add_argument("--anchor")
    return p


def add_listen_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--public-url")
    p.add_argument("--idle-minutes", type=float, default=30.0)


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
    set_lang(lang_of(sys.argv[1:] if argv is None else argv))
    args = with_env_defaults(build_parser(get_lang()).parse_args(argv))
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
        from modelunit.storage.database import open_database_at

        db = open_database_at(db_path(args))
        if db.exists():
            db.log_refusal({"at": now(), "user": args.user, "command": command, "error": err.key,
                            "message": err.render()})


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
