"""Re-check campaigns (年度复查, DESIGN §3a): enrolment, the reproducible sample, results and rectification."""

from __future__ import annotations

import json
import random
from fractions import Fraction

from modelunit.domain import assignment, campaigns, recheck, selfcheck, sheets, standings, titles
from modelunit.domain.models import RECHECK_STAGES
from modelunit.errors import BadInput
from tests.conftest import create_campaign
from tests.helpers import FULL, score, self_score
from tests.test_titles import awarded, awarded_in_place
from tests.test_workflow import refused

LOW = {"A1": 2, "A2": 1, "B1": 2, "B2": 2}


def new_recheck(world, monkeypatch, sample="10", seed=7, day="2025-03-01", **kw) -> str:
    monkeypatch.setenv("MODELUNIT_TODAY", day)
    spec = campaigns.CampaignSpec(year=int(day[:4]), batch=1, criteria_path=str(world.criteria), kind="recheck",
                                  sample=sample, seed=seed, **kw)
    return campaigns.create_campaign(world.ctx(), spec).id


def test_the_draw_is_the_documented_algorithm_and_reproducible():
    codes = [f"U{i:02d}" for i in range(1, 24)]
    expected = sorted(random.Random(20250301).sample(sorted(codes), 5))  # ⌈20% × 23⌉ = 5
    assert recheck.draw(list(reversed(codes)), Fraction(20), 20250301) == expected
    assert recheck.draw(codes, Fraction(20), 20250301) == recheck.draw(codes, Fraction(20), 20250301)
    assert recheck.draw(codes, Fraction(20), 1) != recheck.draw(codes, Fraction(20), 2)
    assert [recheck.sample_size(n, Fraction(p)) for n, p in ((10, 1), (10, 10), (10, 11), (3, 100), (1, 5))] == \
        [1, 1, 2, 3, 1]


def test_a_recheck_enrols_the_valid_titles_and_runs_its_own_stages(world, monkeypatch):
    awarded(world, monkeypatch, codes=("U1", "U2", "U4"))
    monkeypatch.setenv("MODELUNIT_TODAY", "2025-01-10")
    titles.revoke(world.ctx(), "U4", "重大违法案件", "区政府〔2025〕1号")
    cid = new_recheck(world, monkeypatch)
    c = campaigns.current_campaign(world.ctx(campaign=cid))
    assert (cid, c.kind, c.stages, c.seed, c.quota) == ("2025-R1", "recheck", RECHECK_STAGES, 7, None)
    enrolled = {k.split("|")[1] for k in world.db.snapshot().entries.keys() if k.startswith(cid + "|")}
    assert enrolled == {"U1", "U2"}  # U3 never held a title; U4's was revoked
    assert campaigns.advance(world.ctx(campaign=cid)).stage == "inspection"
    assert campaigns.advance(world.ctx(campaign=cid)).stage == "conclusion"
    refused(world, campaigns.advance, world.ctx(campaign=cid), key="campaign.last_stage")


def test_results_follow_the_sample_and_failures_go_into_rectification(world, monkeypatch):
    awarded(world, monkeypatch, codes=("U1", "U2", "U4"))
    cid = new_recheck(world, monkeypatch, sample="10", seed=11)
    ctx = world.ctx(campaign=cid)
    drawn = recheck.draw(["U1", "U2", "U4"], Fraction(10), 11)
    (sampled,) = drawn
    full_self, low_self = [c for c in ("U1", "U2", "U4") if c != sampled]
    self_score(world, sampled)
    self_score(world, full_self)
    self_score(world, low_self, scale=0.5)  # 10 < pass line 12
    selfcheck.submit_selfcheck(ctx, [sampled, full_self, low_self])
    result = campaigns.advance(ctx)
    assert result.changed == {"sampled": [sampled]}
    assert campaigns.current_campaign(ctx).sample == drawn
    assignment.assign(ctx, [(sampled, "i1"), (sampled, "i2")])
    score(world, sampled, "i1", LOW)  # self-check was full marks, the site visit finds otherwise
    score(world, sampled, "i2", LOW)
    sheets.submit_scores(ctx, everyone=True)
    assert world.entry(sampled, cid)["status"] == "inspected"
    _, tally = standings.view_tally(ctx)
    assert [r.code for r in tally.rows] == [sampled]  # only the inspected units are in the tally

    monkeypatch.setenv("MODELUNIT_TODAY", "2025-04-01")
    result = campaigns.advance(ctx)
    assert result.changed == {"passed": [full_self], "not_passed": sorted([sampled, low_self])}
    _, tally = standings.view_tally(ctx)
    assert [(r.code, r.eligible) for r in tally.rows] == [(sampled, False)]
    status = {r.unit: (r.status, r.rectify_due) for r in titles.list_titles(world.ctx())}
    assert status == {full_self: ("valid", None), sampled: ("rectifying", "2025-06-30"),
                      low_self: ("rectifying", "2025-06-30")}  # 90 days after 2025-04-01
    titles.confirm_rectified(world.ctx(), sampled, "整改报告经审核通过")
    assert {r.unit: r.status for r in titles.list_titles(world.ctx())}[sampled] == "valid"


def test_an_unsubmitted_selfcheck_fails_and_the_office_may_add_units_to_the_sample(world, monkeypatch):
    awarded(world, monkeypatch, codes=("U1", "U2"))
    cid = new_recheck(world, monkeypatch, sample="50", seed=3)
    ctx = world.ctx(campaign=cid)
    refused(world, recheck.add_to_sample, ctx, ["U1"], key="perm.stage")  # no sample before inspection
    campaigns.advance(ctx)
    (drawn,) = campaigns.current_campaign(ctx).sample
    other = "U2" if drawn == "U1" else "U1"
    refused(world, recheck.add_to_sample, world.ctx("i1", cid), [other], key="perm.role")
    refused(world, recheck.add_to_sample, ctx, [drawn], key="recheck.already_sampled")
    refused(world, recheck.add_to_sample, ctx, ["U3"], key="unit.not_in_campaign")
    assert recheck.add_to_sample(ctx, [other]) == [other]
    c = campaigns.current_campaign(ctx)
    assert (c.sample, c.sample_added) == ([drawn, other], [other])
    for code in (drawn, other):
        assignment.assign(ctx, [(code, "i1"), (code, "i2")])
        score(world, code, "i1", FULL)
        score(world, code, "i2", FULL)
    sheets.submit_scores(ctx, everyone=True)
    result = campaigns.advance(ctx)
    assert result.changed == {"passed": sorted([drawn, other])}  # inspected and eligible: no self-check needed


def test_a_recheck_needs_titled_units(world, monkeypatch):
    refused(world, new_recheck, world, monkeypatch, day="2024-03-01", key="recheck.no_titles")


def test_recheck_through_the_cli(world, monkeypatch):
    awarded(world, monkeypatch, codes=("U1", "U2"))
    env = {"MODELUNIT_TODAY": "2025-03-01"}
    crit = str(world.criteria)
    before = world.raw()
    bad = world.cli("campaign", "create", "--year", "2025", "--batch", "1", "--criteria", crit, "--sample", "10",
                    env=env)
    assert bad.returncode == 2 and world.raw() == before  # --sample is for a re-check only
    bad = world.cli("campaign", "create", "--year", "2025", "--batch", "1", "--criteria", crit, "--kind",
                    "recheck", "--sample", "0", env=env)
    assert bad.returncode == 2 and world.raw() == before
    made = world.cli("--lang", "en", "campaign", "create", "--year", "2025", "--batch", "1", "--criteria", crit,
                     "--kind", "recheck", "--sample", "50", env=env)
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines()[-1] == "2025-R1"
    seed = int(made.stdout.split("seed ")[1].split()[0])  # generated, printed and recorded
    assert world.db.snapshot().campaigns.get("2025-R1")["seed"] == seed
    adv = world.cli("--lang", "en", "campaign", "advance", env=env)
    assert adv.returncode == 0, adv.stderr
    expected = recheck.draw(["U1", "U2"], Fraction(50), seed)
    assert f"drew 1 units (seed {seed}): {expected[0]}" in adv.stdout
    other = "U2" if expected == ["U1"] else "U1"
    before = world.raw()
    assert world.cli("recheck", "add", other, user="clerk1", env=env).returncode == 1 and world.raw() == before
    assert world.cli("recheck", "add", "NOPE", env=env).returncode == 2 and world.raw() == before
    assert world.cli("recheck", "add", other, env=env).returncode == 0
    shown = world.cli("--lang", "en", "recheck", "sample", env=env)
    drill, *lines = shown.stdout.splitlines()  # the test database is a drill: the listing says so first
    assert drill.startswith("[DRILL]")
    assert lines == [f"sample (seed {seed}, 50%): {expected[0]}", f"added by the office: {other}"]
    hist = json.loads(world.cli("unit", "history", "U1", "--format", "json", env=env).stdout)
    assert [(p["campaign"], p["kind"], p["sampled"]) for p in hist["campaigns"]] == [
        ("2024-1", "creation", False), ("2025-R1", "recheck", True)]


def test_from_copies_open_gaps_and_leaves_out_units_that_may_not_nominate(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    create_campaign(world)
    selfcheck.add_gap(world.ctx(), "U1", "A1", "决策程序不全", "补充合法性审查", "2024-06-30")
    selfcheck.add_gap(world.ctx(), "U3", "B1", "执法记录缺失", "建立台账", "2024-06-30")
    awarded_in_place(world, monkeypatch, codes=("U1", "U2"))
    cid = new_recheck(world, monkeypatch, sample="10", seed=1, from_campaign="2024-1")
    gaps = world.entry("U1", cid)["gaps"]
    assert [(g["problem"], g["status"]) for g in gaps] == [("决策程序不全", "open")]
    monkeypatch.setenv("MODELUNIT_TODAY", "2025-09-01")
    spec = campaigns.CampaignSpec(year=2025, batch=2, criteria_path=str(world.criteria), from_campaign="2024-1")
    new = campaigns.create_campaign(world.ctx(), spec)
    enrolled = {k.split("|")[1] for k in world.db.snapshot().entries.keys() if k.startswith(new.id + "|")}
    assert enrolled == {"U3", "U4"}  # U1 and U2 hold valid titles
    assert [g["problem"] for g in world.entry("U3", new.id)["gaps"]] == ["执法记录缺失"]
    refused(world, campaigns.create_campaign, world.ctx(),
            campaigns.CampaignSpec(year=2025, batch=3, criteria_path=str(world.criteria), from_campaign="9-9"),
            kind=BadInput, key="campaign.unknown")


def test_a_recheck_campaign_exports_and_its_history_shows_the_result(world, monkeypatch):
    from openpyxl import load_workbook

    from modelunit.domain import history
    from modelunit.export.workbook import export_workbook

    awarded(world, monkeypatch, codes=("U1", "U2"))
    cid = new_recheck(world, monkeypatch, sample="100", seed=5)
    ctx = world.ctx(campaign=cid)
    campaigns.advance(ctx)
    for code in ("U1", "U2"):
        assignment.assign(ctx, [(code, "i1"), (code, "i2")])
        for name in ("i1", "i2"):
            score(world, code, name, FULL if code == "U1" else LOW)
    sheets.submit_scores(ctx, everyone=True)
    campaigns.advance(ctx)
    path = world.dir / "recheck.xlsx"
    export_workbook(ctx, str(path))
    assert "汇总" in load_workbook(path).sheetnames
    parts = {p.campaign: p for p in history.unit_history(world.ctx(), "U2").campaigns}
    assert (parts[cid].status, parts[cid].sampled, parts[cid].conclusion) == ("not_passed", True, "failed")


def test_the_dry_run_shows_the_draw_and_the_results_the_advance_then_makes(world, monkeypatch):
    awarded(world, monkeypatch, codes=("U1", "U2", "U4"))
    cid = new_recheck(world, monkeypatch, sample="50", seed=424242)
    ctx = world.ctx(campaign=cid)
    self_score(world, "U1")
    selfcheck.submit_selfcheck(ctx, ["U1"])
    before = world.raw()
    preview = campaigns.advance(ctx, dry_run=True)
    assert world.raw() == before  # the dry run wrote nothing, not even the draw
    drawn = recheck.draw(["U1", "U2", "U4"], Fraction(50), 424242)
    assert (preview.plan.sample, preview.plan.seed, preview.changed) == (drawn, 424242, {"sampled": drawn})
    assert {m.why.render() for m in preview.plan.moves} == {"随机种子 424242 抽中"}
    real = campaigns.advance(ctx)
    assert real.changed == preview.changed and campaigns.current_campaign(ctx).sample == drawn

    for code in drawn:  # the drawn units inspected: full marks pass, the self-check decides the others
        assignment.assign(ctx, [(code, "i1"), (code, "i2")])
        score(world, code, "i1", FULL)
        score(world, code, "i2", FULL)
    sheets.submit_scores(ctx, everyone=True)
    monkeypatch.setenv("MODELUNIT_TODAY", "2025-04-01")
    before = world.raw()
    preview = campaigns.advance(ctx, dry_run=True)
    assert world.raw() == before
    assert campaigns.advance(ctx).changed == preview.changed
    stored = {e["unit"]: e["status"] for k, e in world.db.snapshot().entries.items() if k.startswith(cid + "|")}
    assert {code: status for status, codes in preview.changed.items() for code in codes} == stored


def test_the_dry_run_of_a_recheck_through_the_cli_names_the_units_it_would_draw(world, monkeypatch):
    awarded(world, monkeypatch, codes=("U1", "U2", "U4"))
    cid = new_recheck(world, monkeypatch, sample="34", seed=99)
    env = {"MODELUNIT_TODAY": "2025-03-01"}
    before = world.raw()
    r = world.cli("--campaign", cid, "campaign", "advance", "--dry-run", env=env)
    assert r.returncode == 0 and world.raw() == before
    drawn = recheck.draw(["U1", "U2", "U4"], Fraction(34), 99)
    assert f"将抽取 {len(drawn)} 个单位（种子 99）：{', '.join(drawn)}" in r.stdout
    r = world.cli("--campaign", cid, "campaign", "advance", env=env)
    assert f"已抽取 {len(drawn)} 个单位（种子 99）：{', '.join(drawn)}" in r.stdout
