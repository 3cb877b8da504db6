"""A drill's printouts say 演练, and --due dates are bounded like --date (issue 9, leftovers of item 1)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from modelunit.domain import context, nomination, users
from modelunit.storage.database import Database
from tests.conftest import PASSWORD, SMALL_CRITERIA, World, create_campaign, run_cli
from tests.helpers import to_nomination
from tests.test_trust_clock import _one_line

TODAY = {"MODELUNIT_TODAY": "2024-03-01"}

# Listings, with the words that stand in their table (the test database is a drill).
REPORTS = [("tally",), ("unit", "list"), ("title", "list"), ("score", "list"), ("campaign", "list"),
           ("user", "list"), ("objection", "list"), ("audit", "list"), ("progress",), ("material", "verify"),
           ("unit", "history", "U1")]


@pytest.fixture
def drill(world):
    to_nomination(world, codes=("U1",))  # sets no clock of its own: the CLI runs on TODAY
    return world


@pytest.mark.parametrize("command", REPORTS, ids=" ".join)
def test_every_table_of_a_drill_opens_with_the_drill_line(drill, command):
    result = drill.cli(*command, env=TODAY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("【演练】"), result.stdout
    assert result.stdout.count("【演练】") == 1
    en = drill.cli("--lang", "en", *command, env=TODAY)
    assert en.stdout.splitlines()[0].startswith("[DRILL]"), en.stdout


@pytest.mark.parametrize("command", [("tally",), ("unit", "list"), ("title", "list"), ("score", "list"),
                                     ("progress",)], ids=" ".join)
def test_json_and_csv_of_a_drill_stay_data_and_say_drill_on_stderr(drill, command):
    as_json = drill.cli(*command, "--format", "json", env=TODAY)
    assert as_json.returncode == 0, as_json.stderr
    json.loads(as_json.stdout)  # valid JSON, nothing before or after
    assert "演练" not in as_json.stdout
    assert as_json.stderr.splitlines()[0].startswith("【演练】")
    as_csv = drill.cli(*command, "--format", "csv", env=TODAY)
    assert as_csv.returncode == 0, as_csv.stderr
    assert as_csv.stdout.startswith("\ufeff") and "演练" not in as_csv.stdout
    rows = list(csv.reader(io.StringIO(as_csv.stdout.lstrip("\ufeff"))))
    assert rows and "演练" not in ",".join(rows[0])
    assert as_csv.stderr.splitlines()[0].startswith("【演练】")


def test_messages_and_refusals_of_a_drill_are_not_marked(drill):
    # A refusal stays one line on stderr; an id printed for a script stays alone on its line.
    _one_line(drill.cli("tally", user="i3", env=TODAY), 1)
    made = drill.cli("selfcheck", "gap", "U1", "--item", "A1", "--problem", "x", env=TODAY)
    assert made.returncode == 1 and "演练" not in made.stdout + made.stderr  # self-check is closed


def test_a_real_database_prints_no_drill_line(tmp_path):
    db = Database(str(tmp_path / "real.json"))
    made = run_cli("init", "--admin", "office", db=db.path, password=PASSWORD)
    assert made.returncode == 0 and "演练" not in made.stdout
    real = World(dir=tmp_path, db=db, criteria=tmp_path / "criteria.yaml")
    real.criteria.write_text(SMALL_CRITERIA, encoding="utf-8")
    create_campaign(real)
    for command in REPORTS[:3]:
        result = real.cli(*command)
        assert result.returncode == 0, result.stderr
        assert "演练" not in result.stdout + result.stderr


def test_init_drill_says_it_made_a_drill(tmp_path):
    made = run_cli("init", "--admin", "office", "--drill", db=str(tmp_path / "d.json"), password=PASSWORD)
    assert made.returncode == 0 and made.stdout.startswith("【演练】")
    assert Database(str(tmp_path / "d.json")).is_drill()


def test_the_demo_tally_says_drill(tmp_path):
    result = run_cli("demo", "--no-tui", db=str(tmp_path / "demo.json"))
    assert result.returncode == 0, result.stderr
    assert "【演练】" in result.stdout


# ----------------------------------------------------------------------------- --due


@pytest.mark.parametrize("due", ["9999-12-30", "0001-01-01", "2024-05-01", "2024-02-29"])
def test_review_return_due_is_bounded_like_date(drill, due):
    nomination.nominate(drill.ctx(), ["U1"])
    before = drill.raw()
    line = _one_line(drill.cli("review", "return", "U1", "--request", "补正", "--due", due, env=TODAY), 2)
    assert due in line
    assert drill.raw() == before
    ok = drill.cli("review", "return", "U1", "--request", "补正", "--due", "2024-04-30", env=TODAY)
    assert ok.returncode == 0, ok.stderr  # today + 60 days is the last day allowed


@pytest.mark.parametrize("due", ["9999-12-31", "0001-01-01", "2025-03-03", "2023-12-31"])
def test_a_gap_due_date_is_bounded(world, monkeypatch, due):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    create_campaign(world)  # self-check open; the rectification may be due up to a year ahead
    before = world.raw()
    command = ("selfcheck", "gap", "U1", "--item", "A1", "--problem", "目录未公开", "--due", due)
    line = _one_line(world.cli(*command, env=TODAY), 2)
    assert "--due" in line and due in line
    assert world.raw() == before
    ok = world.cli(*command[:-1], "2025-03-01", env=TODAY)
    assert ok.returncode == 0, ok.stderr


def test_a_gap_due_from_the_dashboard_is_checked_the_same_way(world, monkeypatch):
    from modelunit.domain import selfcheck
    from modelunit.errors import BadInput

    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    create_campaign(world)
    ctx = context.Context(world.db, users.sign_in(world.db, "clerk1", PASSWORD))
    with pytest.raises(BadInput):
        selfcheck.add_gap(ctx, "U1", "A1", "目录未公开", "", "9999-12-31")
    assert selfcheck.add_gap(ctx, "U1", "A1", "目录未公开", "", "2024-06-30").due == "2024-06-30"
