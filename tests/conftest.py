"""Shared fixtures: a small criteria file and a database with users, built once and copied per test.

Password hashing is slow on purpose (scrypt, n = 2**17), so the users are
created once per test session and the database file is copied for each test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from modelunit.domain import campaigns, context, units, users
from modelunit.domain.models import User, from_dict
from modelunit.i18n import set_lang
from modelunit.storage.database import Database

PASSWORD = "s3cret-pw"

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

    def ctx(self, name: str = "office", campaign: str | None = None) -> context.Context:
        user = from_dict(User, self.db.snapshot().users.get(name))
        return context.Context(self.db, user, campaign)

    def raw(self) -> bytes:
        return Path(self.db.path).read_bytes()

    def entry(self, code: str, campaign: str = "2024-1") -> dict:
        return self.db.snapshot().entries.get(f"{campaign}|{code}")

    def cli(self, *args: str, user: str | None = "office", password: str | None = PASSWORD,
            env: dict | None = None) -> subprocess.CompletedProcess:
        return run_cli(*args, db=self.db.path, user=user, password=password, env=env, cwd=self.dir)


def run_cli(*args: str, db: str | None = None, user: str | None = None, password: str | None = None,
            env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MODELUNIT_")}
    if db:
        full_env["MODELUNIT_DB"] = db
    if user:
        full_env["MODELUNIT_USER"] = user
    if password is not None:
        full_env["MODELUNIT_PASSWORD"] = password
    full_env.update(env or {})
    cmd = [sys.executable, "-c", "import sys; from modelunit.cli.main import main; sys.exit(main())", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=full_env, cwd=cwd, stdin=subprocess.DEVNULL,
                          timeout=120)


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
