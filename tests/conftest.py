"""Shared fixtures: a small criteria file and a database with users, built once and copied per test.

Password hashing is slow on purpose (scrypt, n = 2**17: 0.4 s a hash or a check here).  Inside the test
process (:func:`_cheap_password_hashes`) and in every command a test runs (``tests/cheap_hashes``, put on
``PYTHONPATH`` by :func:`pytest_configure`) every hash is made at a low cost, as Django's test settings do
with their fast hasher: a check reads the cost from the stored hash, so a command run by a test against a
test database signs in in a millisecond, through the same code.  What a real command stores is still
checked at full cost, in a process without that folder (``test_init_creates_a_database_once``).
"""

from __future__ import annotations

import datetime
import fcntl
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from modelunit.demo import build_demo
from modelunit.domain import campaigns, context, units, users
from modelunit.domain.models import User, from_dict
from modelunit.i18n import set_lang
from modelunit.storage import passwords
from modelunit.storage.database import Database, open_database_at
from tests import forkserver, pgcluster

PASSWORD = "s3cret-pw"

# The dashboard tests repaint at 20 frames a second instead of Textual's 60: the pilot waits for each
# key to be handled and laid out either way (layout runs when the app is idle, not on the frame timer),
# and fewer frames are fewer full repaints (8% of the dashboard tests' CPU).  Set here, before xdist
# starts its workers, which take it from the environment before they import Textual.
os.environ.setdefault("TEXTUAL_FPS", "20")

# The cost of a hash made by a test or by a command it runs (scrypt's n; the real one is passwords.N = 2**17).
TEST_SCRYPT_N = 2**10
CHEAP_HASHES = str(Path(__file__).parent / "cheap_hashes")

SMALL_CRITERIA = """\
id: small-test
title: 测试标准
version: "1"
total: 20
scoring:
  step: 0.5
  aggregate: mean
  min_inspectors: 2
  pass_line: 12
  criterion_floor: 0.5
  bonus_cap: 1
publicity:
  working_days: 3
evidence:
  required_per_criterion: 1
criteria:
  - id: A
    title: 决策
    items:
      - {id: A1, dimension: measures, text: 程序, points: 6}
      - {id: A2, dimension: effects, text: 效果, points: 4}
  - id: B
    title: 执法
    items:
      - {id: B1, dimension: measures, text: 规范, points: 5}
      - {id: B2, dimension: effects, text: 正确率, points: 5, indicator: {name: 正确率, target: 100, unit: "%"}}
vetoes:
  - {id: V1, text: 重大违法}
bonuses:
  - {id: X1, text: 创新, points: 2}
"""

UNITS = [("U1", "城关镇人民政府", "township"), ("U2", "东风街道办事处", "street"),
         ("U3", "区卫生局", "department"), ("U4", "区教育局", "department")]
INSPECTORS = [("i1", None), ("i2", None), ("i3", "U3")]
CLERKS = [("clerk1", "U1"), ("clerk2", "U2")]


# Hypothesis profiles.  Each property test asks for its examples through examples(n): n is its count in
# CI, where time is budgeted; the everyday profile runs a third of it (Hypothesis keeps the failures it
# finds in .hypothesis/ and replays them first), the thorough one five times as many.  CI is
# Hypothesis' own "ci" profile (picked when CI is set): derandomised, no example database, a failure
# printed as a blob to replay.  Choose with HYPOTHESIS_PROFILE=dev|ci|thorough.
settings.register_profile("dev", max_examples=33)
settings.register_profile("ci", settings.get_profile("ci"), max_examples=100)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


def examples(n: int) -> int:
    """A property test's example count: ``n`` in CI, scaled by the loaded profile elsewhere."""
    return max(10, n * settings().max_examples // 100)


def pytest_configure(config) -> None:
    # Where PYTHONDONTWRITEBYTECODE is set (this workplace sets it), every process the suite starts — its
    # workers, the README's commands, the benchmark scripts — would compile the package and the tests
    # from source again: half of a command's start-up.  Compiled files go to __pycache__ (git ignores it).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False
    # Commands a test runs hash passwords at the test cost too (tests/cheap_hashes/sitecustomize.py).
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (CHEAP_HASHES, os.environ.get("PYTHONPATH")) if p)
    # Test databases live on a RAM disk where there is one: every save fsyncs, and on a disk shared
    # with other jobs the fsyncs alone took a third of the suite.  The code under test is the same;
    # a SIGKILL (the crash tests) loses nothing from the page cache on either.  The other temporary
    # files go there too (TMPDIR, inherited by the workers and every process they start): the PostgreSQL
    # cluster, Chromium's profiles, each command's captured output.  On the disk, creating and deleting
    # those files cost the kernel about 1 ms a command.
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free >= 2**30:
        if not config.option.basetemp and "PYTEST_DEBUG_TEMPROOT" not in os.environ:
            os.environ["PYTEST_DEBUG_TEMPROOT"] = str(shm)
        if "TMPDIR" not in os.environ:
            os.environ["TMPDIR"] = str(shm)
            tempfile.tempdir = None  # gettempdir() looks again
    # One PostgreSQL cluster for the run, started by the controlling process before xdist's workers
    # (they find its socket in the environment): the PostgreSQL tests run against it.
    # A run that only collects (the README's test selections, tests/test_readme_tools.py) starts none.
    if not hasattr(config, "workerinput") and pgcluster.ENV not in os.environ and not config.option.collectonly:
        config._mu_pg = pgcluster.Cluster()
        os.environ[pgcluster.ENV] = config._mu_pg.folder


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto``: two workers a core.  A dashboard test spends about half its time waiting (for a
    timer, a worker thread, the next frame), a crash test waits for its writer; a second worker on each
    core runs while the first waits (the suite took 130 s on two workers here, 108 s on four)."""
    return 2 * (os.cpu_count() or 1)


# Files that take longest, longest first (the dashboard's pilot tests, the README run end to end, the
# browser, the crash tests): handed out first, so that a long file does not start last and leave the
# other workers idle at the end.  (xdist's own order, by number of tests, is turned off in pyproject.toml:
# the files with most tests are quick ones.)
LONG_FILES = ("test_tui_forms", "test_tui_actions", "test_tui", "test_readme_tools", "test_pg", "test_serve_browser",
              "test_readme", "test_tui_screens", "test_people", "test_serve", "test_crashes", "test_permissions_matrix",
              "test_tui_titles", "test_tui_progress", "test_tally_properties", "test_cli", "test_tui_delivery",
              "test_snapshots", "test_steps", "test_criteria", "test_materials", "test_trust_passwords",
              "test_trust_drill", "test_fuzz_imports", "test_workflow", "test_audit_view", "test_uploads",
              "test_storage", "test_titles", "test_trust_clock", "test_trust_audit")


def pytest_collection_modifyitems(items) -> None:
    def rank(item) -> int:
        name = item.path.stem
        return LONG_FILES.index(name) if name in LONG_FILES else len(LONG_FILES)
    items.sort(key=rank)  # stable: the order within a file is kept


def pytest_collection_finish(session) -> None:
    """The collector's garbage thresholds for a test process.  A dashboard test makes hundreds of
    thousands of short-lived objects (Textual's styles, segments, messages) on top of a heap of imported
    modules and fixtures; with Python's default thresholds the full collections that walk that heap took
    a third of the dashboard tests' CPU (46 s of user time for two of their files, 33 s after).  What is
    imported by now is frozen out of the walk; collections run a hundred times less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After each test and its fixtures: collect its garbage, and freeze what is left.  With the
    thresholds above a full collection almost never runs, so the cycles of every dashboard a worker ran
    piled up to the end of the run: over three dashboard files 1.5 million objects, 370 MB, and one
    collection of 2.3-2.7 s at the end, in the last worker while the others waited.  Collected test by
    test (each collection walks only what that test left), those files took 41 s of CPU instead of
    42-44 s, in 144 MB.  An exception raised in a ``__del__`` is reported at the next test; the collections
    pytest itself makes at the end of the run find nothing left to walk."""
    try:
        return (yield)
    finally:
        gc.collect()
        gc.freeze()


def pytest_unconfigure(config) -> None:
    forkserver.stop()
    cluster = getattr(config, "_mu_pg", None)
    if cluster is not None:
        cluster.stop()


def pytest_terminal_summary(terminalreporter) -> None:
    """The figures some tests measure (``record_property("summary", line)``: the permissions matrix,
    the crash and concurrency tests), printed at the end of the run, from xdist's workers too."""
    reports = [r for kind in ("passed", "failed") for r in terminalreporter.stats.get(kind, [])]
    lines = [str(value) for r in reports for name, value in r.user_properties if name == "summary"]
    if lines:
        terminalreporter.write_sep("-", "measured")
        for line in lines:
            terminalreporter.write_line(line)




@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(passwords, "N", TEST_SCRYPT_N)
        yield


@pytest.fixture(autouse=True)
def _zh_and_clean_env(monkeypatch):
    for var in ("MODELUNIT_DB", "MODELUNIT_USER", "MODELUNIT_CAMPAIGN", "MODELUNIT_LANG", "MODELUNIT_TODAY",
                "MODELUNIT_PASSWORD", "MODELUNIT_NEW_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    set_lang("zh")
    yield
    set_lang("zh")


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    db = Database(str(folder / "mu.json"))
    users.init_database(db, "office", PASSWORD, drill=True)  # a drill: the tests set MODELUNIT_TODAY
    admin = context.Context(db, users.sign_in(db, "office", PASSWORD))
    units.import_units(admin, [(i + 2, {"code": c, "name": n, "type": t}) for i, (c, n, t) in enumerate(UNITS)],
                       "units.csv")
    for name, home in INSPECTORS:
        users.add_user(admin, name, "inspector", home, PASSWORD)
    for name, unit in CLERKS:
        users.add_user(admin, name, "unit", unit, PASSWORD)
    (folder / "criteria.yaml").write_text(SMALL_CRITERIA, encoding="utf-8")
    return folder


@dataclass
class World:
    """A copy of the template database, with helpers to act as any of its users."""

    dir: Path
    db: Database
    criteria: Path
    restored: tuple[bytes, object] | None = None  # what restore() last put back, and the stamp it left

    def ctx(self, name: str = "office", campaign: str | None = None) -> context.Context:
        user = from_dict(User, self.db.snapshot().users.get(name))
        return context.Context(self.db, user, campaign)

    @property
    def on_server(self) -> bool:
        return self.db.locator != self.db.path

    def raw(self) -> bytes:
        """The whole stored database (the file's bytes; a server database's documents, in order)."""
        if self.on_server:
            return self.db.consistent_bytes()
        return Path(self.db.path).read_bytes()

    def overwrite(self, data: dict) -> None:
        """Store ``data`` (table → key → document) as the whole database behind the program's back: what
        someone with write access to the file, or to the server's tables, could do."""
        if not self.on_server:
            Path(self.db.path).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            return
        import psycopg

        with psycopg.connect(self.db.locator) as conn:
            conn.execute("DELETE FROM modelunit_documents")
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO modelunit_documents (tbl, key, doc) VALUES (%s, %s, %s)",
                                [(t, k, json.dumps(d, ensure_ascii=False)) for t, docs in data.items()
                                 for k, d in docs.items()])
            conn.execute("UPDATE modelunit_state SET generation = generation + 1")

    def restore(self, raw: bytes) -> None:
        """Put back what :meth:`raw` returned; nothing to do when no write has committed since the last
        restore of the same ``raw`` (every commit moves the database's stamp on)."""
        if self.restored is not None and self.restored[0] is raw and self.restored[1] == self.db.stamp():
            return
        if self.on_server:
            self.overwrite(json.loads(raw))
        else:
            tmp = Path(self.db.path).with_suffix(".restore")
            tmp.write_bytes(raw)
            os.replace(tmp, self.db.path)  # a new inode: no cached read of the previous state can survive
        self.restored = (raw, self.db.stamp())

    def reopened(self) -> Database:
        """The database opened afresh, as another process would (nothing cached)."""
        return open_database_at(self.db.locator)

    def entry(self, code: str, campaign: str = "2024-1") -> dict:
        return self.db.snapshot().entries.get(f"{campaign}|{code}")

    def cli(self, *args: str, user: str | None = "office", password: str | None = PASSWORD,
            env: dict | None = None) -> subprocess.CompletedProcess:
        if self.on_server:  # a server database: its files in the test's folder
            env = {"MODELUNIT_FILES": os.path.dirname(self.db.path), **(env or {})}
        return run_cli(*args, db=self.db.locator, user=user, password=password, env=env, cwd=self.dir)


def cli_env(db: str | None = None, user: str | None = None, password: str | None = None,
            env: dict | None = None) -> dict[str, str]:
    """The environment of a command run by a test: none of the caller's MODELUNIT_ settings leak in."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MODELUNIT_")}
    if db:
        full_env["MODELUNIT_DB"] = db
    if user:
        full_env["MODELUNIT_USER"] = user
    if password is not None:
        full_env["MODELUNIT_PASSWORD"] = password
    full_env.update(env or {})
    return full_env


def run_cli(*args: str, db: str | None = None, user: str | None = None, password: str | None = None,
            env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    """``modelunit ARGS`` in a process of its own (forked from the suite's fork server where it can)."""
    return forkserver.run(list(args), cli_env(db, user, password, env), cwd=cwd, timeout=120)


def copy_world(source: Path, folder: Path) -> World:
    """A private copy of a prepared world (its database, criteria file, evidence and other files)."""
    shutil.copytree(source, folder, dirs_exist_ok=True)
    return World(dir=folder, db=Database(str(folder / "mu.json")), criteria=folder / "criteria.yaml")


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory):
    """``template(today)``: the demo database (as ``modelunit demo`` builds it, as of ``today`` or the
    real date), built once per run for each date — by whichever of xdist's workers asks first, the others
    waiting on a lock and reading it — and copied by each test with :func:`copy_demo`."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base

    def template(today: str | None = None) -> Path:
        folder = shared / f"demo-{today or 'today-' + datetime.date.today().isoformat()}"
        with open(shared / "demo.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (folder / "built").exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                with pytest.MonkeyPatch.context() as mp:
                    if today:
                        mp.setenv("MODELUNIT_TODAY", today)
                    build_demo(Database(str(folder / "demo.json")))
                (folder / "built").touch()
        return folder

    return template


def copy_demo(template: Path, folder: Path) -> Database:
    shutil.copytree(template, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("built"))
    return Database(str(folder / "demo.json"))


def pg_world(template_dir: Path, folder: Path, monkeypatch) -> World:
    """The template world on the run's PostgreSQL cluster (a schema of its own), its files in ``folder``."""
    from modelunit.storage.copy import copy_database
    from modelunit.storage.pg import PgDatabase

    shutil.copy(template_dir / "criteria.yaml", folder / "criteria.yaml")
    monkeypatch.setenv("MODELUNIT_FILES", str(folder / "files"))
    db = PgDatabase(pgcluster.new_database(os.environ[pgcluster.ENV]))
    copy_database(Database(str(template_dir / "mu.json")), db)
    return World(dir=folder, db=db, criteria=folder / "criteria.yaml")


@pytest.fixture(params=["tinydb", "postgresql"])
def any_world(request, template_dir, tmp_path, monkeypatch) -> World:
    """The template world on each backend in turn (the tests that must hold on both)."""
    if request.param == "postgresql":
        return pg_world(template_dir, tmp_path, monkeypatch)
    return request.getfixturevalue("world")


@pytest.fixture
def world(template_dir, tmp_path) -> World:
    shutil.copy(template_dir / "mu.json", tmp_path / "mu.json")
    shutil.copy(template_dir / "criteria.yaml", tmp_path / "criteria.yaml")
    return World(dir=tmp_path, db=Database(str(tmp_path / "mu.json")), criteria=tmp_path / "criteria.yaml")


def create_campaign(world: World, **kw) -> str:
    spec = campaigns.CampaignSpec(year=2024, batch=1, criteria_path=str(world.criteria), **kw)
    return campaigns.create_campaign(world.ctx(), spec).id


def rows(*records: dict) -> list[tuple[int, dict]]:
    return [(i + 2, {k: str(v) for k, v in r.items()}) for i, r in enumerate(records)]


@pytest.fixture
def demo_db(demo_templates, tmp_path) -> Database:
    """A private copy of the demo database (the dashboard tests start from it)."""
    return copy_demo(demo_templates(), tmp_path / "demo")
