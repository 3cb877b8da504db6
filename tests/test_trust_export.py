"""Attacks through `modelunit export`: pointing it at what it must never destroy (issue 9, item 2)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import openpyxl
import pytest

from modelunit.domain import assignment, nomination
from tests.conftest import PASSWORD
from tests.helpers import to_nomination

ENV = {"MODELUNIT_TODAY": "2024-03-01"}


def _refused(world, target: str, code: int = 2) -> str:
    before = world.raw()
    result = world.cli("export", target, env=ENV)
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert world.raw() == before
    return result.stderr


@pytest.fixture
def campaign(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    return to_nomination(world)


def test_export_refuses_the_database_its_lock_log_and_evidence(world, campaign):
    db = world.db
    open(db.lock_path, "a").close()
    open(db.log_path, "a").close()
    for target in (db.path, db.lock_path, db.log_path, db.evidence_dir):
        _refused(world, target)
    os.symlink(db.path, world.dir / "alias.xlsx")
    _refused(world, str(world.dir / "alias.xlsx"))
    os.link(db.path, world.dir / "hard.xlsx")
    _refused(world, str(world.dir / "hard.xlsx"))
    blob = next(p for p in os.scandir(db.evidence_dir))
    os.symlink(blob.path, world.dir / "blob.xlsx")
    _refused(world, str(world.dir / "blob.xlsx"))


def test_export_refuses_devices_fifos_folders_and_other_names(world, campaign):
    os.mkfifo(world.dir / "pipe.xlsx")
    os.mkdir(world.dir / "folder.xlsx")
    for target in ("/dev/full", "/dev/null", str(world.dir / "pipe.xlsx"), str(world.dir / "folder.xlsx"),
                   str(world.dir / "report.xls"), str(world.dir / "report")):
        _refused(world, target)
    assert stat.S_ISFIFO(os.stat(world.dir / "pipe.xlsx").st_mode)


def test_a_read_only_folder_gives_one_clean_line(world, campaign):
    os.chmod(world.dir, 0o555)
    try:
        # root ignores the folder's mode; /sys refuses new files even to root
        folder = world.dir if not os.access(world.dir, os.W_OK) else "/sys"
        line = _refused(world, os.path.join(folder, "report.xlsx"))
        assert "report.xlsx" in line
    finally:
        os.chmod(world.dir, 0o755)


def test_a_failed_export_leaves_nothing_half_written(world, campaign):
    target = world.dir / "report.xlsx"
    target.write_bytes(b"the old report")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELUNIT_")}
    env.update(ENV, MODELUNIT_DB=world.db.path, MODELUNIT_USER="office", MODELUNIT_PASSWORD=PASSWORD)
    # The file-size limit makes the workbook's writes fail halfway (EFBIG) like a full disk would.
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000)); "
            "from modelunit.cli.main import main; sys.exit(main())")
    before = world.raw()
    result = subprocess.run([sys.executable, "-c", code, "export", str(target)], capture_output=True, text=True,
                            env=env, cwd=world.dir, timeout=120)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert target.read_bytes() == b"the old report"
    assert world.raw() == before
    assert [p for p in os.listdir(world.dir) if ".tmp" in p] == []


def test_a_good_export_is_no_more_readable_than_the_database(world, campaign):
    os.chmod(world.db.path, 0o640)
    result = world.cli("export", "out.xlsx", env=ENV)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(os.stat(world.dir / "out.xlsx").st_mode) == 0o640
    assert openpyxl.load_workbook(world.dir / "out.xlsx").sheetnames[0] == "汇总"


def test_score_sheets_take_odd_inspector_names(world, campaign, monkeypatch):
    from modelunit.domain import users

    for name in ("o'brien", "zhang", "ZHANG", "'quoted'"):
        users.add_user(world.ctx(), name, "inspector", None, "a-long-pass-1")
    nomination.nominate(world.ctx(), ["U1"])
    assignment.assign(world.ctx(), [("U1", n) for n in ("o'brien", "zhang", "ZHANG", "'quoted'")])
    os.mkdir(world.dir / "sheets")
    result = world.cli("export", "--score-sheets", str(world.dir / "sheets"), env=ENV)
    assert result.returncode == 0, result.stderr
    book = openpyxl.load_workbook(result.stdout.strip().splitlines()[0])
    assert len(book.sheetnames) == 4
    assert "o'brien" in book.sheetnames
