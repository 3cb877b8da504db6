"""Users: the first admin of a new database, signing in, adding, importing and listing users,
disabling them and their passwords (initial ones, resets, changes)."""

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime

from modelunit.domain import audit
from modelunit.domain.calendar import forced_today, now
from modelunit.domain.context import Context
from modelunit.domain.models import ROLES, User, from_dict, to_dict
from modelunit.domain.permissions import require
from modelunit.domain.records import unit_of
from modelunit.domain.rows import Row, RowProblems, cell
from modelunit.errors import BadInput, Refused
from modelunit.storage import passwords, signins
from modelunit.storage.database import SCHEMA_VERSION, Database
from modelunit.storage.passwords import hash_password, verify_password


def init_database(db: Database, admin: str, password: str, drill: bool = False) -> User:
    """Create a new database whose first user is an admin; a drill's clock may be set (MODELUNIT_TODAY)."""
    _check_name(admin)
    forced = forced_today()
    if forced is not None and not drill:
        raise BadInput("clock.not_drill")
    check_password(admin, password)
    user = User(name=admin, role="admin", password_hash=hash_password(password), created_at=now())
    with db.transaction(create=True) as tx:
        tx.meta.put("schema", {"version": SCHEMA_VERSION, "created_at": now()})
        if drill:
            first = forced.isoformat() if forced else None
            tx.meta.put("drill", {"first": first, "latest": first})
        tx.users.put(admin, to_dict(user))
        audit.record(tx, admin, "db.init", None, admin, None, {"role": "admin"})
    return user


# Checked when the name is unknown, so that a wrong name costs what a wrong password costs.
_DUMMY_SALT_AND_DIGEST = "TqqYTScglxUt5J7GObVOog==$Z2LROk36DRVrhk8KH2wtq7hNwpUXlvI2mKmPUgzbJRI="


def _dummy_hash(snap) -> str:
    """A hash nobody's password matches, at the cost of the hashes this database holds."""
    for doc in snap.users.values():
        parts = str(doc.get("password_hash", "")).split("$")
        if len(parts) == 6 and parts[0] == "scrypt":
            return "$".join(parts[:4]) + "$" + _DUMMY_SALT_AND_DIGEST
    return f"scrypt${passwords.N}${passwords.R}${passwords.P}${_DUMMY_SALT_AND_DIGEST}"

# Refused as new passwords: the most common ones, in China and elsewhere (all at least 8 characters).
COMMON_PASSWORDS = frozenset("""
12345678 123456789 1234567890 87654321 11111111 00000000 88888888 66666666 99999999 12341234 11223344
123123123 147258369 123qweasd 1qaz2wsx 1q2w3e4r 1q2w3e4r5t qwertyui qwerty123 qwertyuiop asdfghjk
zxcvbnm123 password password1 password123 passw0rd p@ssw0rd iloveyou woaini1314 woaini520 5201314520
abc12345 abcd1234 a1234567 a12345678 aa123456 admin123 admin888 administrator root1234 test1234
letmein1 welcome1 baseball football sunshine princess superman 1314520520 zhang123 wang1234 li123456
""".split())


def check_password(name: str, password: str) -> None:
    """A new password: at least 8 characters, not the user name, not a common password."""
    if not password:
        raise BadInput("user.empty_password")
    if len(password) < 8:
        raise BadInput("user.password_short")
    if password.casefold() == name.casefold():
        raise BadInput("user.password_is_name")
    if password.casefold() in COMMON_PASSWORDS:
        raise BadInput("user.password_common")


def _now() -> datetime:
    return datetime.now().astimezone()


def sign_in(db: Database, name: str, password: str) -> User:
    """Check a password; a failure is logged and refused with one message for every cause.

    Every attempt costs one scrypt, for a known name or not; after five wrong passwords in a
    row the name is locked out for 15 minutes (counted outside the data: a state file beside
    the database, a table of its own on a server; a refused sign-in never touches the data itself).
    """
    when = _now()
    until = db.signins.locked_until(name, when)
    snap = db.snapshot()
    doc = snap.users.get(name)
    user = from_dict(User, doc) if doc else None
    good = verify_password(password, user.password_hash if user else _dummy_hash(snap)) and user is not None
    if until is None and not good:
        until = db.signins.failed(name, when)
        if until is None:
            db.log_refusal({"at": now(), "user": name, "command": "sign-in", "error": "auth.failed"})
            raise Refused("auth.failed", name=name)
    if until is not None:
        db.log_refusal({"at": now(), "user": name, "command": "sign-in", "error": "auth.locked"})
        raise Refused("auth.locked", name=name, minutes=int(signins.LOCKOUT.total_seconds() // 60),
                      until=until.strftime("%Y-%m-%d %H:%M"))
    assert user is not None
    db.signins.clear(name)
    if user.disabled:  # told only to whoever knows the password
        db.log_refusal({"at": now(), "user": name, "command": "sign-in", "error": "auth.disabled"})
        raise Refused("auth.disabled", name=name)
    return user


def unlock_user(ctx: Context, name: str) -> bool:
    """An admin lifts a lockout (and forgets failed attempts); True if there was anything to lift."""
    require(ctx.actor, "user.add")
    pending = ctx.db.signins.pending(name)
    with ctx.db.transaction() as tx:
        if tx.users.get(name) is None:
            raise BadInput("user.unknown", name=name)
        audit.record(tx, ctx.actor.name, "user.unlock", None, name, None, {"had_failures": pending})
    # After the commit, outside the database lock that the state file's update takes itself.
    ctx.db.signins.clear(name)
    return pending


def add_user(ctx: Context, name: str, role: str, unit: str | None, password: str) -> User:
    require(ctx.actor, "user.add")
    _check_name(name)
    if role not in ROLES:
        raise BadInput("user.bad_role", role=role)
    if role == "unit" and not unit:
        raise BadInput("user.unit_required")
    check_password(name, password)
    pw_hash = hash_password(password)  # slow on purpose: done before the lock is taken
    with ctx.db.transaction() as tx:
        if tx.users.get(name) is not None:
            raise Refused("user.exists", name=name)
        if unit:
            unit_of(tx, unit)
        user = User(name=name, role=role, unit=unit or None, password_hash=pw_hash, created_at=now())
        tx.users.put(name, to_dict(user))
        audit.record(tx, ctx.actor.name, "user.add", None, name, None, {"role": role, "unit": unit})
    return user


def list_users(ctx: Context) -> list[User]:
    require(ctx.actor, "user.add")
    return sorted((from_dict(User, d) for d in ctx.db.snapshot().users.values()), key=lambda u: u.name)


def shown_names(tx) -> dict[str, str]:
    """Each login name as users see it: ``zhang（张伟）`` where a real name is known (:attr:`User.display`)."""
    return {name: from_dict(User, d).display for name, d in tx.users.items()}


def real_names(tx) -> dict[str, str]:
    """Each login name's real name, the login name itself where none is known (a signature line)."""
    return {name: d.get("real_name") or name for name, d in tx.users.items()}


def _check_name(name: str) -> None:
    # A name is shown in every table and audit line: no controls, no zero-width or bidirectional
    # marks (which make two names look alike or reorder a line), no undecodable bytes (surrogates).
    if not name or not name.strip() or any(ch in name for ch in ",|\n\r\t") or len(name) > 64 \
            or any(ch != " " and unicodedata.category(ch)[0] in "CZ" for ch in name):
        raise BadInput("user.bad_name", name=name)


# ----------------------------------------------------------------------------- people

ROLE_WORDS = {"admin": "admin", "管理员": "admin", "法制办": "admin", "法制办管理员": "admin",
              "inspector": "inspector", "考察组": "inspector", "考察组成员": "inspector", "考察人员": "inspector",
              "unit": "unit", "clerk": "unit", "填报员": "unit", "单位填报员": "unit"}
# Initial passwords: no 0/O, 1/l/I, so that one read aloud or copied from paper is typed right.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def initial_password() -> str:
    """A random initial password (12 characters, about 70 bits), to be changed at first sign-in."""
    while True:
        word = "".join(secrets.choice(_ALPHABET) for _ in range(12))
        if any(c.isdigit() for c in word) and any(c.isalpha() for c in word):
            return word


def import_users(ctx: Context, rows: list[Row], label: str) -> list[tuple[User, str]]:
    """Add users from rows ``name,real_name,role[,unit,contact]``, all or nothing, each with a fresh
    initial password that must be changed at first sign-in; returns each user with its password
    (to be shown once: only its hash is stored)."""
    require(ctx.actor, "user.add")
    problems = RowProblems(label)
    wanted: list[tuple[int, User]] = []
    seen: set[str] = set()
    snap = ctx.db.snapshot()
    for line, row in rows:
        name, role_word, unit = cell(row, "name"), cell(row, "role"), cell(row, "unit")
        try:
            _check_name(name)
        except BadInput as e:
            problems.add(line, e)
            continue
        role = ROLE_WORDS.get(role_word) or ROLE_WORDS.get(role_word.lower())
        if role is None:
            problems.add(line, BadInput("user.bad_role", role=role_word))
        elif role == "unit" and not unit:
            problems.add(line, BadInput("user.unit_required"))
        elif name in seen:
            problems.add(line, BadInput("user.duplicate", name=name))
        elif snap.users.get(name) is not None:
            problems.add(line, BadInput("user.exists", name=name))
        elif unit and snap.units.get(unit) is None:
            problems.add(line, BadInput("unit.unknown", code=unit))
        else:
            seen.add(name)
            wanted.append((line, User(name=name, role=role, unit=unit or None, password_hash="",
                                      real_name=cell(row, "real_name"), contact=cell(row, "contact"),
                                      must_change=True)))
    problems.raise_if_any()
    if not wanted:
        raise BadInput("csv.empty", path=label)
    issued = []
    for _, user in wanted:  # slow on purpose (scrypt): done before the lock is taken
        password = initial_password()
        user.password_hash, user.created_at = hash_password(password), now()
        issued.append((user, password))
    with ctx.db.transaction() as tx:
        for user, _ in issued:
            if tx.users.get(user.name) is not None:  # added by someone else meanwhile
                raise Refused("user.exists", name=user.name)
            tx.users.put(user.name, to_dict(user))
            audit.record(tx, ctx.actor.name, "user.add", None, user.name, None,
                         {"role": user.role, "unit": user.unit, "real_name": user.real_name, "import": label})
    return issued


def _change_user(ctx: Context, name: str, op: str, change: dict) -> User:
    require(ctx.actor, "user.add")
    with ctx.db.transaction() as tx:
        doc = tx.users.get(name)
        if doc is None:
            raise BadInput("user.unknown", name=name)
        user = from_dict(User, doc)
        if op == "user.disable":
            if name == ctx.actor.name:
                raise Refused("user.disable_self")
            if user.role == "admin" and not any(
                    d.get("role") == "admin" and not d.get("disabled") and n != name for n, d in tx.users.items()):
                raise Refused("user.last_admin", name=name)
        before = {k: getattr(user, k) for k in change if k != "password_hash"}
        for key, value in change.items():
            setattr(user, key, value)
        tx.users.put(name, to_dict(user))
        audit.record(tx, ctx.actor.name, op, None, name, before,
                     {k: v for k, v in change.items() if k != "password_hash"})
    return user


def set_disabled(ctx: Context, name: str, disabled: bool) -> User:
    """An admin disables (or enables again) a user; never themselves, never the last active admin."""
    return _change_user(ctx, name, "user.disable" if disabled else "user.enable", {"disabled": disabled})


def reset_password(ctx: Context, name: str) -> str:
    """An admin gives a user a new initial password (returned, to be shown once), changed at first sign-in."""
    require(ctx.actor, "user.add")
    password = initial_password()
    _change_user(ctx, name, "user.reset_password", {"password_hash": hash_password(password), "must_change": True})
    ctx.db.signins.clear(name)
    return password


def change_password(db: Database, name: str, old: str, new: str) -> User:
    """A user changes their own password (the old one proves it is them); clears ``must_change``."""
    user = sign_in(db, name, old)
    check_password(name, new)
    if new == old:
        raise BadInput("user.password_same")
    pw_hash = hash_password(new)
    with db.transaction() as tx:
        doc = tx.users.get(name)
        if doc is None:
            raise BadInput("user.unknown", name=name)
        user = from_dict(User, doc)
        user.password_hash, user.must_change = pw_hash, False
        tx.users.put(name, to_dict(user))
        audit.record(tx, name, "user.passwd", None, name, None, {"must_change": False})
    return user
