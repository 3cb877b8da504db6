"""Signing in and the context every action runs in: the database, the actor, the campaign."""

from __future__ import annotations

from dataclasses import dataclass

from modelunit.domain import audit
from modelunit.domain.calendar import now
from modelunit.domain.criteria import CriteriaSet, criteria_from_dict
from modelunit.domain.models import ROLES, Campaign, Entry, Unit, User, entry_key, from_dict, to_dict
from modelunit.domain.permissions import require
from modelunit.errors import BadInput, ModelUnitError, Refused
from modelunit.storage.database import SCHEMA_VERSION, Database
from modelunit.storage.passwords import hash_password, verify_password

_criteria_cache: dict[str, CriteriaSet] = {}


@dataclass
class Context:
    """Who is acting, on which database and campaign (``None``: the newest campaign)."""

    db: Database
    actor: User
    campaign_id: str | None = None

    def refused(self, err: ModelUnitError, command: str) -> None:
        """Record a refusal in the append-only log beside the database."""
        self.db.log_refusal({"at": now(), "user": self.actor.name, "command": command,
                             "campaign": self.campaign_id, "error": err.key, "message": err.render()})


# ----------------------------------------------------------------------------- lookups


def campaign_of(tx, campaign_id: str | None) -> Campaign:
    """The named campaign, or the newest (highest year, then batch)."""
    if campaign_id:
        doc = tx.campaigns.get(campaign_id)
        if doc is None:
            raise BadInput("campaign.unknown", id=campaign_id)
        return from_dict(Campaign, doc)
    docs = tx.campaigns.values()
    if not docs:
        raise Refused("campaign.none")
    newest = max(docs, key=lambda d: (d["year"], d["batch"], d.get("created_at", "")))
    return from_dict(Campaign, newest)


def criteria_of(campaign: Campaign) -> CriteriaSet:
    cached = _criteria_cache.get(campaign.criteria_sha256)
    if cached is None:
        cached = _criteria_cache[campaign.criteria_sha256] = criteria_from_dict(campaign.criteria)
    return cached


def entry_of(tx, campaign: Campaign, code: str) -> Entry:
    doc = tx.entries.get(entry_key(campaign.id, code))
    if doc is None:
        if tx.units.get(code) is None:
            raise BadInput("unit.unknown", code=code)
        raise Refused("unit.not_in_campaign", code=code, campaign=campaign.id)
    return from_dict(Entry, doc)


def entries_of(tx, campaign: Campaign) -> list[Entry]:
    prefix = campaign.id + "|"
    return sorted((from_dict(Entry, d) for k, d in tx.entries.items() if k.startswith(prefix)),
                  key=lambda e: e.unit)


def unit_of(tx, code: str) -> Unit:
    doc = tx.units.get(code)
    if doc is None:
        raise BadInput("unit.unknown", code=code)
    return from_dict(Unit, doc)


def user_of(tx, name: str) -> User:
    doc = tx.users.get(name)
    if doc is None:
        raise BadInput("user.unknown", name=name)
    return from_dict(User, doc)


def save_entry(tx, entry: Entry) -> None:
    tx.entries.put(entry.key, to_dict(entry))


def save_campaign(tx, campaign: Campaign) -> None:
    tx.campaigns.put(campaign.id, to_dict(campaign))


# ----------------------------------------------------------------------------- users


def init_database(db: Database, admin: str, password: str) -> User:
    """Create a new database whose first user is an admin."""
    _check_name(admin)
    if not password:
        raise BadInput("user.empty_password")
    user = User(name=admin, role="admin", password_hash=hash_password(password), created_at=now())
    with db.transaction(create=True) as tx:
        tx.meta.put("schema", {"version": SCHEMA_VERSION, "created_at": now()})
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
    if not name or not name.strip() or any(ch in name for ch in ",|\n\r\t") or len(name) > 64:
        raise BadInput("user.bad_name", name=name)
