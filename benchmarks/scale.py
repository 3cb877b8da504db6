"""Build a campaign at district or province scale through the domain layer, for benchmarks.

``python benchmarks/scale.py --units 2000 --db /tmp/province.json`` builds a
campaign in its inspection stage: every unit self-checked, nominated with
evidence, five inspectors assigned, every sheet scored and submitted.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modelunit.domain import assignment, campaigns, context, nomination, records, selfcheck, sheets, units, users  # noqa: E402
from modelunit.storage.database import Database  # noqa: E402

CRITERIA = ROOT / "criteria" / "nine-measures.yaml"
PASSWORD = "bench-pw"
INSPECTORS = [f"insp{k}" for k in range(1, 11)]


def _rows(records):
    return [(i + 2, r) for i, r in enumerate(records)]


def timed(label: str, fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    elapsed = time.perf_counter() - start
    print(f"  {label:<34} {elapsed:8.2f} s", flush=True)
    return result, elapsed


def build(path: str, n_units: int, per_unit: int = 5, seed: int = 7) -> dict[str, float]:
    """Build the database; returns the time each bulk step took."""
    for suffix in ("", ".lock"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    rng = random.Random(seed)
    db = Database(path)
    users.init_database(db, "admin", PASSWORD)
    ctx = context.Context(db, users.sign_in(db, "admin", PASSWORD))
    times: dict[str, float] = {}
    codes = [f"U{i:05d}" for i in range(n_units)]
    kinds = ["township", "street", "department", "other"]
    _, times["unit import"] = timed("unit import", units.import_units, ctx, _rows(
        [{"code": c, "name": f"测试单位{i}号街道办事处", "type": kinds[i % 4]} for i, c in enumerate(codes)]), "u.csv")
    for name in INSPECTORS:
        users.add_user(ctx, name, "inspector", None, PASSWORD)
    c = campaigns.create_campaign(ctx, campaigns.CampaignSpec(year=2030, batch=1, criteria_path=str(CRITERIA),
                                                              quota=max(1, n_units // 10)))
    ctx = context.Context(db, ctx.actor, c.id)
    cs = records.criteria_of(c)
    self_rows = [{"unit": code, "item": it.id, "score": str(it.points)} for code in codes for it in cs.items]
    _, times["self-check import"] = timed(f"self-check import ({len(self_rows)} rows)", selfcheck.import_selfcheck,
                                          ctx, _rows(self_rows), "s.csv")
    timed("self-check submit --all", selfcheck.submit_selfcheck, ctx, [], everyone=True)
    campaigns.advance(ctx)
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "台账.pdf"
        f.write_bytes(b"%PDF-1.4 evidence" * 100)
        reqs = [nomination.MaterialRequest(code, str(f), crit.id) for code in codes for crit in cs.criteria]
        reqs += [nomination.MaterialRequest(code, str(f), document=name) for code in codes for name in cs.documents]
        _, times["material add"] = timed(f"material add ({len(reqs)} files)", nomination.add_materials, ctx, reqs)
    _, times["nominate"] = timed("nominate all", nomination.nominate, ctx, codes)
    pairs = [(code, INSPECTORS[(i + k) % len(INSPECTORS)]) for i, code in enumerate(codes) for k in range(per_unit)]
    _, times["assign"] = timed(f"assign ({len(pairs)} pairs)", assignment.assign, ctx, pairs, "t.csv")
    campaigns.advance(ctx)
    score_rows = []
    for code, name in pairs:
        for it in cs.items:
            value = max(0, min(it.points, it.points - rng.choice([0, 0, 0.5, 1])))
            score_rows.append({"unit": code, "inspector": name, "item": it.id, "score": str(value)})
    _, times["score import"] = timed(f"score import ({len(score_rows)} rows)", sheets.import_scores, ctx,
                                     _rows(score_rows), "scores.csv")
    _, times["score submit"] = timed("score submit --all", sheets.submit_scores, ctx, everyone=True)
    print(f"  database size {os.path.getsize(path) / 1e6:.1f} MB", flush=True)
    return times


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--db", default=os.path.join(tempfile.gettempdir(), "modelunit-bench.json"))
    args = parser.parse_args()
    build(args.db, args.units)
