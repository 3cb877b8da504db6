"""The smaller holes of issue 9 (item 10): audit --limit, notes on a submitted sheet, material verify
for inspectors and clerks, and CSV files that are not wholly one encoding."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelunit.domain import sheets
from modelunit.errors import Refused
from tests.helpers import FULL, score, to_inspection
from tests.test_trust_clock import _one_line

TODAY = {"MODELUNIT_TODAY": "2024-03-01"}


def _audit_rows(result) -> list[str]:
    """The sequence numbers of the rows ``audit list`` printed (below the header's dashes)."""
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    dashes = next(i for i, line in enumerate(lines) if line.startswith("---"))
    return [line.split()[0] for line in lines[dashes + 1:] if line.strip()]


# ----------------------------------------------------------------------------- audit list --limit


@pytest.mark.parametrize("limit", ["-1", "-5"])
def test_a_negative_audit_limit_is_bad_input(world, limit):
    before = world.raw()
    line = _one_line(world.cli("audit", "list", "--limit", limit), 2)
    assert "--limit" in line and limit in line
    assert world.raw() == before


def test_audit_limit_zero_lists_everything_and_n_the_newest_n(world):
    everything = _audit_rows(world.cli("audit", "list"))
    assert len(everything) >= 5  # the template's units and users
    assert _audit_rows(world.cli("audit", "list", "--limit", "0")) == everything
    assert _audit_rows(world.cli("audit", "list", "--limit", "2")) == everything[-2:]
    assert _audit_rows(world.cli("audit", "list", "--limit", "100000")) == everything


# ----------------------------------------------------------------------------- notes on a submitted sheet


def test_notes_on_a_submitted_sheet_are_refused_for_everyone(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    to_inspection(world, codes=("U1",))
    sheets.set_sheet_notes(world.ctx("i1"), "U1", "i1", hearing="听取汇报")
    score(world, "U1", "i1", FULL)
    sheets.submit_scores(world.ctx("i1"), "U1")
    before = world.raw()
    for actor in ("i1", "office"):
        with pytest.raises(Refused) as caught:
            sheets.set_sheet_notes(world.ctx(actor), "U1", "i1", hearing="改过的记录", visit="现场")
        assert caught.value.key == "score.notes_locked"
        assert "U1" in caught.value.render()
    assert world.raw() == before
    stored = world.db.snapshot().sheets.get("2024-1|U1|i1")
    assert stored["hearing"] == "听取汇报" and not stored["visit"]


# ----------------------------------------------------------------------------- material verify


def test_material_verify_without_a_unit_checks_what_each_role_may_see(world):
    to_inspection(world, codes=("U1", "U2"), team=("i1", "i2"))
    admin = world.cli("material", "verify", env=TODAY)
    assert admin.returncode == 0, admin.stderr
    assert "U1" in admin.stdout and "U2" in admin.stdout
    inspector = world.cli("material", "verify", user="i1", env=TODAY)
    assert inspector.returncode == 0, inspector.stderr
    assert "U1" in inspector.stdout and "U2" in inspector.stdout
    clerk = world.cli("material", "verify", user="clerk1", env=TODAY)
    assert clerk.returncode == 0, clerk.stderr
    assert "U1" in clerk.stdout and "U2" not in clerk.stdout
    # i3 inspects nothing: an empty check, not a refusal
    nobody = world.cli("material", "verify", user="i3", env=TODAY)
    assert nobody.returncode == 0, nobody.stderr
    assert "U1" not in nobody.stdout
    # naming a unit one may not see is still refused
    assert "U2" in _one_line(world.cli("material", "verify", "U2", user="clerk1", env=TODAY), 1)
    _one_line(world.cli("material", "verify", "NOPE", env=TODAY), 2)


# ----------------------------------------------------------------------------- mixed encodings


def test_a_csv_partly_utf8_partly_gb18030_is_refused_at_the_line(world, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes("单位代码,单位名称,类型\nU7,新华镇,乡镇\n".encode("gb18030")
                     + "U8,人民路街道,街道\n".encode() + "U9,和平镇,乡镇\n".encode("gb18030"))
    before = world.raw()
    line = _one_line(world.cli("unit", "import", str(path)), 2)
    assert line.startswith(f"{path}:3:"), line
    assert "UTF-8" in line and "GB18030" in line
    assert world.raw() == before
    # the same rows in one encoding import cleanly, either one
    for encoding in ("gb18030", "utf-8"):
        path.write_bytes("单位代码,单位名称,类型\nU7,新华镇,乡镇\nU8,人民路街道,街道\n".encode(encoding))
        assert world.cli("unit", "import", str(path)).returncode == 0


def test_a_utf8_file_with_gb18030_lines_later_names_the_first_of_them(world, tmp_path):
    path = tmp_path / "mixed.csv"
    text = "unit,item,score,note\n" + "".join(f"U1,A{i},1,自评{i}\n" for i in (1, 2))
    path.write_bytes(text.encode("utf-8") + "U1,B1,1,规范\n".encode("gb18030"))
    line = _one_line(world.cli("selfcheck", "import", str(path), env=TODAY), 2)
    assert Path(line.split(":")[0]) == path and line.split(":")[1] == "4", line
