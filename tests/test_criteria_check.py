"""`criteria check` lists what a CSV author needs: every item's id, criterion, dimension and points,
the bonuses and the vetoes (issue 15), so nobody has to read the YAML."""

from __future__ import annotations

from tests.conftest import PASSWORD, run_cli


def test_criteria_check_lists_items_bonuses_and_vetoes(world):
    r = run_cli("criteria", "check", str(world.criteria))
    assert r.returncode == 0, r.stderr
    lines = [line.split() for line in r.stdout.splitlines()]
    items = {cells[0]: cells[1:5] for cells in lines if cells and cells[0] in ("A1", "A2", "B1", "B2")}
    assert items == {"A1": ["A", "措施", "6", "程序"], "A2": ["A", "效果", "4", "效果"],
                     "B1": ["B", "措施", "5", "规范"], "B2": ["B", "效果", "5", "正确率"]}
    assert ["X1", "2", "创新"] in lines and ["V1", "重大违法"] in lines
    assert "加分项（合计上限 1 分）" in r.stdout


def test_criteria_check_in_english(world):
    r = run_cli("--lang", "en", "criteria", "check", str(world.criteria))
    assert ["A1", "A", "measures", "6", "程序"] in [line.split() for line in r.stdout.splitlines()]
    assert "Vetoes" in r.stdout and "Bonuses (at most 1 points in all)" in r.stdout


def test_the_built_in_criteria_are_found_by_name_in_any_folder(world, tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    r = run_cli("criteria", "check", "nine-measures", cwd=folder)
    assert r.returncode == 0, r.stderr
    assert "nine-measures" in r.stdout.splitlines()[0]
    made = run_cli("campaign", "create", "--year", "2024", "--batch", "1", "--criteria", "nine-measures",
                   db=world.db.path, user="office", password=PASSWORD, cwd=folder)
    assert made.returncode == 0, made.stderr
    assert run_cli("criteria", "check", "no-such-set", cwd=folder).returncode == 2
