"""Reliability tests: the quick/full switch, a seeded random source, a kill tally, a large database.

By default the reliability tests run in a quick mode that fits in CI.  Set
``MODELUNIT_RELIABILITY=full`` for the full run (hundreds of SIGKILLs; a few
minutes).  ``MODELUNIT_RELIABILITY_SEED=N`` replays a run: the seed is printed
with every summary line.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from modelunit.domain import assignment, campaigns, context, nomination, records, selfcheck, sheets, units
from modelunit.domain.models import User, from_dict
from modelunit.storage.database import Database
from tests.conftest import PASSWORD, World

ROOT = Path(__file__).resolve().parents[2]
NINE_MEASURES = ROOT / "criteria" / "nine-measures.yaml"

FULL = os.environ.get("MODELUNIT_RELIABILITY", "").strip().lower() == "full"
SEED = int(os.environ.get("MODELUNIT_RELIABILITY_SEED") or secrets.randbits(32))

# The large database: bulk units beside the template's U1..U4, in two campaigns.
BIG_CAMPAIGN = "2024-1"  # nine-measures, inspection stage, every sheet of i1/i2/i3 scored (not submitted)
SELF_CAMPAIGN = "2025-1"  # nine-measures, self-check stage, nothing entered yet


def scale(quick, full):
    """``quick`` in the default mode, ``full`` when ``MODELUNIT_RELIABILITY=full``."""
    return full if FULL else quick


BULK_UNITS = scale(60, 200)  # quick mode: a save still takes tens of ms (about 1.3 MB), at a third of the cost


@pytest.fixture(scope="session")
def full_mode() -> bool:
    return FULL


@pytest.fixture
def rng(request) -> random.Random:
    """A random source seeded from the run's seed and the test's name (printed in summaries)."""
    return random.Random(f"{SEED}:{request.node.name}")


class KillTally:
    """Kills per kind of write and where they landed, across the session."""

    def __init__(self) -> None:
        self.kills: Counter[str] = Counter()
        self.landed: dict[str, Counter[str]] = defaultdict(Counter)
        self.tests: set[str] = set()

    def add(self, kind: str, where: str, temp_left: bool = False) -> None:
        """``where``: "mid-save" (inside a save, before the replace), "saved-not-acked" (after the
        replace, before the acknowledgement) or "outside-save"; ``temp_left``: a temp file remained."""
        self.kills[kind] += 1
        self.landed[kind][where] += 1
        self.landed[kind]["temp-left"] += temp_left

    @property
    def total(self) -> int:
        return sum(self.kills.values())

    def line(self) -> str:
        parts = []
        for kind in sorted(self.kills):
            where = self.landed[kind]
            parts.append(f"{kind}={self.kills[kind]} (mid-save {where['mid-save']} [temp left {where['temp-left']}], "
                         f"saved-not-acked {where['saved-not-acked']}, outside a save {where['outside-save']})")
        total = Counter()
        for where in self.landed.values():
            total.update(where)
        return (f"[reliability {'full' if FULL else 'quick'} seed={SEED}] {self.total} SIGKILLs: "
                + "; ".join(parts) + f" | in total {total['mid-save']} mid-save ({total['temp-left']} left a temp "
                f"file), {total['saved-not-acked']} saved-not-acked")


@pytest.fixture(scope="session")
def kill_tally():
    tally = KillTally()
    yield tally
    if tally.total:
        print("\n" + tally.line())


def _rows(records):
    return [(i + 2, {k: str(v) for k, v in r.items()}) for i, r in enumerate(records)]


@pytest.fixture(scope="session")
def big_template(template_dir, tmp_path_factory) -> Path:
    """The shared test database grown to a few MB, benchmarks/scale.py style, so that each
    save takes tens of milliseconds and a random SIGKILL often lands inside one."""
    folder = tmp_path_factory.mktemp("big")
    shutil.copy(template_dir / "mu.json", folder / "mu.json")
    shutil.copy(template_dir / "criteria.yaml", folder / "criteria.yaml")
    db = Database(str(folder / "mu.json"))
    office = from_dict(User, db.snapshot().users.get("office"))
    ctx = context.Context(db, office)
    codes = [f"B{i:04d}" for i in range(BULK_UNITS)]
    units.import_units(ctx, _rows({"code": c, "name": f"测试单位{i}号街道办事处", "type": "street"}
                                  for i, c in enumerate(codes)), "bulk-units.csv")
    everyone = sorted(db.snapshot().units.keys())
    c = campaigns.create_campaign(ctx, campaigns.CampaignSpec(year=2024, batch=1, criteria_path=str(NINE_MEASURES),
                                                              quota=5))
    cx = context.Context(db, office, c.id)
    cs = records.criteria_of(c)
    selfcheck.import_selfcheck(cx, _rows({"unit": u, "item": it.id, "score": it.points}
                                         for u in everyone for it in cs.items), "self.csv")
    selfcheck.submit_selfcheck(cx, [], everyone=True)
    campaigns.advance(cx)
    evidence_file = folder / "台账.pdf"
    evidence_file.write_bytes(b"%PDF-1.4 evidence " * 64)
    nomination.add_materials(cx, [nomination.MaterialRequest(u, str(evidence_file), crit.id)
                                  for u in everyone for crit in cs.criteria]
                             + [nomination.MaterialRequest(u, str(evidence_file), document=name)
                                for u in everyone for name in cs.documents])
    nomination.nominate(cx, everyone)
    pairs = [(u, name) for u in everyone for name in ("i1", "i2", "i3") if not (name == "i3" and u == "U3")]
    assignment.assign(cx, pairs, "teams.csv")
    campaigns.advance(cx)
    sheets.import_scores(cx, _rows({"unit": u, "inspector": name, "item": it.id, "score": it.points}
                                       for u, name in pairs for it in cs.items), "scores.csv")
    campaigns.create_campaign(ctx, campaigns.CampaignSpec(year=2025, batch=1, criteria_path=str(NINE_MEASURES)))
    return folder


@pytest.fixture
def big_world(big_template, tmp_path) -> World:
    """A private copy of the large database (campaigns 2024-1 in inspection, 2025-1 in self-check)."""
    for name in ("mu.json", "criteria.yaml"):
        shutil.copy(big_template / name, tmp_path / name)
    if (big_template / "mu.evidence").is_dir():
        shutil.copytree(big_template / "mu.evidence", tmp_path / "mu.evidence")
    return World(dir=tmp_path, db=Database(str(tmp_path / "mu.json")), criteria=tmp_path / "criteria.yaml")


__all__ = ["FULL", "SEED", "scale", "PASSWORD", "BIG_CAMPAIGN", "SELF_CAMPAIGN", "BULK_UNITS"]
