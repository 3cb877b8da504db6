"""Attacks on the clock: backdating with MODELUNIT_TODAY and out-of-range --date values (issue 9, item 1)."""

from __future__ import annotations

import json
from pathlib import Path

from modelunit.domain import campaigns, sheets
from modelunit.storage.database import Database
from tests.conftest import PASSWORD, run_cli
from tests.helpers import FULL, score, to_inspection


def _one_line(result, code: int) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_a_set_clock_on_a_real_database_is_bad_input(tmp_path):
    db = str(tmp_path / "real.json")
    assert run_cli("init", "--admin", "boss", db=db, password=PASSWORD).returncode == 0
    before = Path(db).read_bytes()
    result = run_cli("unit", "list", db=db, user="boss", password=PASSWORD, env={"MODELUNIT_TODAY": "2024-03-01"})
    assert "MODELUNIT_TODAY" in _one_line(result, 2)
    assert Path(db).read_bytes() == before
    assert "clock.not_drill" in Path(db).with_suffix(".log").read_text(encoding="utf-8")
    assert not Database(db).is_drill()


def test_init_of_a_real_database_refuses_a_set_clock(tmp_path):
    db = tmp_path / "real.json"
    result = run_cli("init", "--admin", "boss", db=str(db), password=PASSWORD, env={"MODELUNIT_TODAY": "2024-03-01"})
    _one_line(result, 2)
    assert not db.exists()


def test_a_drill_records_its_first_date_and_refuses_to_go_back(tmp_path):
    db = str(tmp_path / "drill.json")
    ok = run_cli("init", "--admin", "boss", "--drill", db=db, password=PASSWORD,
                 env={"MODELUNIT_TODAY": "2024-03-07"})
    assert ok.returncode == 0, ok.stderr
    assert Database(db).is_drill()
    assert json.loads(Path(db).read_text(encoding="utf-8"))["meta"]["drill"]["first"] == "2024-03-07"
    before = Path(db).read_bytes()
    back = run_cli("user", "add", "clerk", "--role", "inspector", db=db, user="boss", password=PASSWORD,
                   env={"MODELUNIT_TODAY": "2024-03-01", "MODELUNIT_NEW_PASSWORD": "another-pw-9"})
    assert "2024-03-07" in _one_line(back, 1)
    assert Path(db).read_bytes() == before
    same_day = run_cli("unit", "list", db=db, user="boss", password=PASSWORD, env={"MODELUNIT_TODAY": "2024-03-07"})
    assert same_day.returncode == 0, same_day.stderr


def test_a_clerk_cannot_backdate_a_nomination_in_a_drill(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    to_inspection(world, codes=("U1",), nomination_due="2024-06-15")  # records 2024-03-01 as the latest date
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-06-20")
    world.cli("campaign", "list")  # a read records nothing
    assert world.db.snapshot().meta.get("drill")["latest"] == "2024-03-01"
    result = world.cli("unit", "list", env={"MODELUNIT_TODAY": "2024-02-01"})
    _one_line(result, 1)


def _to_publicity(world, monkeypatch) -> None:
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-09-20")
    to_inspection(world, codes=("U1", "U2"))
    for code in ("U1", "U2"):
        for name in ("i1", "i2"):
            score(world, code, name, FULL)
    sheets.submit_scores(world.ctx(), everyone=True)
    campaigns.advance(world.ctx())


def test_publicity_cannot_start_in_year_one_or_year_9999(world, monkeypatch):
    _to_publicity(world, monkeypatch)
    before = world.raw()
    env = {"MODELUNIT_TODAY": "2024-09-20"}
    for bad in ("0001-01-01", "9999-12-30", "2024-09-19", "2024-11-20"):
        line = _one_line(world.cli("publicity", "start", "--date", bad, env=env), 2)
        assert bad in line and "OverflowError" not in line
        assert world.raw() == before
    assert world.cli("publicity", "start", "--date", "2024-11-19", env=env).returncode == 0  # today + 60 days


def test_objection_and_award_dates_are_bounded(world, monkeypatch):
    _to_publicity(world, monkeypatch)
    env = {"MODELUNIT_TODAY": "2024-09-20"}
    assert world.cli("publicity", "start", env=env).returncode == 0
    before = world.raw()
    _one_line(world.cli("objection", "add", "U1", "--text", "x", "--date", "9999-12-30", env=env), 2)
    _one_line(world.cli("objection", "add", "U1", "--text", "x", "--date", "2020-01-01", env=env), 2)
    assert world.raw() == before
    later = {"MODELUNIT_TODAY": "2024-09-30"}
    assert world.cli("campaign", "advance", env=later).returncode == 0
    before = world.raw()
    for bad in ("9999-12-30", "2024-01-01"):
        _one_line(world.cli("award", "--decided-by", "区人民政府", "--decision-ref", "区政府〔2024〕1号",
                            "--date", bad, env=later), 2)
    assert world.raw() == before


def test_a_clock_of_year_9999_is_bad_input_not_an_overflow(world):
    result = world.cli("unit", "list", env={"MODELUNIT_TODAY": "9999-12-30"})
    assert "9999-12-30" in _one_line(result, 2)


def test_the_demo_is_a_drill(tmp_path):
    result = run_cli("demo", "--no-tui", db=str(tmp_path / "demo.json"))
    assert result.returncode == 0, result.stderr
    assert Database(str(tmp_path / "demo.json")).is_drill()


def test_due_dates_at_campaign_create_lie_within_a_year_of_its_first_day(world):
    """A typo in a due date (0026 for 2026, 2062 for 2026) would close a stage at once or never."""
    env = {"MODELUNIT_TODAY": "2024-03-01"}
    before = world.raw()
    for option, value in (("--selfcheck-due", "2024-02-29"), ("--nomination-due", "0024-06-15"),
                          ("--selfcheck-due", "2025-03-03"), ("--nomination-due", "9999-12-30"),
                          ("--selfcheck-due", "2024-13-01")):
        r = world.cli("campaign", "create", "--year", "2024", "--batch", "1", "--criteria", str(world.criteria),
                      option, value, env=env)
        line = _one_line(r, 2)
        assert option in line and value in line, line
        assert world.raw() == before
    ok = world.cli("campaign", "create", "--year", "2024", "--batch", "1", "--criteria", str(world.criteria),
                   "--selfcheck-due", "2024-03-01", "--nomination-due", "2025-03-01", env=env)
    assert ok.returncode == 0, ok.stderr
    stored = world.db.snapshot().campaigns.get("2024-1")
    assert (stored["selfcheck_due"], stored["nomination_due"]) == ("2024-03-01", "2025-03-01")
