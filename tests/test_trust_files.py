"""Attacks through files: FIFOs, modes, symlinks, read-only databases, tampered evidence (issue 9, items 5, 6, 8)."""

from __future__ import annotations

import os
import stat

from modelunit.storage import evidence

ENV = {"MODELUNIT_TODAY": "2024-03-01"}


def test_fifos_given_to_imports_and_criteria_check_are_refused_at_once(world):
    fifo = world.dir / "pipe.csv"
    os.mkfifo(fifo)
    for args in (("unit", "import", str(fifo)), ("criteria", "check", str(fifo))):
        result = world.cli(*args, env=ENV)  # would hang until run_cli's timeout before
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_save_keeps_the_database_mode_and_writes_through_a_symlink(world):
    os.chmod(world.db.path, 0o640)
    real = world.dir / "mu.json"
    link = world.dir / "link.json"
    os.symlink(real, link)
    from tests.conftest import PASSWORD, run_cli

    result = run_cli("user", "add", "newbie", "--role", "inspector", db=str(link), user="office", password=PASSWORD,
                     env={**ENV, "MODELUNIT_NEW_PASSWORD": "a-long-pass-1"}, cwd=world.dir)
    assert result.returncode == 0, result.stderr
    assert os.path.islink(link) and b"newbie" in real.read_bytes()
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640


def test_a_read_only_database_is_refused_not_rewritten(world):
    os.chmod(world.db.path, 0o444)
    before = world.raw()
    result = world.cli("user", "add", "newbie", "--role", "inspector",
                       env={**ENV, "MODELUNIT_NEW_PASSWORD": "a-long-pass-1"})
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert world.raw() == before and stat.S_IMODE(os.stat(world.db.path).st_mode) == 0o444


def test_evidence_is_no_more_readable_than_the_database_and_a_tampered_blob_is_repaired(tmp_path):
    store = tmp_path / "ev"
    src = tmp_path / "a.txt"
    src.write_bytes(b"original evidence")
    sha, size = evidence.store(str(store), str(src), 0o600)
    blob = evidence.blob_path(str(store), sha)
    assert stat.S_IMODE(os.stat(blob).st_mode) == 0o600
    os.chmod(blob, 0o600)
    with open(blob, "wb") as fh:
        fh.write(b"tampered")
    assert evidence.check(str(store), sha, size) == "changed"
    evidence.store(str(store), str(src), 0o600)  # re-adding the original repairs the stored copy
    assert evidence.check(str(store), sha, size) == "ok"


def test_a_full_evidence_folder_says_what_failed(tmp_path):
    import pytest

    from modelunit.errors import BadInput

    src = tmp_path / "a.txt"
    src.write_bytes(b"x" * 10)
    with pytest.raises(BadInput) as err:
        evidence.store("/proc/no-such-store", str(src), 0o600)
    assert err.value.key == "evidence.store_failed"
