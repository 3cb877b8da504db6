"""Record lookups: a campaign, its criteria, a unit's entry, a user — read from a transaction as dataclasses."""

from __future__ import annotations

from modelunit.domain.criteria import CriteriaSet, criteria_from_dict
from modelunit.domain.models import Campaign, Entry, Unit, User, entry_key, from_dict, to_dict
from modelunit.errors import BadInput, Refused
from modelunit.storage.database import Tx

_criteria_cache: dict[str, CriteriaSet] = {}


def campaign_of(tx: Tx, campaign_id: str | None) -> Campaign:
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


def entry_of(tx: Tx, campaign: Campaign, code: str) -> Entry:
    doc = tx.entries.get(entry_key(campaign.id, code))
    if doc is None:
        if tx.units.get(code) is None:
            raise BadInput("unit.unknown", code=code)
        raise Refused("unit.not_in_campaign", code=code, campaign=campaign.id)
    return from_dict(Entry, doc)


def entries_of(tx: Tx, campaign: Campaign) -> list[Entry]:
    prefix = campaign.id + "|"
    return sorted((from_dict(Entry, d) for k, d in tx.entries.items() if k.startswith(prefix)),
                  key=lambda e: e.unit)


def unit_of(tx: Tx, code: str) -> Unit:
    doc = tx.units.get(code)
    if doc is None:
        raise BadInput("unit.unknown", code=code)
    return from_dict(Unit, doc)


def user_of(tx: Tx, name: str) -> User:
    doc = tx.users.get(name)
    if doc is None:
        raise BadInput("user.unknown", name=name)
    return from_dict(User, doc)


def save_entry(tx: Tx, entry: Entry) -> None:
    tx.entries.put(entry.key, to_dict(entry))


def save_campaign(tx: Tx, campaign: Campaign) -> None:
    tx.campaigns.put(campaign.id, to_dict(campaign))
