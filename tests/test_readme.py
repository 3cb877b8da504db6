"""The README works as written: its two setup commands are what CI runs, the demo opens, and the
whole-campaign example runs, block after block in one terminal, to a real award and a re-check.

The blocks are read from README.md itself (tests/readme.py), so an edit that breaks an example
fails here.  What the README says the example shows (totals, conclusions, certificates, validity)
is checked against what the commands printed and stored.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
import subprocess

import openpyxl
import pytest

from tests import pgcluster
from tests.readme import README, ROOT, blocks, failed, reader_env, reader_folder, run_script

CONTRACT_SHEETS = ["汇总", "评分明细", "自查对比", "进度", "公示名单", "异议", "授牌名单", "图表"]


def setup_blocks():
    found = [b for b in blocks() if b.is_setup]
    assert len(found) == 2, "the README has one setup command for the demo and one for the tests"
    return found


def test_the_two_setup_commands_are_what_ci_runs():
    demo, tests = setup_blocks()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    # CI runs the README's first two steps as written, with ``python3`` a variable: the first python3 on PATH,
    # or Debian's own where the machine has one (the faster build here; .ci/run says why).
    lines = [line.strip() for line in ci.splitlines() if line.strip() and not line.strip().startswith("#")]
    made = lines.index('"$python3" -m venv .venv')
    assert lines[made + 1] == ". .venv/bin/activate"
    assert "python3=python3" in lines[:made]
    assert {line.split("=", 1)[1] for line in lines[:made] if line.startswith("python3=")} == {"python3",
                                                                                              "/usr/bin/python3"}
    for block in (demo, tests):
        assert len(block.commands) == 1, f"README.md:{block.line}: one command to copy"
        steps = [s.strip() for s in block.commands[0].split("&&")]
        assert steps[:2] == ["python3 -m venv .venv", ". .venv/bin/activate"]
        assert steps[0].replace("python3", '"$python3"', 1) == lines[made]
    assert shlex.split(demo.commands[0].split("&&")[2]) == ["pip", "install", "-e", "."]
    assert demo.commands[0].split("&&")[3].strip() == "modelunit demo"
    # The tests' command installs the test extra and runs pytest with no arguments, as CI does.
    install, run = (s.strip() for s in tests.commands[0].split("&&")[2:])
    assert shlex.split(install) == ["pip", "install", "-e", ".[test]"]
    assert "python -m pip install -q -e '.[test]'" in ci
    assert run == "pytest" and ci.rstrip().splitlines()[-1] == "python -m pytest"


def test_the_demo_command_builds_the_demo_and_shows_it(tmp_path):
    """`modelunit demo` without a terminal (as here) prints the demo's tally instead of the dashboard."""
    demo, _ = setup_blocks()
    command = demo.commands[0].split("&&")[-1].strip()
    r = subprocess.run(shlex.split(command), cwd=tmp_path, env=reader_env(tmp_path), text=True,
                       capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "modelunit-demo.json").exists() and not (tmp_path / "modelunit.json").exists()
    for word in ("拟命名", "取消拟命名", "未达标", "否决", "demo1234"):
        assert word in r.stdout, word


def campaign_script() -> str:
    example = [b for b in blocks() if not b.is_setup and not b.is_tools and not b.is_serve and not b.is_postgresql]
    assert len(example) >= 2, "the whole campaign and the re-check"
    return "\n".join(b.text for b in example)


@pytest.mark.parametrize("backend", ["tinydb", "postgresql"])
def test_the_whole_campaign_example_runs_to_the_award_and_the_recheck(tmp_path, backend):
    """The example as written; and the same commands with ``MODELUNIT_DB`` naming a PostgreSQL database
    instead of the file (a campaign from start to finish on the server, from the command line)."""
    folder = reader_folder(tmp_path)
    script = campaign_script()
    if backend == "postgresql":
        url = pgcluster.new_database(os.environ[pgcluster.ENV])
        server = f"MODELUNIT_DB={shlex.quote(url)} MODELUNIT_FILES={shlex.quote(str(tmp_path / 'files'))}"
        assert script.count("MODELUNIT_DB=district.json") == 1
        script = script.replace("MODELUNIT_DB=district.json", server)
    # After the README's blocks, read back what a user would look at (the session's exports still hold).
    check = ("\nmodelunit --campaign 2027-1 tally --format json > tally.json"
             "\nmodelunit title list --format json > titles.json"
             "\nmodelunit --campaign 2027-1 unit list --format json > units.json"
             "\nmodelunit user list > users.txt\n")
    r = run_script(script + check, folder, forked=True)
    assert r.returncode == 0, failed(r)
    assert "Traceback" not in r.stderr
    assert (folder / "district.json").exists() == (backend == "tinydb")  # on the server: no file at all
    readme = README.read_text(encoding="utf-8")

    tally = {row["code"]: row for row in json.loads((folder / "tally.json").read_text(encoding="utf-8"))}
    assert {c: row["conclusion"] for c, row in tally.items()} == {
        "D02": "awarded", "S01": "awarded", "T01": "failed"}
    for code, row in tally.items():  # the totals the README quotes are the ones printed
        assert f"{code} {row['total']:.2f}" in readme, code
    units = {u["code"]: u for u in json.loads((folder / "units.json").read_text(encoding="utf-8"))}
    assert units["D03"]["status"] == "not_nominated" and units["T01"]["status"] == "not_selected"
    assert "D03" in readme and "未申报" in readme

    titles = {t["unit"]: t for t in json.loads((folder / "titles.json").read_text(encoding="utf-8"))}
    assert set(titles) == {"D02", "S01"}
    assert all(t["status"] == "valid" for t in titles.values())  # S01's rectification was confirmed
    for t in titles.values():
        assert t["certificate"] in readme and t["valid_until"] in readme

    # The people came from a file: real names listed, initial passwords in a file only its creator reads.
    people = (folder / "users.txt").read_text(encoding="utf-8")
    assert "张伟" in people and "陈刚" in people
    assert stat.S_IMODE(os.stat(folder / "初始密码.csv").st_mode) == 0o600
    # What the steps printed: why T01 was not selected, the re-check draw, the audit intact.
    assert "未入选（未达标）：T01" in r.stdout
    assert re.search(r"种子 2028.*S01", r.stdout)
    assert "审计日志完整" in r.stdout

    book = openpyxl.load_workbook(folder / "2027年第1批.xlsx")
    assert book.sheetnames[:8] == CONTRACT_SHEETS
    assert book.properties.title.startswith("【演练】")  # a drill says so on everything it prints
    awarded = [str(c.value) for row in book["授牌名单"].iter_rows() for c in row if c.value is not None]
    assert {"2027-01-001", "2027-01-002"} <= set(awarded)
