"""Attacks on the record: data edited behind the audit's back, and a rewritten chain (issue 9, item 3)."""

from __future__ import annotations

import json
from pathlib import Path

from modelunit.domain import audit, nomination
from tests.helpers import to_nomination

ENV = {"MODELUNIT_TODAY": "2024-03-01"}


def _hand_edit(world, change) -> None:
    data = json.loads(world.raw())
    change(data)
    world.overwrite(data)  # the file in an editor, or the rows in psql


def _entry_key(data: dict, code: str) -> str:
    return next(k for k, e in data["entries"].items() if e["unit"] == code)


def _award_by_hand(data: dict) -> None:
    data["entries"][_entry_key(data, "U1")]["status"] = "awarded"


def test_a_unit_awarded_in_an_editor_fails_verify(any_world, monkeypatch):
    world = any_world
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    to_nomination(world)
    assert world.cli("audit", "verify", env=ENV).returncode == 0
    _hand_edit(world, _award_by_hand)
    result = world.cli("audit", "verify", env=ENV)
    assert result.returncode == 1, result.stdout
    assert "entries" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_hand_edit_is_not_absorbed_by_the_next_change(any_world, monkeypatch):
    world = any_world
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    to_nomination(world)
    _hand_edit(world, _award_by_hand)
    nomination.nominate(world.ctx(), ["U2"])  # a legitimate change rewrites the entries table afterwards
    result = audit.verify(world.db.snapshot())
    assert not result.ok and result.reason == "audit.data_edited" and "entries" in result.detail
    cli = world.cli("audit", "verify", env=ENV)
    assert cli.returncode == 1 and "entries" in cli.stderr


def test_a_drill_flag_planted_by_hand_is_detected(tmp_path):
    from tests.conftest import PASSWORD, run_cli

    db = str(tmp_path / "real.json")
    assert run_cli("init", "--admin", "boss", db=db, password=PASSWORD).returncode == 0
    data = json.loads(Path(db).read_text(encoding="utf-8"))
    data["meta"]["drill"] = {"first": None, "latest": None}
    Path(db).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = run_cli("audit", "verify", db=db, user="boss", password=PASSWORD)
    assert result.returncode == 1 and "meta" in result.stderr


def test_a_recomputed_chain_loses_its_anchor(any_world, monkeypatch):
    world = any_world
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    to_nomination(world)
    printed = audit.head(world.db.snapshot())["hash"]
    ok = world.cli("audit", "verify", "--anchor", printed, env=ENV)
    assert ok.returncode == 0 and printed in ok.stdout
    assert world.cli("audit", "verify", "--anchor", printed[:16], env=ENV).returncode == 0  # as on the footer

    # An insider rewrites the last entry and recomputes every hash and digest: verify alone passes ...
    def rewrite(data):
        keys = sorted(data["audit"])
        data["audit"][keys[-1]]["user"] = "someone-else"
        prev = data["audit"][keys[-2]]["hash"]
        for key in keys[-1:]:
            data["audit"][key]["prev"] = prev
            data["audit"][key]["hash"] = prev = audit._digest(data["audit"][key])
        data["meta"]["audit"]["hash"] = prev
    _hand_edit(world, rewrite)
    assert world.cli("audit", "verify", env=ENV).returncode == 0
    # ... but the hash printed on the earlier report is gone from the chain.
    gone = world.cli("audit", "verify", "--anchor", printed, env=ENV)
    assert gone.returncode == 1 and printed in gone.stderr
    assert world.cli("audit", "verify", "--anchor", "0" * 64, env=ENV).returncode == 1


def test_an_old_database_says_where_digests_start(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")

    def strip_digests(data):  # the database as an older version wrote it
        prev = audit.GENESIS
        for key in sorted(data["audit"]):
            entry = data["audit"][key]
            entry.pop("data", None)
            entry["prev"] = prev
            entry["hash"] = prev = audit._digest(entry)
        data["meta"]["audit"]["hash"] = prev
        data["meta"].pop("digests", None)
    _hand_edit(world, strip_digests)
    old = world.cli("audit", "verify", env=ENV)
    assert old.returncode == 0, old.stderr
    count = audit.head(world.db.snapshot())["seq"]
    to_nomination(world)
    result = world.cli("audit", "verify", env=ENV)
    assert result.returncode == 0, result.stderr
    assert f"第 {count + 1} 条" in result.stdout
