"""Steps that bring the small test campaign to a given stage through the domain layer."""

from __future__ import annotations

from modelunit.domain import assignment, campaigns, nomination, selfcheck, sheets
from tests.conftest import create_campaign, rows

ITEMS = {"A1": 6, "A2": 4, "B1": 5, "B2": 5}
FULL = dict(ITEMS)


def self_score(world, code: str, actor: str = "office", scale: float = 1.0) -> None:
    selfcheck.import_selfcheck(world.ctx(actor), rows(*({"unit": code, "item": i, "score": p * scale}
                                                         for i, p in ITEMS.items())), "self.csv")


def evidence(world, code: str, actor: str = "office") -> None:
    reqs = []
    for crit in ("A", "B"):
        f = world.dir / f"{code}-{crit}.txt"
        f.write_text(f"{code} {crit} 台账", encoding="utf-8")
        reqs.append(nomination.MaterialRequest(code, str(f), crit))
    nomination.add_materials(world.ctx(actor), reqs)


def to_nomination(world, codes=("U1", "U2", "U4"), **kw) -> str:
    cid = create_campaign(world, **kw)
    for code in codes:
        self_score(world, code)
    selfcheck.submit_selfcheck(world.ctx(), list(codes))
    campaigns.advance(world.ctx(), reason="提前结束")  # a due date may lie ahead: say why it closes
    for code in codes:
        evidence(world, code)
    return cid


def to_inspection(world, codes=("U1", "U2", "U4"), team=("i1", "i2"), **kw) -> str:
    cid = to_nomination(world, codes, **kw)
    nomination.nominate(world.ctx(), list(codes))
    for code in codes:
        assignment.assign(world.ctx(), [(code, n) for n in team])
    campaigns.advance(world.ctx(), reason="提前结束")  # a due date may lie ahead: say why it closes
    return cid


def score(world, code: str, inspector: str, values: dict, actor: str | None = None, reason: str = "") -> None:
    sheets.import_scores(world.ctx(actor or inspector),
                             rows(*({"unit": code, "inspector": inspector, "item": k, "score": v}
                                    for k, v in values.items())), "scores.csv", reason=reason)
