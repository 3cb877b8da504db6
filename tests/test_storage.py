"""Storage: atomic saves, faults at each step, the lock across processes, the audit chain."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
from pathlib import Path

import pytest

from modelunit import demo
from modelunit.domain import audit, selfcheck, users
from modelunit.errors import Refused
from modelunit.storage import files
from modelunit.storage.database import TABLES, Database, PrivateDatabase, Tx, open_database_at
from tests.conftest import create_campaign, rows


def _edit(world, score: int) -> None:
    selfcheck.import_selfcheck(world.ctx(), rows({"unit": "U1", "item": "A1", "score": score}), "s.csv")


def test_the_file_is_utf8_json_that_tinydb_can_open(world):
    create_campaign(world)
    text = Path(world.db.path).read_text(encoding="utf-8")
    assert "城关镇人民政府" in text  # ensure_ascii=False
    from tinydb import TinyDB

    with TinyDB(world.db.path) as raw:
        assert {"users", "units", "campaigns", "entries", "audit", "meta"} <= set(raw.tables())


def test_an_unknown_table_is_an_error_not_an_empty_table(world):
    tx = world.db.snapshot()
    with pytest.raises(AttributeError, match="no table 'unit'"):
        tx.unit  # noqa: B018 - the misspelling of tx.units is the point
    assert len(tx.units) == 4
    # The tables the type checker knows are exactly the tables a transaction opens.
    assert set(Tx.__annotations__) == TABLES


@pytest.mark.parametrize("step", ["_open", "_write", "_fsync", "_replace"])
def test_a_failure_at_any_step_of_a_save_leaves_the_old_file(world, monkeypatch, step):
    create_campaign(world)
    before = world.raw()

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, step, boom)
    with pytest.raises(Refused) as info:
        _edit(world, 3)
    assert info.value.key == "db.write_failed"
    assert "No space left on device" in info.value.render()
    assert world.raw() == before
    assert not list(Path(world.dir).glob(".mu.json.*.tmp"))


def test_temp_files_of_a_killed_writer_are_cleaned_up(world):
    create_campaign(world)
    stale = Path(world.dir) / ".mu.json.99999.deadbeef.tmp"
    stale.write_text("{half a file", encoding="utf-8")
    _edit(world, 3)
    assert not stale.exists()
    assert json.loads(world.raw())  # still whole


def test_a_lock_left_by_a_dead_process_does_not_block(world):
    create_campaign(world)
    pid = os.fork()
    if pid == 0:  # the child takes the lock and dies holding it
        fd = os.open(world.db.lock_path, os.O_RDWR | os.O_CREAT)
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)
        os._exit(0)
    os.waitpid(pid, 0)
    _edit(world, 4)
    assert world.entry("U1")["selfcheck"]["A1"]["score"] == "4"


def _writer(db_spec: str, inspector_items: list[tuple[str, int]], name: str) -> None:
    from modelunit.domain import context
    from modelunit.domain.models import User, from_dict

    db = open_database_at(db_spec)
    ctx = context.Context(db, from_dict(User, db.snapshot().users.get("office")))
    for code, n in inspector_items:
        selfcheck.add_gap(ctx, code, "A1", f"{name}-{n}", "", None)


def test_several_processes_writing_at_once_lose_nothing(any_world):
    world = any_world
    create_campaign(world)
    per_writer = 25
    procs = [multiprocessing.get_context("fork").Process(
        target=_writer, args=(world.db.locator, [("U1", n) for n in range(per_writer)], f"w{k}")) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    gaps = world.entry("U1")["gaps"]
    assert len(gaps) == 4 * per_writer
    assert {g["problem"] for g in gaps} == {f"w{k}-{n}" for k in range(4) for n in range(per_writer)}
    assert audit.verify(world.db.snapshot()).ok


def test_audit_verify_detects_an_edited_entry(any_world):
    world = any_world
    create_campaign(world)
    _edit(world, 3)
    data = json.loads(world.raw())
    key = sorted(data["audit"])[2]
    data["audit"][key]["user"] = "someone-else"
    world.overwrite(data)
    result = audit.verify(world.reopened().snapshot())
    assert not result.ok and result.broken_at == 3 and result.reason == "audit.edited"


def test_audit_verify_detects_a_removed_entry(any_world):
    world = any_world
    create_campaign(world)
    _edit(world, 3)
    data = json.loads(world.raw())
    del data["audit"][sorted(data["audit"])[1]]
    world.overwrite(data)
    assert not audit.verify(world.reopened().snapshot()).ok


def test_audit_verify_detects_reordered_entries(any_world):
    world = any_world
    create_campaign(world)
    _edit(world, 3)
    data = json.loads(world.raw())
    keys = sorted(data["audit"])
    a, b = data["audit"][keys[1]], data["audit"][keys[2]]
    a["seq"], b["seq"] = b["seq"], a["seq"]
    data["audit"][keys[1]], data["audit"][keys[2]] = b, a
    world.overwrite(data)
    assert not audit.verify(world.reopened().snapshot()).ok


def test_audit_verify_detects_the_newest_entries_cut_off(any_world):
    world = any_world
    create_campaign(world)
    _edit(world, 3)
    data = json.loads(world.raw())
    del data["audit"][sorted(data["audit"])[-1]]
    world.overwrite(data)
    result = audit.verify(world.reopened().snapshot())
    assert not result.ok and result.reason == "audit.truncated"


def test_every_change_has_exactly_one_audit_entry_with_before_and_after(any_world):
    world = any_world
    create_campaign(world)
    n = audit.head(world.db.snapshot())["seq"]
    _edit(world, 3)
    _edit(world, 5)
    entries = audit.entries(world.db.snapshot())
    assert len(entries) == n + 2
    last = entries[-1]
    assert (last["user"], last["action"], last["target"]) == ("office", "selfcheck.edit", "U1")
    assert last["before"]["A1"]["score"] == "3" and last["after"]["A1"]["score"] == "5"


def test_audit_verify_from_the_cli_exits_1_on_tampering(any_world):
    world = any_world
    create_campaign(world)
    data = json.loads(world.raw())
    first = sorted(data["audit"])[0]
    data["audit"][first]["after"] = {"role": "inspector"}
    world.overwrite(data)
    r = world.cli("audit", "verify")
    assert r.returncode == 1 and "第 1 条" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("damage", ['{"users": {', '["not", "a", "document"]'])
def test_a_damaged_database_gets_one_line_and_exit_2(any_world, damage):
    world = any_world
    if world.on_server:  # one row's document damaged on the server
        import psycopg

        with psycopg.connect(world.db.locator) as conn:
            conn.execute("UPDATE modelunit_documents SET doc = %s WHERE tbl = 'units' AND key = 'U2'", (damage,))
    else:
        Path(world.db.path).write_text(damage, encoding="utf-8")
    r = world.cli("unit", "list")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert "U2" in r.stderr or not world.on_server, r.stderr  # on a server: which document


def test_backup_is_a_consistent_verified_copy_and_refuses_bad_targets(any_world):
    world = any_world
    """`modelunit backup FILE.json`: the database as it stands, readable by modelunit, its chain intact;
    never over the database itself, never by a clerk."""
    target = world.dir / "backup.json"
    r = world.cli("backup", str(target))
    assert r.returncode == 0, r.stderr
    assert target.read_bytes() == world.raw()
    assert "审计日志" in r.stdout and ".evidence" in r.stdout
    assert Database(str(target)).snapshot().users.get("office") is not None
    before = world.raw()
    for path, code in ((world.db.path, 2), (str(world.dir / "backup.xlsx"), 2)):
        r = world.cli("backup", path)
        assert r.returncode == code and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = world.cli("backup", str(world.dir / "b2.json"), user="clerk1")
    assert r.returncode == 1 and not (world.dir / "b2.json").exists()
    assert world.raw() == before


def _without_salt_and_clock(data: dict) -> dict:
    """The data without what two builds never share: salted password hashes, the time of day of each
    change (its date is kept), and what is digested from them (the chain's hashes, the data digests)."""
    moment = re.compile(r"(\d{4}-\d\d-\d\d)T\d\d:\d\d:\d\d[^\"]*")

    salted = ("password_hash", "hash", "prev", "data", "digests")

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in salted}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return moment.sub(r"\1", value) if isinstance(value, str) else value
    return strip(data)


def test_the_demo_built_in_memory_is_the_demo_built_one_saved_transaction_at_a_time(tmp_path):
    """``build_demo`` works on a PrivateDatabase (read once, written once); the same build on an ordinary
    database reads and saves the file at each of its transactions.  Both store the same campaigns,
    scores, titles and audit trail, and both chains verify."""
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    built = Database(str(tmp_path / "a" / "demo.json"))
    demo.build_demo(built)
    by_file = Database(str(tmp_path / "b" / "demo.json"))
    demo._build(by_file, built.path)  # the path its first audit entry names, as build_demo's
    stored = [json.loads(Path(db.path).read_text(encoding="utf-8")) for db in (built, by_file)]
    assert len(stored[0]["audit"]) > 300 and len(stored[0]["entries"]) > 20
    assert _without_salt_and_clock(stored[0]) == _without_salt_and_clock(stored[1])
    for db in (built, by_file):
        check = audit.verify(db.snapshot())
        assert check.ok and check.count == len(stored[0]["audit"])


def test_a_private_database_is_written_once_and_a_refused_change_leaves_it_as_it_was(tmp_path):
    path = tmp_path / "private.json"
    private = PrivateDatabase(str(path))
    users.init_database(private, "office", "s3cret-pw")
    with private.transaction() as tx:
        tx.units.put("U1", {"code": "U1", "name": "城关镇"})
    assert not path.exists()  # nothing on disk until write()
    before = json.dumps(private.snapshot().data, sort_keys=True)
    with pytest.raises(Refused):
        with private.transaction() as tx:
            tx.units.put("U2", {"code": "U2", "name": "河西镇"})
            tx.units.put("U1", {"code": "U1", "name": "改过的名字"})
            raise Refused("db.read_only", path=str(path))
    assert json.dumps(private.snapshot().data, sort_keys=True) == before
    private.write()
    on_disk = Database(str(path)).snapshot()
    assert on_disk.units.get("U1")["name"] == "城关镇" and on_disk.units.get("U2") is None
    assert json.dumps(on_disk.data, sort_keys=True) == before
