"""A living demo campaign, built through the same domain actions the office uses.

Two batches, as in the district report (seed 003): last year's first batch,
already named (区计生委 and 某某街道办事处), and this year's second batch in
its publicity period, with units at every status and one open objection.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

from modelunit.domain import (
    assignment,
    audit,
    campaigns,
    context,
    nomination,
    publicity,
    recheck,
    records,
    selfcheck,
    sheets,
    titles,
    units,
    users,
    vetoes,
)
from modelunit.domain.calendar import add_working_days, today
from modelunit.domain.criteria import CriteriaSet
from modelunit.numbers import plain
from modelunit.storage.database import Database, PrivateDatabase

DEMO_ADMIN = "admin"
DEMO_PASSWORD = "demo1234"
# The default criteria: the project's criteria/ folder; in an installed wheel, the copy packaged
# as modelunit/data/nine-measures.yaml (a link to the same file in the source tree).
CRITERIA_FILE = Path(__file__).resolve().parent / "data" / "nine-measures.yaml"

UNITS = [  # code, name, type
    ("D01", "区人口和计划生育委员会", "department"),
    ("S01", "某某街道办事处", "street"),
    ("D02", "区卫生局", "department"),
    ("S02", "某某路街道办事处", "street"),
    ("D03", "区公安分局", "department"),
    ("D04", "区城市管理行政执法局", "department"),
    ("D05", "区市场监督管理局", "department"),
    ("D06", "区人力资源和社会保障局", "department"),
    ("D07", "区教育局", "department"),
    ("T01", "城关镇人民政府", "township"),
    ("T02", "河口乡人民政府", "township"),
    ("T03", "新华镇人民政府", "township"),
    ("S03", "东风街道办事处", "street"),
    ("S04", "人民路街道办事处", "street"),
    ("O01", "区公共资源交易中心", "other"),
]
INSPECTORS = [("insp.zhang", None), ("insp.li", None), ("insp.wang", None), ("insp.zhao", "D04"),
              ("insp.liu", None)]
CLERKS = [("clerk.d02", "D02"), ("clerk.t01", "T01")]

# Batch 2: how good each unit is (share of the points it earns) and how far it gets.
BATCH2 = {
    "D02": (Fraction(96, 100), "publicity"),
    "S02": (Fraction(95, 100), "publicity"),
    "D03": (Fraction(94, 100), "objection"),
    "D04": (Fraction(95, 100), "withdrawn"),
    "D05": (Fraction(82, 100), "below"),
    "D06": (Fraction(95, 100), "vetoed"),
    "T01": (Fraction(92, 100), "incomplete"),
    "T02": (Fraction(88, 100), "selfcheck_only"),
}


@dataclass
class DemoInfo:
    path: str
    inspectors: list[str] = field(default_factory=list)
    clerks: list[str] = field(default_factory=list)


@contextlib.contextmanager
def _on(day: date):
    """Act as if today were ``day`` (the documented MODELUNIT_TODAY override)."""
    old = os.environ.get("MODELUNIT_TODAY")
    os.environ["MODELUNIT_TODAY"] = day.isoformat()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("MODELUNIT_TODAY", None)
        else:
            os.environ["MODELUNIT_TODAY"] = old


def _rows(records: list[dict]) -> list[tuple[int, dict]]:
    return [(i + 2, {k: str(v) for k, v in r.items()}) for i, r in enumerate(records)]


def _score(rng: random.Random, points: Fraction, level: Fraction, step: Fraction) -> Fraction:
    raw = points * level + Fraction(rng.choice([-1, 0, 0, 1]), 2)
    value = max(Fraction(0), min(points, raw))
    return round(value / step) * step


def is_demo(db: Database) -> bool:
    return db.snapshot().meta.get("demo") is not None


def build_demo(db: Database, reset: bool = False) -> DemoInfo:
    """Build the demo at ``db`` in one step: it is built beside it under a temporary name and
    renamed into place at the end, so an interrupted build (ctrl+c, a closed terminal) never
    leaves a half-built demo for the next ``modelunit demo`` to open."""
    final = db
    work = PrivateDatabase(os.path.join(os.path.dirname(final.path),
                                        f".{os.path.basename(os.path.splitext(final.path)[0])}.building-{os.getpid()}.json"))
    _remove(work)
    try:
        info = _build(work, final.path)
        work.write()
        if reset:
            _remove(final)
        if os.path.isdir(work.evidence_dir):
            os.replace(work.evidence_dir, final.evidence_dir)
        os.replace(work.path, final.path)
    finally:
        _remove(work)
    info.path = final.path
    return info


def _remove(db: Database) -> None:
    """Delete a demo database and everything beside it (lock, log, sign-in file, evidence)."""
    for path in (db.path, db.lock_path, db.log_path, os.path.splitext(db.path)[0] + ".signin"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    shutil.rmtree(db.evidence_dir, ignore_errors=True)


def _build(db: Database, shown_path: str) -> DemoInfo:
    real_today = today()
    # The demo is a drill whose clock runs forward from the first batch's year to today.
    with _on(date(real_today.year - 1, 1, 1)):
        users.init_database(db, DEMO_ADMIN, DEMO_PASSWORD, drill=True)
        with db.transaction() as tx:  # marks the file so that `demo --reset` never deletes a real database
            tx.meta.put("demo", {"built_on": real_today.isoformat()})
            audit.record(tx, DEMO_ADMIN, "demo.build", None, shown_path)
        admin = users.sign_in(db, DEMO_ADMIN, DEMO_PASSWORD)
        ctx = context.Context(db, admin)
        info = DemoInfo(path=db.path)
        units_rows = _rows([{"code": c, "name": n, "type": t_} for c, n, t_ in UNITS])
        units.import_units(ctx, units_rows, "units.csv")
        for name, home in INSPECTORS:
            users.add_user(ctx, name, "inspector", home, DEMO_PASSWORD)
            info.inspectors.append(name)
        for name, unit in CLERKS:
            users.add_user(ctx, name, "unit", unit, DEMO_PASSWORD)
            info.clerks.append(name)
    with tempfile.TemporaryDirectory() as tmp:
        _batch1(ctx, real_today, Path(tmp))
        _recheck(ctx, real_today)
        _batch2(ctx, real_today, Path(tmp))
    return info


def _evidence(ctx, cs: CriteriaSet, code: str, folder: Path) -> None:
    requests = []
    for c in cs.criteria:
        titles = [t for it in c.items for t in it.evidence] or [c.title]
        path = folder / f"{code}-{c.id}.txt"
        path.write_text(f"{code} {c.title}\n台账：{titles[0]}\n", encoding="utf-8")
        requests.append(nomination.MaterialRequest(code, str(path), c.id, titles[0]))
    for i, name in enumerate(cs.documents, start=1):
        path = folder / f"{code}-doc{i}.txt"
        path.write_text(f"{code} {name}\n", encoding="utf-8")
        requests.append(nomination.MaterialRequest(code, str(path), document=name))
    nomination.add_materials(ctx, requests)


def _selfcheck(ctx, cs: CriteriaSet, code: str, level: Fraction, rng: random.Random) -> None:
    rows = [{"unit": code, "item": it.id,
             "score": plain(_score(rng, it.points, min(Fraction(1), level + Fraction(3, 100)), cs.scoring.step))}
            for it in cs.items]
    # What a unit writes beside its self-scores: the indicator it reports, and a word on the first item.
    for row, it in zip(rows, cs.items):
        if it.indicator:
            row["indicator"] = plain(it.indicator.target)
            row["note"] = "数据见年度统计台账"
    rows[0]["note"] = "重大行政决策目录已公布，决策事项均经合法性审查"
    selfcheck.import_selfcheck(ctx, _rows(rows), "selfcheck.csv")


def _scores(ctx, cs: CriteriaSet, code: str, inspectors: list[str], level: Fraction, rng: random.Random) -> None:
    rows = []
    for name in inspectors:
        for it in cs.items:
            rows.append({"unit": code, "inspector": name, "item": it.id,
                         "score": plain(_score(rng, it.points, level, cs.scoring.step))})
        if level > Fraction(93, 100):
            rows.append({"unit": code, "inspector": name, "item": cs.bonuses[0].id, "score": "1"})
    # The first inspector says why they took points off the lowest-scored item.
    lowest = min(zip(rows, cs.items), key=lambda pair: Fraction(pair[0]["score"]) / pair[1].points)
    if Fraction(lowest[0]["score"]) < lowest[1].points:
        lowest[0]["note"] = "部分台账资料不完整，酌情扣分"
    sheets.import_scores(ctx, _rows(rows), "scores.csv")


# Where the public may object to a unit on the 公示 notice.
CONTACTS = {"contact_phone": "0000-12345678", "contact_address": "某某区人民路1号区政府法制办公室（邮编000000）",
            "contact_email": "fzb@example.gov.cn"}


def _batch1(ctx, real_today: date, folder: Path) -> None:
    year = real_today.year - 1
    start = date(year, 3, 1)
    rng = random.Random(2012)
    with _on(start):
        c = campaigns.create_campaign(ctx, campaigns.CampaignSpec(
            year=year, batch=1, criteria_path=str(CRITERIA_FILE), quota=2,
            selfcheck_due=date(year, 4, 30).isoformat(), nomination_due=date(year, 6, 15).isoformat(),
            issuer="某某区人民政府法制办公室", approval_ref=f"区法制办〔{year}〕12号", **CONTACTS))
    ctx = context.Context(ctx.db, ctx.actor, c.id)
    cs = records.criteria_of(c)
    chosen = {"D01": Fraction(95, 100), "S01": Fraction(94, 100), "T03": Fraction(85, 100)}
    with _on(date(year, 4, 20)):
        for code, level in chosen.items():
            _selfcheck(ctx, cs, code, level, rng)
        selfcheck.submit_selfcheck(ctx, list(chosen))
    with _on(date(year, 5, 10)):
        campaigns.advance(ctx)
        for code in chosen:
            _evidence(ctx, cs, code, folder)
        nomination.nominate(ctx, list(chosen))
    team = ["insp.zhang", "insp.li", "insp.wang"]
    with _on(date(year, 6, 20)):
        for code in chosen:
            assignment.assign(ctx, [(code, n) for n in team])
        campaigns.advance(ctx)
    with _on(date(year, 7, 5)):
        for code, level in chosen.items():
            _scores(ctx, cs, code, team, level, rng)
        sheets.submit_scores(ctx, everyone=True)
        campaigns.advance(ctx)
    pub_start = date(year, 7, 10)
    with _on(pub_start):
        publicity.start_publicity(ctx)
    with _on(add_working_days(pub_start, cs.publicity_days, set()) + timedelta(days=3)):
        campaigns.advance(ctx)
        publicity.award(ctx, decided_by="某某区人民政府", decision_ref=f"区政府〔{year}〕45号")


def _recheck_seed(codes: list[str], wanted: list[str]) -> int:
    """The first seed whose draw is ``wanted``: the demo's sample is fixed, and anyone can re-draw it."""
    return next(seed for seed in range(2000, 10000) if recheck.draw(codes, Fraction(50), seed) == wanted)


def _recheck(ctx, real_today: date) -> None:
    """This year's re-check of last year's titles: S01 drawn, inspected and rectifying (a few days
    left); D01 passes on its self-check, and its title is then revoked for a major illegal case."""
    start = real_today - timedelta(days=115)  # ends before batch 2 begins (the drill clock runs forward)
    rng = random.Random(2014)
    with _on(start):
        c = campaigns.create_campaign(ctx, campaigns.CampaignSpec(
            year=start.year, batch=1, criteria_path=str(CRITERIA_FILE), kind="recheck", sample="50",
            seed=_recheck_seed(["D01", "S01"], ["S01"]), selfcheck_due=(start + timedelta(days=14)).isoformat(),
            issuer="某某区人民政府法制办公室", approval_ref=f"区法制办〔{start.year}〕3号"))
    ctx = context.Context(ctx.db, ctx.actor, c.id)
    cs = records.criteria_of(c)
    with _on(start + timedelta(days=10)):
        _selfcheck(ctx, cs, "D01", Fraction(95, 100), rng)
        _selfcheck(ctx, cs, "S01", Fraction(93, 100), rng)
        selfcheck.submit_selfcheck(ctx, ["D01", "S01"])
    team = ["insp.zhang", "insp.li", "insp.wang"]
    with _on(start + timedelta(days=15)):
        campaigns.advance(ctx)  # 抽查: the draw
        assignment.assign(ctx, [("S01", n) for n in team])
    with _on(start + timedelta(days=25)):
        _scores(ctx, cs, "S01", team, Fraction(86, 100), rng)
        sheets.submit_scores(ctx, everyone=True)
    with _on(start + timedelta(days=30)):
        campaigns.advance(ctx)  # 复查结论: S01 below the pass line → 限期整改
    with _on(start + timedelta(days=35)):
        titles.revoke(ctx, "D01", "因违法强制拆除引发群体性事件，主要负责人被依法问责",
                      f"区政府〔{start.year}〕18号")


def _batch2(ctx, real_today: date, folder: Path) -> None:
    year = real_today.year
    begin = real_today - timedelta(days=75)
    rng = random.Random(2013)
    with _on(begin):
        c = campaigns.create_campaign(ctx, campaigns.CampaignSpec(
            year=year, batch=2, criteria_path=str(CRITERIA_FILE), quota=5,
            selfcheck_due=(begin + timedelta(days=20)).isoformat(),
            nomination_due=(begin + timedelta(days=40)).isoformat(),
            issuer="某某区人民政府法制办公室", approval_ref=f"区法制办〔{year}〕8号", **CONTACTS))
    ctx = context.Context(ctx.db, ctx.actor, c.id)
    cs = records.criteria_of(c)
    with _on(begin + timedelta(days=15)):
        for code, (level, _) in BATCH2.items():
            _selfcheck(ctx, cs, code, level, rng)
        selfcheck.add_gap(ctx, "T01", cs.items[0].id, "重大决策目录未按年度更新", "年底前完成目录修订并公布",
                          (begin + timedelta(days=60)).isoformat())
        selfcheck.add_gap(ctx, "D05", cs.items[3].id, "部分执法人员未参加年度培训", "组织专题培训和考试",
                          (begin + timedelta(days=45)).isoformat())
        selfcheck.submit_selfcheck(ctx, list(BATCH2))
        _selfcheck(ctx, cs, "S03", Fraction(80, 100), rng)  # started, never submitted
    nominated = [code for code, (_, fate) in BATCH2.items() if fate != "selfcheck_only"]
    with _on(begin + timedelta(days=25)):
        campaigns.advance(ctx)
        for code in nominated:
            _evidence(ctx, cs, code, folder)
        nomination.nominate(ctx, [c_ for c_ in nominated if c_ != "D03"])
        nomination.nominate(ctx, ["D03"], recommended_by="区政府办公室")
        # 初审: S02's minutes do not show the leadership deciding to take part; it sends them again.
        nomination.return_nomination(ctx, "S02", "会议纪要未体现领导班子研究创建工作，请补充正式纪要",
                                     (begin + timedelta(days=32)).isoformat())
    with _on(begin + timedelta(days=28)):
        minutes = folder / "S02-minutes-2.txt"
        minutes.write_text("S02 领导班子会议纪要（补正）\n", encoding="utf-8")
        nomination.add_materials(ctx, [nomination.MaterialRequest("S02", str(minutes), document=cs.documents[-1],
                                                                  title="领导班子会议纪要（补正）")])
        nomination.nominate(ctx, ["S02"])
    teams = {code: ["insp.zhang", "insp.li", "insp.wang"] if i % 2 else ["insp.zhao", "insp.liu", "insp.li"]
             for i, code in enumerate(nominated)}
    teams["D04"] = ["insp.zhang", "insp.li", "insp.wang"]  # insp.zhao belongs to D04: recusal
    with _on(begin + timedelta(days=42)):
        for code, team in teams.items():
            assignment.assign(ctx, [(code, n) for n in team])
        campaigns.advance(ctx)
    with _on(begin + timedelta(days=55)):
        for code in nominated:
            level, fate = BATCH2[code]
            team = teams[code]
            _scores(ctx, cs, code, team, level, rng)
            # Notes first: a submitted sheet is locked, its notes with it.
            sheets.set_sheet_notes(ctx, code, team[0], hearing="听取主要负责人专题汇报，资料齐全",
                                   visit="现场抽查执法案卷10卷，程序规范")
            for name in team[:2] if fate == "incomplete" else team:
                sheets.submit_scores(ctx, code, name)
        vetoes.veto(ctx, "D06", cs.vetoes[0].id, "一起行政处罚决定在行政诉讼中被确认违法")
        campaigns.advance(ctx, "考察结束")
    pub_start = real_today
    # Start publicity three working days ago so the period is running today.
    while add_working_days(pub_start, 4, set()) > real_today:
        pub_start -= timedelta(days=1)
    with _on(pub_start):
        publicity.start_publicity(ctx)
        upheld = publicity.add_objection(ctx, "D04", "群众反映该局一起违法建设拆除程序不规范", source="来信",
                                         objector="王某某", organisation="某某社区居民", contact="1390000xxxx")
        publicity.add_objection(ctx, "D03", "来电反映办证窗口存在推诿现象", source="12345热线",
                                objector="李某", organisation="某某有限公司", contact="0000-87654321")
    with _on(real_today):
        publicity.resolve_objection(ctx, upheld.id, upheld=True, note="经核查属实，相关行政行为已被复议撤销")
