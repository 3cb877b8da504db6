"""Titles after the award (DESIGN §3a): validity by the calendar, rectification, revocation, eligibility."""

from __future__ import annotations

import json
import os
from datetime import date

from modelunit.domain import assignment, campaigns, nomination, publicity, selfcheck, sheets, standings, titles
from modelunit.errors import BadInput
from tests.conftest import create_campaign
from tests.helpers import FULL, evidence, score, self_score
from tests.test_workflow import refused


def awarded(world, monkeypatch, codes=("U1", "U2"), day="2024-03-08") -> str:
    """The 2024-1 campaign with ``codes`` awarded on ``day``."""
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    create_campaign(world)
    return awarded_in_place(world, monkeypatch, codes, day)


def awarded_in_place(world, monkeypatch, codes=("U1", "U2"), day="2024-03-08") -> str:
    """The newly created 2024-1 campaign taken to the award of ``codes``."""
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    cid = "2024-1"
    for code in codes:
        self_score(world, code)
    selfcheck.submit_selfcheck(world.ctx(), list(codes))
    campaigns.advance(world.ctx())
    for code in codes:
        evidence(world, code)
    nomination.nominate(world.ctx(), list(codes))
    for code in codes:
        assignment.assign(world.ctx(), [(code, n) for n in ("i1", "i2")])
    campaigns.advance(world.ctx())
    for code in codes:
        for name in ("i1", "i2"):
            score(world, code, name, FULL)
    sheets.submit_scores(world.ctx(), everyone=True)
    campaigns.advance(world.ctx())
    publicity.start_publicity(world.ctx(), "2024-03-04")
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-07")
    campaigns.advance(world.ctx())
    monkeypatch.setenv("MODELUNIT_TODAY", day)
    publicity.award(world.ctx(), "区人民政府", "区政府〔2024〕1号", day)
    return cid


def creation_2027(world, monkeypatch, today="2027-03-01", codes=("U1", "U2")) -> str:
    """A later creation campaign with ``codes`` self-checked and evidence filed, open for nomination."""
    monkeypatch.setenv("MODELUNIT_TODAY", today)
    year = int(today[:4])
    spec = campaigns.CampaignSpec(year=year, batch=1, criteria_path=str(world.criteria))
    cid = campaigns.create_campaign(world.ctx(), spec).id
    ctx = world.ctx(campaign=cid)
    for code in codes:
        self_score(world, code)
    selfcheck.submit_selfcheck(ctx, list(codes))
    campaigns.advance(ctx)
    for code in codes:
        evidence(world, code)
    return cid


# ----------------------------------------------------------------------------- the title itself


def test_valid_until_is_award_plus_validity_years_minus_one_day():
    from modelunit.domain.criteria import Naming

    assert titles.valid_until(date(2024, 3, 8), Naming()) == date(2027, 3, 7)
    assert titles.valid_until(date(2024, 3, 8), Naming(validity_years=5)) == date(2029, 3, 7)
    # 29 February: the anniversary in a common year is 1 March, so the title ends on 28 February.
    assert titles.valid_until(date(2024, 2, 29), Naming()) == date(2027, 2, 28)
    assert titles.ban_until(date(2025, 6, 1), Naming()) == date(2027, 5, 31)


def test_the_award_grants_a_title_per_unit_that_expires_by_the_calendar(world, monkeypatch):
    awarded(world, monkeypatch)
    rows = {r.unit: r for r in titles.list_titles(world.ctx())}
    assert sorted(rows) == ["U1", "U2"]
    assert rows["U1"].record() == {"unit": "U1", "name": "城关镇人民政府", "certificate": "2024-01-001",
                                   "campaign": "2024-1", "awarded": "2024-03-08", "valid_until": "2027-03-07",
                                   "status": "valid"}
    monkeypatch.setenv("MODELUNIT_TODAY", "2027-03-07")
    assert {r.status for r in titles.list_titles(world.ctx())} == {"valid"}  # the last day still counts
    monkeypatch.setenv("MODELUNIT_TODAY", "2027-03-08")
    assert {r.status for r in titles.list_titles(world.ctx())} == {"expired"}


def test_naming_in_the_criteria_sets_validity_and_certificate_format(world, monkeypatch):
    world.criteria.write_text(world.criteria.read_text(encoding="utf-8") + (
        'naming: {validity_years: 2, reapply_ban_years: 1, certificate_format: "SF{year}-{seq:02d}"}\n'),
        encoding="utf-8")
    awarded(world, monkeypatch, codes=("U1",))
    (row,) = titles.list_titles(world.ctx())
    assert (row.certificate, row.valid_until) == ("SF2024-01", "2026-03-07")


def test_clerks_see_their_own_titles_and_inspectors_none(world, monkeypatch):
    awarded(world, monkeypatch)
    assert [r.unit for r in titles.list_titles(world.ctx("clerk2"))] == ["U2"]
    refused(world, titles.list_titles, world.ctx("i1"), key="perm.role")


# ----------------------------------------------------------------------------- revocation and rectification


def test_revocation_is_audited_marks_the_unit_revoked_and_the_tally_says_so(world, monkeypatch):
    cid = awarded(world, monkeypatch)
    monkeypatch.setenv("MODELUNIT_TODAY", "2025-06-01")
    title = titles.revoke(world.ctx(), "U1", "重大违法案件", "区政府〔2025〕12号")
    assert (title.revoked_on, title.ban_until) == ("2025-06-01", "2027-05-31")
    assert world.entry("U1", cid)["status"] == "revoked"
    rows = {r.unit: r.status for r in titles.list_titles(world.ctx())}
    assert rows == {"U1": "revoked", "U2": "valid"}
    _, tally = standings.view_tally(world.ctx(campaign=cid))
    assert {r.code for r in tally.rows} == {"U1", "U2"}  # a revoked unit stays listed
    last = world.db.snapshot().audit.values()[-1]
    assert (last["action"], last["target"], last["after"]["decision_ref"]) == ("title.revoke", "U1",
                                                                               "区政府〔2025〕12号")
    refused(world, titles.revoke, world.ctx(), "U1", "再次", "文号", key="title.none")


def test_revocation_needs_admin_reason_reference_and_a_date_in_range(world, monkeypatch):
    awarded(world, monkeypatch)
    monkeypatch.setenv("MODELUNIT_TODAY", "2025-06-01")
    refused(world, titles.revoke, world.ctx("clerk1"), "U1", "理由", "文号", key="perm.role")
    refused(world, titles.revoke, world.ctx(), "U1", " ", "文号", kind=BadInput, key="title.reason_needed")
    refused(world, titles.revoke, world.ctx(), "U1", "理由", "", kind=BadInput, key="title.decision_ref_needed")
    refused(world, titles.revoke, world.ctx(), "U1", "理由", "文号", "2024-01-01", kind=BadInput,
            key="date.out_of_range")
    refused(world, titles.revoke, world.ctx(), "U1", "理由", "文号", "2025-09-01", kind=BadInput,
            key="date.out_of_range")
    refused(world, titles.revoke, world.ctx(), "ZZ", "理由", "文号", kind=BadInput, key="unit.unknown")
    refused(world, titles.revoke, world.ctx(), "U4", "理由", "文号", key="title.none")
    title = titles.revoke(world.ctx(), "U1", "理由", "文号", "2025-05-20")
    assert title.revoked_on == "2025-05-20"


def test_rectified_needs_a_rectifying_title_and_restores_it(world, monkeypatch):
    cid = awarded(world, monkeypatch)
    refused(world, titles.confirm_rectified, world.ctx(), "U1", "已整改", key="title.not_rectifying")
    refused(world, titles.confirm_rectified, world.ctx(), "U1", "", kind=BadInput, key="title.note_needed")
    with world.db.transaction() as tx:  # as a failed re-check leaves it
        title = titles.current_title(tx, "U1")
        titles.start_rectification(tx, title, campaigns.campaign_of(tx, cid), date(2024, 12, 1), "office")
    assert {r.unit: r.status for r in titles.list_titles(world.ctx())}["U1"] == "rectifying"
    refused(world, titles.confirm_rectified, world.ctx("clerk1"), "U1", "已整改", key="perm.role")
    title = titles.confirm_rectified(world.ctx(), "U1", "整改到位，经复核通过")
    assert title.status() == "valid" and title.events[-1]["note"] == "整改到位，经复核通过"
    assert world.db.snapshot().audit.values()[-1]["action"] == "title.rectified"


# ----------------------------------------------------------------------------- eligibility to nominate


def test_a_titled_unit_may_not_nominate_and_the_refusal_names_the_title(world, monkeypatch):
    awarded(world, monkeypatch)
    cid = creation_2027(world, monkeypatch, today="2027-03-01")
    err = refused(world, nomination.nominate, world.ctx(campaign=cid), ["U1"], key="nominate.titled")
    text = err.render()
    assert "2024-01-001" in text and "2024-1" in text and "2027-03-07" in text


def test_an_expired_title_allows_nomination_again(world, monkeypatch):
    awarded(world, monkeypatch)
    cid = creation_2027(world, monkeypatch, today="2027-03-08")
    assert nomination.nominate(world.ctx(campaign=cid), ["U1", "U2"]) == ["U1", "U2"]


def test_a_revoked_unit_waits_out_the_reapply_ban(world, monkeypatch):
    awarded(world, monkeypatch)
    monkeypatch.setenv("MODELUNIT_TODAY", "2025-06-01")
    titles.revoke(world.ctx(), "U1", "重大违法案件", "区政府〔2025〕12号")
    cid = creation_2027(world, monkeypatch, today="2027-05-31", codes=("U1",))
    err = refused(world, nomination.nominate, world.ctx(campaign=cid), ["U1"], key="nominate.banned")
    assert "2025-06-01" in err.render() and "2027-05-31" in err.render() and "2024-01-001" in err.render()
    monkeypatch.setenv("MODELUNIT_TODAY", "2027-06-01")
    assert nomination.nominate(world.ctx(campaign=cid), ["U1"]) == ["U1"]


# ----------------------------------------------------------------------------- the command line


def test_title_commands_through_the_cli(world, monkeypatch):
    awarded(world, monkeypatch)
    env = {"MODELUNIT_TODAY": "2025-06-01"}
    listed = world.cli("title", "list", "--format", "json", env=env)
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert [list(d) for d in data] == [["unit", "name", "certificate", "campaign", "awarded", "valid_until",
                                        "status"]] * 2
    assert [(d["unit"], d["status"], d["valid_until"]) for d in data] == [("U1", "valid", "2027-03-07"),
                                                                          ("U2", "valid", "2027-03-07")]
    csv = world.cli("title", "list", "--format", "csv", env=env)
    assert csv.stdout.startswith("\ufeff单位代码,单位名称,证书编号,批次,授牌日期,有效期至,状态")
    assert "有效" in world.cli("title", "list", env=env).stdout

    before = world.raw()
    denied = world.cli("title", "revoke", "U1", "--reason", "x", "--decision-ref", "y", user="clerk1", env=env)
    assert denied.returncode == 1 and denied.stderr.count("\n") == 1 and world.raw() == before
    assert world.cli("title", "list", user="i1", env=env).returncode == 1
    bad = world.cli("title", "revoke", "U1", "--reason", "x", "--decision-ref", "y", "--date", "2030-01-01",
                    env=env)
    assert bad.returncode == 2 and world.raw() == before
    wrong = world.cli("title", "rectified", "U1", "--note", "ok", env=env)
    assert wrong.returncode == 1 and "2024-01-001" in wrong.stderr and world.raw() == before

    done = world.cli("--lang", "en", "title", "revoke", "U1", "--reason", "重大违法案件", "--decision-ref",
                     "区政府〔2025〕12号", env=env)
    assert done.returncode == 0, done.stderr
    assert "may not nominate until after 2027-05-31" in done.stdout
    data = json.loads(world.cli("title", "list", "--format", "json", env=env).stdout)
    assert data[0]["status"] == "revoked"
    tally = json.loads(world.cli("--campaign", "2024-1", "tally", "--format", "json", env=env).stdout)
    assert {r["code"]: r["conclusion"] for r in tally} == {"U1": "revoked", "U2": "awarded"}


def test_clerk_lists_only_own_titles_through_the_cli(world, monkeypatch):
    awarded(world, monkeypatch)
    data = json.loads(world.cli("title", "list", "--format", "json", user="clerk1",
                                env={"MODELUNIT_TODAY": "2025-01-01"}).stdout)
    assert [d["unit"] for d in data] == ["U1"]


def test_refused_nomination_through_the_cli_names_the_title(world, monkeypatch):
    awarded(world, monkeypatch)
    cid = creation_2027(world, monkeypatch, today="2026-03-01")
    before = world.raw()
    result = world.cli("--campaign", cid, "nominate", "U2", env={"MODELUNIT_TODAY": "2026-03-01"})
    assert result.returncode == 1 and "2024-01-002" in result.stderr and world.raw() == before
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_refused_is_recorded_in_the_log(world, monkeypatch):
    awarded(world, monkeypatch)
    world.cli("title", "rectified", "U1", "--note", "x", env={"MODELUNIT_TODAY": "2025-01-01"})
    log = (world.dir / "mu.log").read_text(encoding="utf-8")
    assert "title.not_rectifying" in log


def test_unknown_unit_is_bad_input(world, monkeypatch):
    awarded(world, monkeypatch)
    before = world.raw()
    result = world.cli("title", "rectified", "NOPE", "--note", "x", env={"MODELUNIT_TODAY": "2025-01-01"})
    assert result.returncode == 2 and world.raw() == before


# ----------------------------------------------------------------------------- unit history


def test_unit_history_lists_campaigns_results_titles_and_open_gaps(world, monkeypatch):
    from modelunit.domain import history

    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    create_campaign(world)
    selfcheck.add_gap(world.ctx(), "U1", "A1", "决策程序不全", "补充合法性审查", "2024-06-30")
    awarded_in_place(world, monkeypatch)
    monkeypatch.setenv("MODELUNIT_TODAY", "2025-06-01")
    titles.revoke(world.ctx(), "U1", "重大违法案件", "区政府〔2025〕12号")
    h = history.unit_history(world.ctx(), "U1")
    (part,) = h.campaigns
    assert (part.campaign, part.kind, part.status, part.conclusion, part.rank) == (
        "2024-1", "creation", "revoked", "revoked", 1)
    assert part.total == 20 and part.certificate == "2024-01-001"
    assert [(ti["certificate"], ti["status"], ti["ban_until"]) for ti in h.titles] == [
        ("2024-01-001", "revoked", "2027-05-31")]
    assert [(g["campaign"], g["problem"]) for g in h.gaps] == [("2024-1", "决策程序不全")]

    result = world.cli("unit", "history", "U1", "--format", "json", env={"MODELUNIT_TODAY": "2025-06-01"})
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert sorted(data) == ["campaigns", "gaps", "name", "titles", "unit"]
    assert data["campaigns"][0]["total"] == 20 and data["titles"][0]["status"] == "revoked"
    table = world.cli("unit", "history", "U1", env={"MODELUNIT_TODAY": "2025-06-01"})
    assert "2024-01-001" in table.stdout and "决策程序不全" in table.stdout


def test_unit_history_is_for_the_office_and_the_units_own_clerk(world, monkeypatch):
    from modelunit.domain import history

    awarded(world, monkeypatch)
    assert history.unit_history(world.ctx("clerk1"), "U1").campaigns[0].rank == 1
    refused(world, history.unit_history, world.ctx("clerk1"), "U2", key="perm.not_own_unit")
    refused(world, history.unit_history, world.ctx("i1"), "U1", key="perm.role")
    before = world.raw()
    assert world.cli("unit", "history", "U2", user="clerk1").returncode == 1
    assert world.cli("unit", "history", "NOPE").returncode == 2 and world.raw() == before


# ----------------------------------------------------------------------------- the dashboard's history tab


async def test_the_unit_page_has_a_history_tab_with_titles(world, monkeypatch):
    from rich.console import Console
    from textual.widgets import TabbedContent

    from tests.test_tui import SIZE, app_for, open_unit, show_tab

    def text_of(widget) -> str:
        console = Console(width=150, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
        console.print(widget.content)
        return console.export_text()

    awarded(world, monkeypatch)
    monkeypatch.setenv("MODELUNIT_TODAY", "2025-06-01")
    titles.revoke(world.ctx(), "U1", "重大违法案件", "区政府〔2025〕12号")
    async with app_for(world.db, "office").run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_unit(pilot, "U1")
        await show_tab(pilot, "history")
        assert screen.query_one(TabbedContent).active == "tab-history"
        shown = text_of(screen.query_one("#history-titles"))
        assert "2024-01-001" in shown and "已撤销" in shown and "2027-05-31" in shown
        assert "2024-1" in text_of(screen.query_one("#history-campaigns"))
    async with app_for(world.db, "i1").run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_unit(pilot, "U1")
        await show_tab(pilot, "history")
        assert not screen.query("#history-titles")
        assert screen.query_one("#history-denied")


def test_the_demo_shows_the_whole_life_of_a_title(demo_db):
    """Last year's titles: re-checked this year (S01 drawn by a recorded seed, failed, rectifying),
    D01 revoked and barred from nominating; this year's batch stays the newest campaign."""
    from fractions import Fraction

    from modelunit.domain import recheck
    from tests.conftest import run_cli

    def cli(*args):
        r = run_cli(*args, user="admin", password="demo1234", env={"MODELUNIT_DB": demo_db.path},
                    cwd=os.path.dirname(demo_db.path))
        assert r.returncode == 0, r.stderr
        return r.stdout

    held = {t["unit"]: t for t in json.loads(cli("title", "list", "--format", "json"))}
    assert held["D01"]["status"] == "revoked" and held["S01"]["status"] == "rectifying"
    checks = [c for c in demo_db.snapshot().campaigns.values() if c.get("kind") == "recheck"]
    assert len(checks) == 1 and checks[0]["stage"] == "conclusion"
    assert recheck.draw(["D01", "S01"], Fraction(50), checks[0]["seed"]) == ["S01"]  # anyone can re-draw it
    assert "公示中" in cli("unit", "list")  # the default campaign is this year's batch, not the re-check
    history = cli("unit", "history", "S01")
    assert "复查" in history and "限期整改" in history
    block = titles.nomination_block(demo_db.snapshot(), "D01")  # inside the ban: the refusal names the title
    assert block is not None and held["D01"]["certificate"] in block.render()
