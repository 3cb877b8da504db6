"""Users: the first admin of a new database, signing in, adding and listing users."""

from __future__ import annotations

import unicodedata

from modelunit.domain import audit
from modelunit.domain.calendar import forced_today, now
from modelunit.domain.context import Context
from modelunit.domain.models import ROLES, User, from_dict, to_dict
from modelunit.domain.permissions import require
from modelunit.domain.records import unit_of
from modelunit.errors import BadInput, Refused
from modelunit.storage.database import SCHEMA_VERSION, Database
from modelunit.storage.passwords import hash_password, verify_password


def init_database(db: Database, admin: str, password: str, drill: bool = False) -> User:
    """Create a new database whose first user is an admin; a drill's clock may be set (MODELUNIT_TODAY)."""
    _check_name(admin)
    forced = forced_today()
    if forced is not None and not drill:
        raise BadInput("clock.not_drill")
    if not password:
        raise BadInput("user.empty_password")
    user = User(name=admin, role="admin", password_hash=hash_password(password), created_at=now())
    with db.transaction(create=True) as tx:
        tx.meta.put("schema", {"version": SCHEMA_VERSION, "created_at": now()})
        if drill:
            first = forced.isoformat() if forced else None
            tx.meta.put("drill", {"first": first, "latest": first})
        tx.users.put(admin, to_dict(user))
        audit.record(tx, admin, "db.init", None, admin, None, {"role": "admin"})
    return user


def sign_in(db: Database, name: str, password: str) -> User:
    """Check a password; a failure is logged and refused with one message for every cause."""
    doc = db.snapshot().users.get(name)
    user = from_dict(User, doc) if doc else None
    if user is None or not verify_password(password, user.password_hash):
        db.log_refusal({"at": now(), "user": name, "command": "sign-in", "error": "auth.failed"})
        raise Refused("auth.failed", name=name)
    return user


def add_user(ctx: Context, name: str, role: str, unit: str | None, password: str) -> User:
    require(ctx.actor, "user.add")
    _check_name(name)
    if role not in ROLES:
        raise BadInput("user.bad_role", role=role)
    if role == "unit" and not unit:
        raise BadInput("user.unit_required")
    if not password:
        raise BadInput("user.empty_password")
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
