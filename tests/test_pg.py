"""The database on PostgreSQL (issue 16): created by init, refused when newer, copied to and from the
file, written by several writers at once, and a connection dropped in the middle of a write."""

from __future__ import annotations

import json
import os
import re
import threading

import psycopg
import pytest

from modelunit.domain import audit, users
from modelunit.errors import Refused
from modelunit.storage.database import Database
from modelunit.storage.pg import PgDatabase
from tests import pgcluster
from tests.conftest import PASSWORD, create_campaign, pg_world, run_cli
from tests.test_tui import settle


@pytest.fixture
def url(tmp_path, monkeypatch) -> str:
    monkeypatch.setenv("MODELUNIT_FILES", str(tmp_path / "files"))
    return pgcluster.new_database(os.environ[pgcluster.ENV])


def cli(url: str, *args: str, cwd, user: str | None = "office", env: dict | None = None):
    return run_cli(*args, db=url, user=user, password=PASSWORD, cwd=cwd,
                   env={"MODELUNIT_FILES": str(cwd / "files"), **(env or {})})


def test_init_creates_the_schema_on_an_empty_database_and_a_campaign_runs_through_the_cli(url, tmp_path):
    r = cli(url, "init", "--admin", "office", cwd=tmp_path)
    assert r.returncode == 0 and url in r.stdout, r.stderr
    (tmp_path / "u.csv").write_text("code,name,type\nU1,城关镇人民政府,township\nU2,区卫生局,department\n",
                                    encoding="utf-8")
    assert cli(url, "unit", "import", "u.csv", cwd=tmp_path).returncode == 0
    listing = cli(url, "unit", "list", "--format", "json", cwd=tmp_path)
    assert [u["code"] for u in json.loads(listing.stdout)] == ["U1", "U2"]
    verify = cli(url, "audit", "verify", cwd=tmp_path)
    assert verify.returncode == 0 and "审计日志完整" in verify.stdout
    before = PgDatabase(url).consistent_bytes()
    again = cli(url, "init", "--admin", "office", cwd=tmp_path)
    assert again.returncode == 1 and "数据库已存在" in again.stderr and again.stderr.count("\n") == 1
    assert PgDatabase(url).consistent_bytes() == before


def test_a_password_in_the_url_is_refused_and_never_repeated(url, tmp_path):
    secret = "Pa55-word-in-url"
    with_password = url.replace("postgres@", f"postgres:{secret}@")
    r = cli(with_password, "unit", "list", cwd=tmp_path)
    assert r.returncode == 2 and "PGPASSWORD" in r.stderr and secret not in r.stderr + r.stdout


def test_a_newer_schema_is_refused_with_one_line_and_left_alone(url, tmp_path):
    assert cli(url, "init", "--admin", "office", cwd=tmp_path).returncode == 0
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE modelunit_state SET version = 99")
    r = cli(url, "unit", "list", cwd=tmp_path)
    assert r.returncode == 1 and "第 99 版" in r.stderr and r.stderr.count("\n") == 1
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT version FROM modelunit_state").fetchone()[0] == 99  # left as it was


def test_a_lockout_holds_on_every_machine_that_serves_the_database(template_dir, tmp_path, monkeypatch):
    """Two machines (each with its own folder of files) against one database: five wrong passwords on one
    lock the name out on the other too, and an unlock on the other lifts it for both."""
    world = pg_world(template_dir, tmp_path, monkeypatch)
    before = world.raw()
    machine = {m: {"MODELUNIT_FILES": str(tmp_path / m)} for m in ("a", "b")}
    for _ in range(5):
        r = run_cli("unit", "list", db=world.db.locator, user="clerk1", password="guess-guess", env=machine["a"])
        assert r.returncode == 1
    on_b = run_cli("unit", "list", db=world.db.locator, user="clerk1", password=PASSWORD, env=machine["b"])
    assert on_b.returncode == 1 and "锁定" in on_b.stderr and on_b.stderr.count("\n") == 1
    assert world.raw() == before  # counted beside the documents: the data is as it was
    unlock = run_cli("user", "unlock", "clerk1", db=world.db.locator, user="office", password=PASSWORD,
                     env=machine["b"])
    assert unlock.returncode == 0, unlock.stderr
    assert run_cli("unit", "list", db=world.db.locator, user="clerk1", password=PASSWORD,
                   env=machine["a"]).returncode == 0


def test_a_database_of_the_first_schema_is_read_and_brought_up_to_date_by_the_next_write(template_dir, tmp_path,
                                                                                            monkeypatch):
    world = pg_world(template_dir, tmp_path, monkeypatch)
    with psycopg.connect(world.db.locator, autocommit=True) as conn:  # as version 1 of the program left it
        conn.execute("DROP TABLE modelunit_signins")
        conn.execute("UPDATE modelunit_state SET version = 1")
    fresh = PgDatabase(world.db.locator)
    assert fresh.signins.locked_until("clerk1", users._now()) is None and not fresh.signins.pending("clerk1")
    assert world.cli("unit", "list").returncode == 0  # read as it is
    r = world.cli("unit", "list", user="clerk1", password="guess-guess")
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    with psycopg.connect(world.db.locator) as conn:
        assert conn.execute("SELECT version FROM modelunit_state").fetchone()[0] == 2
        assert conn.execute("SELECT name, failures FROM modelunit_signins").fetchall() == [("clerk1", 1)]
    assert audit.verify(fresh.snapshot()).ok


def test_db_copy_takes_a_file_into_postgresql_and_back_and_refuses_a_full_target(world, url, tmp_path):
    r = world.cli("db", "copy", world.db.path, url)
    assert r.returncode == 0 and "两端一致" in r.stdout, r.stderr
    back = tmp_path / "back.json"
    assert world.cli("db", "copy", url, str(back)).returncode == 0
    assert json.loads(back.read_text(encoding="utf-8")) == json.loads(world.raw())
    assert audit.verify(Database(str(back)).snapshot()).ok
    stored = PgDatabase(url).consistent_bytes()
    again = world.cli("db", "copy", world.db.path, url)
    assert again.returncode == 1 and "数据库已存在" in again.stderr
    assert PgDatabase(url).consistent_bytes() == stored
    assert world.cli("db", "copy", url, str(back)).returncode == 1  # a file that is there is not overwritten


def test_eight_concurrent_writers_lose_no_update(template_dir, tmp_path, monkeypatch):
    world = pg_world(template_dir, tmp_path, monkeypatch)
    per_writer, errors = 15, []

    def writer(n: int) -> None:
        db = PgDatabase(world.db.locator)
        try:
            for _ in range(per_writer):
                with db.transaction() as tx:
                    count = (tx.meta.get("counter") or {"n": 0})["n"]
                    tx.meta.put("counter", {"n": count + 1})
                    audit.record(tx, f"w{n}", "unit.import", None, "counter", count, count + 1)
        except Exception as e:  # noqa: BLE001 — reported below
            errors.append(e)
        finally:
            db.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    snap = PgDatabase(world.db.locator).snapshot()
    assert snap.meta.get("counter") == {"n": 8 * per_writer}
    check = audit.verify(snap)
    assert check.ok and check.count >= 8 * per_writer


def test_threads_sharing_one_database_object_read_and_write_one_at_a_time(template_dir, tmp_path, monkeypatch):
    """The dashboard's case: one database object, an action writing in one worker thread while the board
    is read in another (and the screen reads on its own thread).  Each sees whole writes only, and no
    write is lost or broken off."""
    world = pg_world(template_dir, tmp_path, monkeypatch)
    db, writes, errors, seen = world.db, 40, [], set()
    stop, read = threading.Event(), threading.Event()

    def writer() -> None:
        try:
            for _ in range(writes):
                with db.transaction() as tx:
                    count = (tx.meta.get("counter") or {"n": 0})["n"]
                    tx.meta.put("counter", {"n": count + 1})
                    tx.meta.put("twin", {"n": count + 1})  # two rows of one write: a reader sees both or neither
                # A lock is not fair: without a read between two writes the writer could take it back at once,
                # every time, and the readers would only ever see the end.
                read.clear()
                read.wait(timeout=5)
        except Exception as e:  # noqa: BLE001 — reported below
            errors.append(e)
        finally:
            stop.set()

    def reader() -> None:
        try:
            while not stop.is_set():
                snap = db.snapshot()
                pair = (snap.meta.get("counter"), snap.meta.get("twin"))
                assert pair[0] == pair[1], pair
                seen.add((pair[0] or {"n": 0})["n"])
                read.set()
                db.stamp()
        except Exception as e:  # noqa: BLE001 — reported below
            errors.append(e)

    threads = [threading.Thread(target=writer), threading.Thread(target=reader), threading.Thread(target=reader)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    assert db.snapshot().meta.get("counter") == {"n": writes} and len(seen) > 1


def test_a_connection_dropped_in_the_middle_of_a_write_leaves_nothing_and_one_line(template_dir, tmp_path,
                                                                                    monkeypatch):
    world = pg_world(template_dir, tmp_path, monkeypatch)
    before = world.raw()
    db = PgDatabase(world.db.locator)
    with pytest.raises(Refused) as caught:
        with db.transaction() as tx:
            tx.units.put("U9", {"code": "U9", "name": "半途单位", "type": "department"})
            tx.flush()  # the row is written inside the transaction…
            pid = tx.conn.info.backend_pid
            with psycopg.connect(pgcluster.admin_url(os.environ[pgcluster.ENV]), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))  # …and the connection dropped
            audit.record(tx, "office", "unit.import", None, "U9", None, "半途单位")
    message = caught.value.render()
    assert "未做任何更改" in message and "\n" not in message
    assert PgDatabase(world.db.locator).consistent_bytes() == before
    assert db.snapshot().units.get("U9") is None  # the same object connects again


async def test_the_dashboard_runs_on_postgresql_and_sees_another_users_change(template_dir, tmp_path, monkeypatch):
    from textual.widgets import DataTable

    from modelunit.domain import context, units, users
    from modelunit.tui.app import ModelUnitApp
    from modelunit.tui.screens.unit_screen import UnitScreen

    world = pg_world(template_dir, tmp_path, monkeypatch)
    create_campaign(world)
    db = PgDatabase(world.db.locator)
    app = ModelUnitApp(db, context.Context(db, users.sign_in(db, "office", PASSWORD)))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)  # a server database is read in a worker
        table = pilot.app.screen.query_one("#units", DataTable)
        assert [str(table.get_row_at(i)[1]) for i in range(table.row_count)][:2] == ["城关镇人民政府", "东风街道办事处"]
        # Another user, elsewhere, renames a unit: the table redraws within its 2 s poll.
        units.import_units(world.ctx(), [(2, {"code": "U1", "name": "城关镇", "type": "township"})], "u.csv")
        await pilot.pause(2.5)
        await settle(pilot)
        table = pilot.app.screen.query_one("#units", DataTable)
        assert str(table.get_row_at(0)[1]) == "城关镇"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, UnitScreen) and pilot.app.screen.code == "U1"
    db.close()


def test_the_readmes_postgresql_block_runs_against_a_server(demo_templates, tmp_path):
    """The README's PostgreSQL commands as a reader runs them after the campaign (signed in as the
    office), with the example server's URL and files folder replaced by the suite's."""
    import shutil
    import subprocess

    from tests.readme import blocks, failed, reader_env

    block = next(b for b in blocks() if b.is_postgresql)
    example = re.search(r"postgresql://\S+", block.text).group(0)
    url = pgcluster.new_database(os.environ[pgcluster.ENV])
    script = block.text.replace(example, url).replace("/srv/modelunit/files", str(tmp_path / "files"))
    shutil.copy(demo_templates() / "demo.json", tmp_path / "modelunit.json")
    shutil.copytree(demo_templates() / "demo.evidence", tmp_path / "modelunit.evidence")
    env = {**reader_env(tmp_path), "MODELUNIT_USER": "admin", "MODELUNIT_PASSWORD": "demo1234"}
    r = subprocess.run(["bash", "-e", "-x", "-c", script], cwd=tmp_path, env=env, text=True, capture_output=True,
                       timeout=120)
    assert r.returncode == 0, failed(r)
    assert "两端一致" in r.stdout and "审计日志完整" in r.stdout and "拟命名" in r.stdout
    # The evidence came along, into the server database's files folder, every file under its digest.
    source = sorted(p.name for p in (tmp_path / "modelunit.evidence").rglob("*") if p.is_file())
    copied = sorted(p.name for p in (tmp_path / "files").rglob("*") if p.is_file() and ".evidence" in str(p))
    assert source and copied == source


async def test_two_servers_on_two_machines_serve_one_database(template_dir, tmp_path, monkeypatch):
    """``modelunit serve`` on two machines (each its own folder of files) against one database: a clerk's
    save through one is on the other's screen.  (That a lockout holds on both is shown above, from the
    command line: a session signs in through the same check.)"""
    import aiohttp

    from tests.serving import open_session, served

    world = pg_world(template_dir, tmp_path, monkeypatch)
    create_campaign(world)
    world.db.close()
    with served(db=world.db.locator, env={"MODELUNIT_FILES": str(tmp_path / "a")}) as (url_a, _), \
            served(db=world.db.locator, env={"MODELUNIT_FILES": str(tmp_path / "b")}) as (url_b, _):
        async with aiohttp.ClientSession() as http:
            on_a, on_b = await open_session(http, url_a), await open_session(http, url_b)
            await on_a.wait_for("用户名", "密码")
            await on_b.wait_for("用户名", "密码")
            mark = await on_a.sign_in("clerk1", PASSWORD)
            await on_a.wait_for("clerk1（单位填报员）", "城关镇人民政府", since=mark)  # read in a worker
            mark = on_a.mark()
            await on_a.type("\r")
            await on_a.wait_for("自评合计 0.00 / 20", since=mark)
            await on_a.settle("5")
            mark = on_a.mark()
            await on_a.type("\x13")
            await on_a.wait_for("已保存", since=mark)

            mark = await on_b.sign_in("office", PASSWORD)
            await on_b.wait_for("office", "城关镇人民政府", since=mark)
            mark = on_b.mark()
            await on_b.type("\r")  # the office opens U1 on the other machine: the clerk's score is there
            await on_b.wait_for("自评合计 5.00 / 20", since=mark)
            await on_b.ws.close()

            await on_a.ws.close()
    assert world.reopened().snapshot().entries.get("2024-1|U1")["selfcheck"]["A1"]["score"] == "5"
