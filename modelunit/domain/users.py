"""Users: the first admin of a new database, signing in, adding and listing users."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from modelunit.domain import audit
from modelunit.domain.calendar import forced_today, now
from modelunit.domain.context import Context
from modelunit.domain.models import ROLES, User, from_dict, to_dict
from modelunit.domain.permissions import require
from modelunit.domain.records import unit_of
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
    row the name is locked out for 15 minutes (counted in the state file beside the database,
    so a refused sign-in never touches the database itself).
    """
    when = _now()
    until = signins.locked_until(db.path, name, when)
    snap = db.snapshot()
    doc = snap.users.get(name)
    user = from_dict(User, doc) if doc else None
    good = verify_password(password, user.password_hash if user else _dummy_hash(snap)) and user is not None
    if until is None and not good:
        until = signins.failed(db.path, db.lock_path, name, when)
        if until is None:
            db.log_refusal({"at": now(), "user": name, "command": "sign-in", "error": "auth.failed"})
            raise Refused("auth.failed", name=name)
    if until is not None:
        db.log_refusal({"at": now(), "user": name, "command": "sign-in", "error": "auth.locked"})
        raise Refused("auth.locked", name=name, minutes=int(signins.LOCKOUT.total_seconds() // 60),
                      until=until.strftime("%Y-%m-%d %H:%M"))
    assert user is not None
    signins.clear(db.path, db.lock_path, name)
    return user


def unlock_user(ctx: Context, name: str) -> bool:
    """An admin lifts a lockout (and forgets failed attempts); True if there was anything to lift."""
    require(ctx.actor, "user.add")
    pending = signins.pending(ctx.db.path, name)
    with ctx.db.transaction() as tx:
        if tx.users.get(name) is None:
            raise BadInput("user.unknown", name=name)
        audit.record(tx, ctx.actor.name, "user.unlock", None, name, None, {"had_failures": pending})
    # After the commit, outside the database lock that the state file's update takes itself.
    signins.clear(ctx.db.path, ctx.db.lock_path, name)
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


def _check_name(name: str) -> None:
    # A name is shown in every table and audit line: no controls, no zero-width or bidirectional
    # marks (which make two names look alike or reorder a line), no undecodable bytes (surrogates).
    if not name or not name.strip() or any(ch in name for ch in ",|\n\r\t") or len(name) > 64 \
            or any(ch != " " and unicodedata.category(ch)[0] in "CZ" for ch in name):
        raise BadInput("user.bad_name", name=name)
