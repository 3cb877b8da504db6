"""Attacks on sign-in: enumerating names, guessing passwords, weak new passwords (issue 9, item 7)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from modelunit.domain import users
from modelunit.errors import BadInput, Refused
from tests.conftest import PASSWORD


def _count_scrypt(monkeypatch) -> list:
    calls: list = []
    real = hashlib.scrypt

    def counting(*args, **kwargs):
        calls.append(kwargs.get("n"))
        return real(*args, **kwargs)
    monkeypatch.setattr(hashlib, "scrypt", counting)
    return calls


def test_an_unknown_name_costs_what_a_wrong_password_costs(world, monkeypatch):
    calls = _count_scrypt(monkeypatch)
    for name in ("office", "nobody-here"):
        with pytest.raises(Refused) as err:
            users.sign_in(world.db, name, "wrong-password")
        assert err.value.key == "auth.failed"
    assert len(calls) == 2 and calls[0] == calls[1]  # one scrypt each, at the same work factor


def test_five_wrong_passwords_lock_that_user_out_for_15_minutes(any_world):
    world = any_world  # on a server database the attempts are counted in the database itself
    before = world.raw()
    for _ in range(4):
        result = world.cli("unit", "list", user="clerk1", password="guess-guess")
        assert result.returncode == 1 and "锁定" not in result.stderr
    fifth = world.cli("unit", "list", user="clerk1", password="guess-guess")
    assert fifth.returncode == 1 and "15" in fifth.stderr and "锁定" in fifth.stderr
    right = world.cli("unit", "list", user="clerk1", password=PASSWORD)  # even the right password, now
    assert right.returncode == 1 and "15" in right.stderr and len(right.stderr.strip().splitlines()) == 1
    assert world.raw() == before  # refused sign-ins never touch the database
    assert world.cli("unit", "list", user="clerk2", password=PASSWORD).returncode == 0  # others unaffected
    log = Path(world.db.log_path).read_text(encoding="utf-8")
    assert log.count("auth.locked") == 2
    unlocked = world.cli("user", "unlock", "clerk1")
    assert unlocked.returncode == 0, unlocked.stderr
    assert world.cli("unit", "list", user="clerk1", password=PASSWORD).returncode == 0
    assert world.cli("user", "unlock", "clerk2", user="clerk1").returncode == 1  # an admin's command


def test_a_good_password_resets_the_count(any_world):
    world = any_world
    for _ in range(4):
        users_fail = world.cli("unit", "list", user="i1", password="nope-nope")
        assert users_fail.returncode == 1
    assert world.cli("unit", "list", user="i1", password=PASSWORD).returncode == 0
    assert not world.db.signins.pending("i1")


def test_unknown_names_lock_out_too_so_a_lockout_reveals_nothing(any_world):
    world = any_world
    for _ in range(5):
        world.cli("unit", "list", user="ghost", password="nope-nope")
    assert world.db.signins.locked_until("ghost", users._now()) is not None


@pytest.mark.parametrize("password,key", [("short7!", "user.password_short"), ("newclerk", "user.password_is_name"),
                                          ("NEWCLERK", "user.password_is_name"), ("password123",
                                                                                  "user.password_common"),
                                          ("12345678", "user.password_common"), ("", "user.empty_password")])
def test_weak_new_passwords_are_refused(world, password, key):
    with pytest.raises(BadInput) as err:
        users.add_user(world.ctx(), "newclerk", "inspector", None, password)
    assert err.value.key == key


def test_weak_password_through_the_cli_is_one_line_and_changes_nothing(world):
    before = world.raw()
    result = world.cli("user", "add", "newbie", "--role", "inspector", env={"MODELUNIT_NEW_PASSWORD": "qwerty123"})
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert world.raw() == before
