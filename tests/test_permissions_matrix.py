"""Every role × every domain action × every stage, against a table written from DESIGN §1 and §3.

The table below (:data:`EXPECTED`) is written from the design, not from
``modelunit/domain/permissions.py``: deny by default; the office (admin) may do
everything, but only in the stage the action belongs to; an inspector only
scores / records notes / submits on the units assigned to them while inspection
is open, and sees their own scores; a unit clerk only edits their own unit
(self-check and gaps in the self-check stage, evidence and nomination in the
nomination stage) and reads their own results after the award.

Each combination is run against the real action on a database brought to the
stage by the helpers (the file is restored byte for byte before every call):

* allowed by the table  ⇒ no permission/stage refusal (``perm.*`` and the few
  visibility keys in :data:`VISIBILITY_KEYS`); a business rule may still refuse;
* refused by the table  ⇒ a clean ``ModelUnitError`` (never another exception),
  the database file byte-for-byte unchanged, and ``ctx.refused(err, action)`` —
  what the CLI and the dashboard call — appends one line to the refusal log.

A couple of real CLI subprocesses prove the command line logs refusals itself.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from modelunit.domain import (
    assignment,
    campaigns,
    context,
    nomination,
    publicity,
    selfcheck,
    sheets,
    standings,
    units,
    users,
    vetoes,
    views,
)
from modelunit.domain.models import User, from_dict
from modelunit.errors import LineErrors, ModelUnitError
from modelunit.export import score_sheets, workbook
from modelunit.storage.database import Database
from tests.conftest import PASSWORD, World, create_campaign, pg_world, rows, run_cli
from tests.helpers import FULL, evidence, score, self_score

STAGES = ("selfcheck", "nomination", "inspection", "publicity", "award")
ROLES = ("admin", "inspector_assigned", "inspector_other", "clerk_own", "clerk_other")
ALL = frozenset(STAGES)
LOW = {"A1": 2, "A2": 1, "B1": 2, "B2": 2}

# The campaign calendar while each stage is open (publicity runs Mon 2024-03-04 .. Wed 2024-03-06).
TODAY = {"selfcheck": "2024-03-01", "nomination": "2024-03-01", "inspection": "2024-03-01",
         "publicity": "2024-03-05", "award": "2024-03-08"}


def _s(*stages: str) -> frozenset[str]:
    return frozenset(stages)


# ----------------------------------------------------------------------------- the table (DESIGN §1, §3)
#
# action → {role: stages in which that role may do it}.  A role (or stage) not listed is denied.
# Where DESIGN names no stage for an admin action, the stages are those in which the thing acted on
# is live: assignment, satisfaction and vetoes need a nominated unit and must precede the tally that
# leaving inspection computes (a veto may still withdraw a unit during publicity, like an upheld
# objection); a supplement to frozen materials ("changes go through a supplement request") is an
# office action while the evidence is still being examined (nomination, inspection).

EXPECTED: dict[str, dict[str, frozenset[str]]] = {
    # §1 unit: "self-check, gaps and rectification ... while those stages are open" → stage 1 only.
    "selfcheck.import": {"admin": _s("selfcheck"), "clerk_own": _s("selfcheck")},
    "selfcheck.submit": {"admin": _s("selfcheck"), "clerk_own": _s("selfcheck")},
    "selfcheck.gap": {"admin": _s("selfcheck"), "clerk_own": _s("selfcheck")},
    "selfcheck.gap_status": {"admin": _s("selfcheck"), "clerk_own": _s("selfcheck")},
    # §1 unit: "nomination materials" while the nomination stage is open; §2: stage 2 is where evidence
    # (台账材料) is filed.  Stage 1 is self-scoring and gaps only.
    "material.add": {"admin": _s("nomination", "inspection"), "clerk_own": _s("nomination")},
    "nominate": {"admin": _s("nomination"), "clerk_own": _s("nomination")},
    # §3 初审: while nomination is open the admin may return a nomination for 补正.
    "review.return": {"admin": _s("nomination")},
    "inspect.assign": {"admin": _s("nomination", "inspection")},
    # §1 inspector: score (and record 听取汇报 / 现场查看 notes on) assigned units while inspection is open.
    "score.import": {"admin": _s("inspection"), "inspector_assigned": _s("inspection")},
    "score.submit": {"admin": _s("inspection"), "inspector_assigned": _s("inspection")},
    "score.notes": {"admin": _s("inspection"), "inspector_assigned": _s("inspection")},
    # Reading: the office sees everything; an inspector their own scores on their units; a clerk their
    # own results after the award.
    "score.list": {"admin": ALL, "inspector_assigned": ALL, "clerk_own": _s("award")},
    "satisfaction.import": {"admin": _s("nomination", "inspection")},
    "veto": {"admin": _s("nomination", "inspection", "publicity")},
    # The tally has no unit argument: any clerk reads it (their own row only) after the award.
    "tally.view": {"admin": ALL, "clerk_own": _s("award"), "clerk_other": _s("award")},
    "publicity.start": {"admin": _s("publicity")},
    "objection.add": {"admin": _s("publicity")},
    "objection.resolve": {"admin": _s("publicity")},
    "objection.list": {"admin": ALL},
    "award": {"admin": _s("award")},
    # Not bound to a stage: campaigns, users, units, export, audit are the office's at any time.
    "campaign.advance": {"admin": ALL},
    "campaign.create": {"admin": ALL},
    "user.add": {"admin": ALL},
    "user.list": {"admin": ALL},
    "unit.import": {"admin": ALL},
    "export.workbook": {"admin": ALL},
    "export.score_sheets": {"admin": ALL},
    "audit.view": {"admin": ALL},
    # Seeing a unit: the office any; an inspector the units assigned to them; a clerk their own.
    "unit.view": {"admin": ALL, "inspector_assigned": ALL, "clerk_own": ALL},
    # Everyone signed in sees the campaign overview, filtered to what they may see (checked below).
    "dashboard": {r: ALL for r in ROLES},
    "unit.list": {r: ALL for r in ROLES},
}

# Refusal keys that are permission refusals although not spelled perm.*: acting for another
# inspector, and a clerk reading results before the award.
VISIBILITY_KEYS = {"score.not_own_row", "score.hidden_until_award", "tally.hidden_until_award"}


# A refusal the table expects may come from a business rule only when there is nothing to act on at
# all: before publicity no objection exists, so resolving "#1" is unknown to everyone (exit 2).  Any
# other refusal that is not a permission/stage refusal means the permission check let the actor
# through and only the current state stopped them: a hole in another state.
NOTHING_TO_ACT_ON = {"objection.unknown"}


def is_permission_key(key: str) -> bool:
    return key.startswith("perm.") or key in VISIBILITY_KEYS


def keys_of(err: ModelUnitError) -> list[str]:
    if isinstance(err, LineErrors):
        return [p[2].key for p in err.problems]
    return [err.key]


# ----------------------------------------------------------------------------- the stage databases

# The unit acted on, per stage and action (default U1).  In the nomination stage U1 is ready to be
# nominated (self-check submitted, evidence filed) and U2 is already nominated with i1, i2 assigned,
# so that assignment, scoring, satisfaction and vetoes have a unit in the right state.
TARGET = {
    "nomination": {a: "U2" for a in ("inspect.assign", "score.import", "score.submit", "score.notes",
                                      "score.list", "satisfaction.import", "veto", "unit.view",
                                      "review.return")},
    "publicity": {"objection.resolve": "U2"},
}
CLERK_OF = {"U1": "clerk1", "U2": "clerk2"}
OTHER_CLERK = {"U1": "clerk2", "U2": "clerk1"}


@dataclass
class Stages:
    world: World
    snaps: dict[str, bytes]


@pytest.fixture(scope="module", params=["tinydb", "postgresql"])
def stages(request, template_dir, tmp_path_factory) -> Iterator[Stages]:
    """The database at each stage, on each backend in turn (the whole matrix runs on both)."""
    folder = tmp_path_factory.mktemp("matrix")
    with pytest.MonkeyPatch.context() as files:
        if request.param == "postgresql":
            w = pg_world(template_dir, folder, files)
        else:
            shutil.copy(template_dir / "mu.json", folder / "mu.json")
            shutil.copy(template_dir / "criteria.yaml", folder / "criteria.yaml")
            w = World(dir=folder, db=Database(str(folder / "mu.json")), criteria=folder / "criteria.yaml")
        yield _build_stages(w)


def _build_stages(w: World) -> Stages:
    snaps: dict[str, bytes] = {}
    with pytest.MonkeyPatch.context() as mp:
        for var in [k for k in os.environ if k.startswith("MODELUNIT_") and k != "MODELUNIT_FILES"]:
            mp.delenv(var)
        mp.setenv("MODELUNIT_TODAY", "2024-03-01")
        # Stage 1: U1, U2, U4 fully self-scored but not submitted; one gap on U1.
        create_campaign(w)
        for code in ("U1", "U2", "U4"):
            self_score(w, code)
        selfcheck.add_gap(w.ctx(), "U1", "A1", "决策目录未公开", "限期公开", None)
        snaps["selfcheck"] = w.raw()
        # Stage 2: all submitted with evidence; U2 nominated with i1, i2 assigned; U1 ready to nominate.
        selfcheck.submit_selfcheck(w.ctx(), ["U1", "U2", "U4"])
        campaigns.advance(w.ctx())
        for code in ("U1", "U2", "U4"):
            evidence(w, code)
        nomination.nominate(w.ctx(), ["U2"])
        assignment.assign(w.ctx(), [("U2", "i1"), ("U2", "i2")])
        snaps["nomination"] = w.raw()
        # Stage 3: U1 has complete sheets from i1 and i2, not yet submitted; U2, U4 submitted.
        nomination.nominate(w.ctx(), ["U1", "U4"])
        assignment.assign(w.ctx(), [(c, n) for c in ("U1", "U4") for n in ("i1", "i2")])
        campaigns.advance(w.ctx())
        for name in ("i1", "i2"):
            score(w, "U1", name, FULL)
            score(w, "U2", name, FULL)
            score(w, "U4", name, LOW)
            sheets.submit_scores(w.ctx(name), "U2")
            sheets.submit_scores(w.ctx(name), "U4")
        snaps["inspection"] = w.raw()
        # Stage 4: U1, U2 in publicity (started Mon 2024-03-04), one open objection (#1) against U2.
        sheets.submit_scores(w.ctx(), everyone=True)
        campaigns.advance(w.ctx())
        publicity.start_publicity(w.ctx(), "2024-03-04")
        mp.setenv("MODELUNIT_TODAY", "2024-03-04")  # objections are dated within the period
        publicity.add_objection(w.ctx(), "U2", "群众来信反映", "来信")
        snaps["publicity"] = w.raw()
        # Stage 5: objection dismissed, publicity over, U1 and U2 awarded.
        publicity.resolve_objection(w.ctx(), "1", upheld=False, note="经核实不属实")
        mp.setenv("MODELUNIT_TODAY", "2024-03-07")
        campaigns.advance(w.ctx())
        publicity.award(w.ctx(), "区人民政府", "区政府〔2024〕1号", "2024-03-08")
        snaps["award"] = w.raw()
    for stage, raw in snaps.items():
        assert json.loads(raw)["campaigns"]["2024-1"]["stage"] == stage
    (w.dir / "extra.txt").write_text("补充台账", encoding="utf-8")
    (w.dir / "sheets").mkdir()
    return Stages(w, snaps)


# ----------------------------------------------------------------------------- the actions


@dataclass
class Call:
    ctx: context.Context
    target: str
    world: World
    n: int

    @property
    def actor(self) -> User:
        return self.ctx.actor

    @property
    def inspector(self) -> str:
        """The inspector whose sheet is acted on: the actor when an inspector, else i1."""
        return self.actor.name if self.actor.role == "inspector" else "i1"


def _audit_view(c: Call):
    from modelunit.cli.commands import cmd_audit_list

    return cmd_audit_list(argparse.Namespace(limit=3), c.ctx)


ACTIONS = {
    "selfcheck.import": lambda c: selfcheck.import_selfcheck(
        c.ctx, rows({"unit": c.target, "item": "A1", "score": 5}), "self.csv"),
    "selfcheck.submit": lambda c: selfcheck.submit_selfcheck(c.ctx, [c.target]),
    "selfcheck.gap": lambda c: selfcheck.add_gap(c.ctx, c.target, "B1", "执法文书不规范", "统一文书", None),
    "selfcheck.gap_status": lambda c: selfcheck.set_gap_status(c.ctx, c.target, "1", "done"),
    "material.add": lambda c: nomination.add_materials(
        c.ctx, [nomination.MaterialRequest(c.target, str(c.world.dir / "extra.txt"), "A")], reason="补充"),
    "nominate": lambda c: nomination.nominate(c.ctx, [c.target]),
    "review.return": lambda c: nomination.return_nomination(c.ctx, c.target, "请补充会议纪要"),
    "inspect.assign": lambda c: assignment.assign(c.ctx, [(c.target, "i3")]),
    "score.import": lambda c: sheets.import_scores(
        c.ctx, rows({"unit": c.target, "inspector": c.inspector, "item": "A1", "score": 5}), "scores.csv"),
    "score.submit": lambda c: sheets.submit_scores(c.ctx, c.target, c.inspector),
    "score.notes": lambda c: sheets.set_sheet_notes(c.ctx, c.target, c.inspector, hearing="听取汇报"),
    "score.list": lambda c: sheets.list_scores(c.ctx, c.target),
    "satisfaction.import": lambda c: vetoes.import_satisfaction(
        c.ctx, rows({"unit": c.target, "score": 90}), "sat.csv"),
    "veto": lambda c: vetoes.veto(c.ctx, c.target, "V1", "行政诉讼败诉"),
    "tally.view": lambda c: standings.view_tally(c.ctx),
    "publicity.start": lambda c: publicity.start_publicity(c.ctx),
    "objection.add": lambda c: publicity.add_objection(c.ctx, c.target, "异议内容", "电话"),
    "objection.resolve": lambda c: publicity.resolve_objection(c.ctx, "1", upheld=False, note="不属实"),
    "objection.list": lambda c: publicity.list_objections(c.ctx),
    "award": lambda c: publicity.award(c.ctx, "区人民政府", "区政府〔2024〕1号"),
    "campaign.advance": lambda c: campaigns.advance(c.ctx),
    "campaign.create": lambda c: campaigns.create_campaign(
        c.ctx, campaigns.CampaignSpec(year=2025, batch=1, criteria_path=str(c.world.criteria))),
    "user.add": lambda c: users.add_user(c.ctx, "newcomer", "inspector", None, PASSWORD),
    "user.list": lambda c: users.list_users(c.ctx),
    "unit.import": lambda c: units.import_units(
        c.ctx, rows({"code": "U9", "name": "区司法局", "type": "department"}), "units.csv"),
    "export.workbook": lambda c: workbook.export_workbook(c.ctx, str(c.world.dir / f"out{c.n}.xlsx")),
    "export.score_sheets": lambda c: score_sheets.export_score_sheets(c.ctx, str(c.world.dir / "sheets")),
    "audit.view": _audit_view,
    "unit.view": lambda c: views.unit_detail(c.ctx, c.target),
    "dashboard": lambda c: views.dashboard(c.ctx),
    "unit.list": lambda c: units.list_units(c.ctx),
}
assert set(ACTIONS) == set(EXPECTED)


def visibility_problem(action: str, actor: User, result, assigned: set[str]) -> str | None:
    """What a successful read showed that the actor may not see (None when all is well)."""
    if action == "score.list":
        if actor.role == "inspector" and any(r["inspector"] != actor.name for r in result):
            return "an inspector saw another inspector's scores"
        if actor.role == "unit" and any(r["unit"] != actor.unit for r in result):
            return "a clerk saw another unit's scores"
    if action == "tally.view" and actor.role == "unit":
        if {r.code for r in result[1].rows} - {actor.unit}:
            return "a clerk saw another unit's tally row"
    if action in ("dashboard", "unit.list"):
        codes = {r.code for r in (result.rows if action == "dashboard" else result)}
        if actor.role == "unit" and codes - {actor.unit}:
            return f"a clerk saw other units: {sorted(codes - {actor.unit})}"
        if actor.role == "inspector" and codes - assigned:
            return f"an inspector saw unassigned units: {sorted(codes - assigned)}"
    if action == "unit.view":
        if actor.role == "inspector" and any(s.inspector != actor.name for s in result.sheets):
            return "an inspector saw another inspector's sheet"
        if actor.role == "unit" and result.sheets and result.entry.status != "awarded":
            return "a clerk saw score sheets before the award"
        if actor.role != "admin" and result.objections:
            return "a non-admin saw objections"
    return None


# ----------------------------------------------------------------------------- the run


@dataclass
class Outcome:
    stage: str
    action: str
    role: str  # nominal role
    effective: str  # inspector_assigned becomes inspector_other where the inspector is not assigned
    actor: str
    target: str
    expected: bool
    kind: str  # ok | denied (permission/stage key) | rule (refused by a business rule)
    keys: list[str] = field(default_factory=list)


@dataclass
class StageRun:
    outcomes: list[Outcome]
    problems: list[str]


def _actor_name(role: str, target: str) -> str:
    return {"admin": "office", "inspector_assigned": "i1", "inspector_other": "i3",
            "clerk_own": CLERK_OF[target], "clerk_other": OTHER_CLERK[target]}[role]


def _log_lines(log: str) -> list[str]:
    return Path(log).read_text(encoding="utf-8").splitlines() if os.path.exists(log) else []


def _run_stage(stage: str, stages: Stages) -> StageRun:
    """Every role and action on the database at ``stage``; what happened and what was wrong."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MODELUNIT_TODAY", TODAY[stage])
        w = stages.world
        pristine = stages.snaps[stage]
        data = json.loads(pristine)
        entries = data["entries"]
        users = {name: from_dict(User, doc) for name, doc in data["users"].items()}
        assigned_to = {name: {e["unit"] for e in entries.values() if name in e["inspectors"]} for name in users}
        outcomes: list[Outcome] = []
        problems: list[str] = []
        n = 0
        for action, fn in ACTIONS.items():
            target = TARGET.get(stage, {}).get(action, "U1")
            entry = entries[f"2024-1|{target}"]
            for role in ROLES:
                n += 1
                name = _actor_name(role, target)
                effective = role
                if role == "inspector_assigned" and name not in entry["inspectors"]:
                    effective = "inspector_other"  # nobody is assigned to the target yet in this stage
                expected = stage in EXPECTED[action].get(effective, ())
                w.restore(pristine)
                # A file is opened afresh for every call (nothing cached can survive); a server database's
                # reads are cached by its generation, which the restore moved on.
                db = w.db if w.on_server else w.reopened()
                ctx = context.Context(db, users[name])
                where = f"[{stage}] {action} by {role} ({name}) on {target}"
                try:
                    with contextlib.redirect_stdout(io.StringIO()):  # the audit listing prints
                        result = fn(Call(ctx, target, w, n))
                except ModelUnitError as err:
                    keys = keys_of(err)
                    kind = "denied" if any(is_permission_key(k) for k in keys) else "rule"
                    if w.raw() != pristine:
                        problems.append(f"{where}: refused ({keys}) but the database changed")
                    if kind == "denied" and err.exit_code != 1:
                        problems.append(f"{where}: permission refusal {keys} exits {err.exit_code}, not 1")
                    before = _log_lines(db.log_path)
                    ctx.refused(err, action)  # what the CLI and the dashboard do with a refusal
                    after = _log_lines(db.log_path)
                    logged = json.loads(after[-1]) if len(after) == len(before) + 1 else {}
                    if logged.get("error") != err.key or logged.get("user") != name or logged.get("command") != action:
                        problems.append(f"{where}: refusal not logged as one line in {db.log_path}")
                    if w.raw() != pristine:
                        problems.append(f"{where}: logging the refusal changed the database")
                except Exception as exc:  # never anything but a clean ModelUnitError
                    problems.append(f"{where}: raised {type(exc).__name__}: {exc}")
                    continue
                else:
                    kind, keys = "ok", []
                    seen = visibility_problem(action, users[name], result, assigned_to.get(name, set()))
                    if seen:
                        problems.append(f"{where}: {seen}")
                outcome = Outcome(stage, action, role, effective, name, target, expected, kind, keys)
                outcomes.append(outcome)
                if not expected and kind == "ok":
                    problems.append(f"{where}: ALLOWED, but DESIGN §1/§3 does not allow it")
                if not expected and kind == "rule" and not set(keys) <= NOTHING_TO_ACT_ON:
                    problems.append(f"{where}: passed the permission check (refused only by {keys}); "
                                    "DESIGN §1/§3 does not allow it")
                if expected and kind == "denied":
                    problems.append(f"{where}: refused {keys}, but DESIGN §1/§3 allows it")
        w.restore(pristine)
    return StageRun(outcomes, problems)


class Matrix:
    """The runs of the stages, each done once on first use: any test may ask for any stage, in any order."""

    def __init__(self, stages: Stages) -> None:
        self.stages = stages
        self.runs: dict[str, StageRun] = {}

    def run(self, stage: str) -> StageRun:
        if stage not in self.runs:
            self.runs[stage] = _run_stage(stage, self.stages)
        return self.runs[stage]


@pytest.fixture(scope="module")
def matrix(stages) -> Matrix:
    return Matrix(stages)


@pytest.mark.parametrize("stage", STAGES)
def test_every_role_and_action_in_stage(stage, matrix, record_property):
    run = matrix.run(stage)
    outcomes, problems = run.outcomes, run.problems
    checked = len(outcomes)
    counts = Counter(o.kind for o in outcomes)
    backend = "postgresql" if matrix.stages.world.on_server else "tinydb"
    record_property("summary", f"[{backend} {stage}] {checked} combinations: allowed {counts['ok']} "
                    f"(+{counts['rule']} that passed the permission check but a business rule refused), "
                    f"refused by permission/stage "
                    f"{counts['denied']}; table allows {sum(o.expected for o in outcomes)}; problems {len(problems)}")
    assert not problems, "\n".join(problems)


def test_summary(matrix, record_property):
    """Totals over the whole matrix; runs whatever stage has not run yet, so it stands alone too."""
    every = [o for stage in STAGES for o in matrix.run(stage).outcomes]
    assert len(every) == len(STAGES) * len(ROLES) * len(ACTIONS)
    wrongly_allowed = [o for o in every if not o.expected and (o.kind == "ok" or (
        o.kind == "rule" and not set(o.keys) <= NOTHING_TO_ACT_ON))]
    backend = "postgresql" if matrix.stages.world.on_server else "tinydb"
    record_property("summary", f"permissions matrix on {backend}: {len(every)} combinations checked "
                    f"({len(ROLES)} roles × {len(ACTIONS)} actions × {len(STAGES)} stages); "
                    f"allowed {sum(o.kind == 'ok' for o in every)}, "
                    f"passed permissions then refused by a rule {sum(o.kind == 'rule' for o in every)}, "
                    f"refused by permission/stage {sum(o.kind == 'denied' for o in every)}; "
                    f"let through although the table denies {len(wrongly_allowed)}")
    assert not wrongly_allowed, [(o.stage, o.action, o.role) for o in wrongly_allowed]


# ----------------------------------------------------------------------------- the command line logs refusals


@pytest.mark.parametrize("stage, user, args, key", [
    ("selfcheck", "clerk2", ("selfcheck", "gap", "U1", "--item", "A1", "--problem", "x"), "perm.not_own_unit"),
    ("inspection", "i3", ("score", "submit", "U1"), "perm.not_assigned"),
    ("publicity", "clerk1", ("campaign", "advance"), "perm.role"),
])
def test_the_command_line_logs_a_refusal_and_changes_nothing(stage, user, args, key, stages, tmp_path):
    shutil.copy(stages.world.dir / "criteria.yaml", tmp_path / "criteria.yaml")
    db_file = tmp_path / "mu.json"
    db_file.write_bytes(stages.snaps[stage])
    log = Database(str(db_file)).log_path
    result = run_cli(*args, db=str(db_file), user=user, password=PASSWORD,
                     env={"MODELUNIT_TODAY": TODAY[stage]}, cwd=tmp_path)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert db_file.read_bytes() == stages.snaps[stage]
    lines = [json.loads(line) for line in _log_lines(log)]
    assert len(lines) == 1, lines
    assert lines[0]["user"] == user and lines[0]["error"] == key
    assert lines[0]["command"] == " ".join(args[:2])
