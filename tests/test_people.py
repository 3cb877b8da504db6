"""People (issue 12): users imported with initial passwords, changed at first sign-in; disabled and
enabled; passwords reset by an admin and changed by their owner."""

from __future__ import annotations

import csv
import io
import os
import stat

from textual.widgets import Input, Static

from modelunit.domain import users
from modelunit.tui.app import ModelUnitApp
from modelunit.tui.dialogs.password_dialog import PasswordDialog
from modelunit.tui.screens.dashboard_screen import DashboardScreen
from tests.conftest import PASSWORD

PEOPLE = "用户名,姓名,角色,单位,联系方式\nzhangw,张伟,考察组成员,,0000-1234\nclerk.u1,李娜,单位填报员,U1,0000-5678\n"


def ok(result):
    assert result.returncode == 0, result.stderr
    return result


def refused(result, code: int, *words: str):
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    return result


def imported(world, text: str = PEOPLE) -> dict[str, str]:
    path = world.dir / "people.csv"
    path.write_text(text, encoding="utf-8")
    r = ok(world.cli("user", "import", str(path)))
    lines = r.stdout.splitlines()
    return {line.split()[0]: line.split()[-1] for line in lines if line.startswith(("zhangw", "clerk.u1"))}


def test_imported_users_get_initial_passwords_shown_once_and_must_change_them(world):
    passwords = imported(world)
    assert set(passwords) == {"zhangw", "clerk.u1"} and len(set(passwords.values())) == 2
    stored = world.db.snapshot().users.get("zhangw")
    assert stored["real_name"] == "张伟" and stored["role"] == "inspector" and stored["must_change"] is True
    assert passwords["zhangw"] not in world.raw().decode("utf-8")  # only its hash is kept
    listing = ok(world.cli("user", "list")).stdout
    assert "张伟" in listing and "初始密码未修改" in listing

    before = world.raw()
    refused(world.cli("unit", "list", user="clerk.u1", password=passwords["clerk.u1"]), 1, "modelunit passwd")
    assert world.raw() == before
    refused(world.cli("passwd", user="clerk.u1", password=passwords["clerk.u1"],
                      env={"MODELUNIT_NEW_PASSWORD": "clerk.u1"}), 2)  # the policy holds for changes too
    ok(world.cli("passwd", user="clerk.u1", password=passwords["clerk.u1"],
                 env={"MODELUNIT_NEW_PASSWORD": "李娜的新密码2027"}))
    units = ok(world.cli("unit", "list", user="clerk.u1", password="李娜的新密码2027")).stdout
    assert "U1" in units and "U2" not in units  # a clerk sees its own unit
    refused(world.cli("unit", "list", user="clerk.u1", password=passwords["clerk.u1"]), 1)
    ops = [e["action"] for e in world.db.snapshot().audit.values()]
    assert ops.count("user.add") >= 2 and "user.passwd" in ops


def test_initial_passwords_can_go_to_a_file_only_its_creator_may_read(world):
    path = world.dir / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    target = world.dir / "initial.csv"
    r = ok(world.cli("user", "import", str(path), "--passwords", str(target)))
    assert str(target) in r.stdout and "zhangw" not in r.stdout
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "用户" and {row[0] for row in rows[1:]} == {"zhangw", "clerk.u1"}
    # Never over an existing file, and then nothing is added.
    path.write_text("name,role\nwangq,inspector\n", encoding="utf-8")
    before = world.raw()
    refused(world.cli("user", "import", str(path), "--passwords", str(target)), 2, str(target))
    assert world.raw() == before


def test_a_bad_row_refuses_the_whole_file(world):
    path = world.dir / "people.csv"
    before = world.raw()
    for text, line, word in (
            ("name,role,unit\nok.one,inspector,\nbad.two,chief,\n", 3, "chief"),
            ("name,role,unit\nok.one,unit,NOPE\n", 2, "NOPE"),
            ("name,role\nok.one,inspector\nok.one,admin\n", 3, "ok.one"),
            ("name,role\ni1,inspector\n", 2, "i1"),  # exists already
            ("name,role\nbad\u202ename,inspector\n", 2, "")):
        path.write_text(text, encoding="utf-8")
        r = world.cli("user", "import", str(path))
        assert r.returncode == 2 and f"people.csv:{line}" in r.stderr and word in r.stderr, r.stderr
        assert "Traceback" not in r.stderr
    assert world.raw() == before


def test_a_disabled_user_cannot_sign_in_until_enabled(world):
    ok(world.cli("user", "disable", "i1"))
    refused(world.cli("unit", "list", user="i1"), 1, "停用")
    refused(world.cli("user", "disable", "office"), 1)  # not yourself
    refused(world.cli("user", "enable", "i1", user="clerk1"), 1)  # an admin's command
    ok(world.cli("user", "enable", "i1"))
    ok(world.cli("unit", "list", user="i1"))
    refused(world.cli("user", "disable", "nobody"), 2, "nobody")


def test_the_last_active_admin_cannot_be_disabled(world):
    ok(world.cli("user", "add", "second", "--role", "admin", env={"MODELUNIT_NEW_PASSWORD": "second-admin-pw"}))
    ok(world.cli("user", "disable", "office", user="second", password="second-admin-pw"))
    refused(world.cli("user", "disable", "second", user="second", password="second-admin-pw"), 1)


def test_a_reset_password_is_printed_once_and_must_be_changed(world):
    r = ok(world.cli("user", "reset-password", "i1"))
    fresh = r.stdout.splitlines()[-1]
    assert len(fresh) == 12 and fresh not in world.raw().decode("utf-8")
    refused(world.cli("unit", "list", user="i1"), 1)  # the old password is gone
    refused(world.cli("unit", "list", user="i1", password=fresh), 1, "modelunit passwd")
    ok(world.cli("passwd", user="i1", password=fresh, env={"MODELUNIT_NEW_PASSWORD": PASSWORD + "-new"}))
    ok(world.cli("unit", "list", user="i1", password=PASSWORD + "-new"))
    refused(world.cli("user", "reset-password", "i2", user="i1", password=PASSWORD + "-new"), 1)


async def _signs_in_with(pilot, app, name: str, password: str) -> None:
    await pilot.click("#name")
    await pilot.press(*name)
    await pilot.click("#password")
    await pilot.press(*password, "enter")
    await app.workers.wait_for_complete()  # the check runs in a worker (scrypt)
    await pilot.pause()


async def test_an_initial_password_opens_only_its_own_change_in_the_dashboard(world):
    passwords = imported(world)
    app = ModelUnitApp(world.db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _signs_in_with(pilot, app, "zhangw", passwords["zhangw"])
        assert isinstance(app.screen, PasswordDialog)
        assert pilot.app.focused is app.screen.query_one("#new", Input)
        await pilot.press(*"zhangw", "enter", *"zhangw", "enter")  # too short (and the name): refused at the field
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, PasswordDialog)
        assert "至少需要 8 个字符" in str(app.screen.query_one("#new-error", Static).render())
        assert world.db.snapshot().users.get("zhangw")["must_change"] is True
        app.screen.query_one("#new", Input).value = ""
        app.screen.query_one("#again", Input).value = ""
        app.screen.query_one("#new", Input).focus()
        await pilot.press(*"tea-garden-42", "enter", *"tea-garden-43", "enter")  # two different ones
        await pilot.pause()
        assert "不一致" in str(app.screen.query_one("#new-error", Static).render())
        app.screen.query_one("#again", Input).value = ""
        app.screen.query_one("#again", Input).focus()
        await pilot.press(*"tea-garden-42", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
    stored = world.db.snapshot().users.get("zhangw")
    assert stored["must_change"] is False
    users.sign_in(world.db, "zhangw", "tea-garden-42")  # the new password is the one that works now
    audit = world.db.snapshot().audit
    assert audit.get(max(audit.keys()))["action"] == "user.passwd"


async def test_cancelling_the_change_of_an_initial_password_signs_nobody_in(world):
    passwords = imported(world)
    app = ModelUnitApp(world.db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _signs_in_with(pilot, app, "zhangw", passwords["zhangw"])
        await pilot.press("escape")
        await pilot.pause()
        assert "初始密码" in str(app.screen.query_one("#login-status").render())
        assert not isinstance(app.screen, DashboardScreen)
    assert world.db.snapshot().users.get("zhangw")["must_change"] is True


async def test_a_signed_in_user_changes_their_own_password_from_the_dashboard(world):
    app = ModelUnitApp(world.db)
    async with app.run_test(size=(120, 36)) as pilot:
        await _signs_in_with(pilot, app, "clerk1", PASSWORD)
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, PasswordDialog)
        await pilot.press(*"wrong-one-1", "enter", *"river-stone-7", "enter", *"river-stone-7", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "错误" in str(app.screen.query_one("#current-error", Static).render())  # at the field it concerns
        app.screen.query_one("#current", Input).value = ""
        app.screen.query_one("#current", Input).focus()
        await pilot.press(*PASSWORD, "enter", "enter", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
    users.sign_in(world.db, "clerk1", "river-stone-7")
