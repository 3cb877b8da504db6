"""The hash-chained audit log: who changed what, when, before and after.

Entries live in the ``audit`` table of the same database, so a change and its
entry are saved by one atomic write or not at all.  Each entry's hash covers
its content and the previous hash; the newest hash is kept in ``meta`` and
printed on exported reports, so removing the last entries is detected too.

Each entry also carries ``data``: a digest of every table (and of ``meta``
apart from the chain's own bookkeeping) as it stood after the change, sealed
at commit.  A table's digest is the sum, modulo 2**256, of the sha256 of each
of its documents (key and canonical JSON), kept in ``meta.digests``: a commit
subtracts the hash of each document as it read it and adds the hash of what
it writes, so it serialises only the documents it changed, and a document
edited by hand in the meantime leaves the sum wrong for ever instead of
being absorbed by the next change.  ``verify`` recomputes every sum.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from modelunit.domain.calendar import note_clock, now
from modelunit.errors import BadInput
from modelunit.i18n import t
from modelunit.storage.database import Tx

GENESIS = "0" * 64


_FIELDS = ("seq", "at", "user", "action", "campaign", "target", "before", "after", "prev")
# Kept out of the data digest: the chain's own head and the per-table digests (they change at every commit).
_META_OWN = ("audit", "digests")


def _digest(entry: dict) -> str:
    body = {k: entry[k] for k in _FIELDS}
    if "data" in entry:  # entries written before data digests existed have none
        body["data"] = entry["data"]
    canon = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def head(tx: Tx) -> dict:
    return tx.meta.get("audit") or {"seq": 0, "hash": GENESIS}


def record(tx: Tx, user: str, action: str, campaign: str | None, target: str,
           before: object = None, after: object = None) -> dict:
    """Append one entry; call inside the transaction that makes the change."""
    if action not in OPERATIONS:  # a programming error: a new operation needs its words first
        raise ValueError(f"audit operation {action!r} is not in audit.OPERATIONS")
    note_clock(tx)  # every change passes here: a set clock is refused or remembered in one place
    top = head(tx)
    entry = {"seq": top["seq"] + 1, "at": now(), "user": user, "action": action, "campaign": campaign,
             "target": target, "before": before, "after": after, "prev": top["hash"]}
    entry["hash"] = _digest(entry)
    tx.audit.put(f"{entry['seq']:010d}", entry)
    tx.meta.put("audit", {"seq": entry["seq"], "hash": entry["hash"]})
    pending = getattr(tx, "audit_pending", None)
    if pending is None:
        pending = tx.audit_pending = []  # type: ignore[attr-defined]  # this transaction's entries, sealed at commit
        tx.on_commit.append(_seal)
    pending.append(entry)
    return entry


def _canon(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


_MOD = 2**256


def _doc_hash(key: str, doc: object) -> int:
    return int.from_bytes(hashlib.sha256(_canon([key, doc])).digest(), "big")


def _own(name: str, key: str) -> bool:
    """Documents outside the data digest: the chain's head and the digests themselves."""
    return name == "meta" and key in _META_OWN


def table_sum(name: str, table: dict) -> int:
    return sum(_doc_hash(k, d) for k, d in table.items() if not _own(name, k)) % _MOD


def table_digests(data: dict) -> dict[str, str]:
    """Every data table's digest (hex), recomputed from scratch."""
    return {name: f"{table_sum(name, data.get(name) or {}):064x}" for name in data_tables(data)}


def data_tables(data: dict) -> list[str]:
    return sorted(set(data) - {"audit"} | {"meta"})


def combined(digests: dict[str, str]) -> str:
    return hashlib.sha256(_canon(sorted((k, v) for k, v in digests.items() if v != f"{0:064x}"))).hexdigest()


def _seal(tx: Tx) -> None:
    """At commit: digest the data after the change and re-hash this transaction's entries with it."""
    stored = tx.meta.get("digests")
    staged = tx.staged()
    if stored is None:  # a new database, or one from before data digests: count everything once
        tx.flush()
        digests = table_digests(tx.data)
    else:
        digests = dict(stored)
        for name, docs in staged.items():
            if name == "audit":
                continue
            total = int(digests.get(name, "0"), 16)
            for key, doc in docs.items():
                if _own(name, key):
                    continue
                before = tx.stored_doc(name, key)
                if before is not None:
                    total -= _doc_hash(key, before)
                total += _doc_hash(key, doc)
            digests[name] = f"{total % _MOD:064x}"
    data = combined(digests)
    pending = tx.audit_pending  # type: ignore[attr-defined]
    prev = pending[0]["prev"]
    for entry in pending:
        entry["prev"], entry["data"] = prev, data
        entry["hash"] = prev = _digest(entry)
        tx.audit.put(f"{entry['seq']:010d}", entry)
    tx.meta.put("audit", {"seq": pending[-1]["seq"], "hash": prev})
    tx.meta.put("digests", digests)


@dataclass
class Verification:
    ok: bool
    count: int
    head: str
    broken_at: int | None = None
    reason: str = ""
    detail: str = ""  # the tables changed by hand
    digests_from: int | None = None  # the first entry that carries a data digest (older databases: later)


def verify(tx: Tx) -> Verification:
    """Recompute the chain and the data digest; report the first entry edited, removed or moved,
    or data changed by hand behind the log's back."""
    entries = sorted(tx.audit.items(), key=lambda kv: kv[0])
    prev = GENESIS
    first_data = last_data = None
    for expected_seq, (key, entry) in enumerate(entries, start=1):
        if entry.get("seq") != expected_seq or key != f"{expected_seq:010d}":
            return Verification(False, len(entries), prev, expected_seq, "audit.gap")
        if entry.get("prev") != prev:
            return Verification(False, len(entries), prev, expected_seq, "audit.reordered")
        try:
            digest = _digest(entry)
        except (KeyError, TypeError, ValueError):
            return Verification(False, len(entries), prev, expected_seq, "audit.edited")
        if digest != entry.get("hash"):
            return Verification(False, len(entries), prev, expected_seq, "audit.edited")
        if "data" in entry:
            first_data = first_data or expected_seq
            last_data = entry["data"]
        prev = entry["hash"]
    top = head(tx)
    if top["seq"] != len(entries) or top["hash"] != prev:
        return Verification(False, len(entries), prev, len(entries) + 1, "audit.truncated")
    if last_data is not None:
        now_digests = table_digests(tx.data)
        if combined(now_digests) != last_data:
            stored = tx.meta.get("digests") or {}
            changed = [name for name, d in now_digests.items()
                       if stored.get(name, f"{0:064x}") != d] or ["meta.digests"]
            return Verification(False, len(entries), prev, len(entries), "audit.data_edited",
                                ", ".join(changed), first_data)
    return Verification(True, len(entries), prev, digests_from=first_data)


def anchored(tx: Tx, anchor: str) -> bool:
    """True when ``anchor`` (a hash printed earlier) is the hash of an entry of the chain."""
    anchor = anchor.strip().lower()
    return len(anchor) >= 16 and any(e.get("hash", "").startswith(anchor) for _, e in tx.audit.items())


# Every operation an entry may record; each has its words in the catalogue (``action.NAME``), so the
# audit view never shows a bare identifier (tests/test_audit_view.py checks both).
OPERATIONS = frozenset({
    "award", "award.decision", "campaign.advance", "campaign.create", "db.init", "demo.build", "inspect.assign",
    "material.add", "material.remove", "nominate", "objection.add", "objection.resolve", "publicity.start",
    "recheck.add", "recheck.draw", "review.return", "satisfaction.set", "score.edit", "score.notes",
    "score.submit", "selfcheck.edit", "selfcheck.gap", "selfcheck.submit", "title.grant", "title.rectified",
    "title.rectifying", "title.revoke", "unit.import", "unit.inspected", "user.add", "user.disable",
    "user.enable", "user.passwd", "user.reset_password", "user.unlock", "veto",
})


def operation_words(action: str) -> str:
    """An operation in the interface language (提交评分表, not ``score.submit``)."""
    from modelunit.catalogue import MESSAGES

    return t(f"action.{action}") if f"action.{action}" in MESSAGES else action


def local_time(at: str) -> str:
    """A stored timestamp as the office reads it: local time, to the minute."""
    try:
        moment = datetime.fromisoformat(at)
    except (TypeError, ValueError):
        return str(at)
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


def _value(key: str, value: object) -> str:
    from modelunit.catalogue import MESSAGES

    if value is None or value == "" or value == {} or value == []:
        return t("audit.none")
    if isinstance(value, bool):
        return t("yes") if value else t("no")
    if key == "status" and f"status.{value}" in MESSAGES:
        return t(f"status.{value}")
    if key == "stage" and f"stage.{value}" in MESSAGES:
        return t(f"stage.{value}")
    if key == "moved" and isinstance(value, dict):
        return "；".join(f"{_value('status', k)} {', '.join(map(str, v))}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _field(key: str) -> str:
    from modelunit.catalogue import MESSAGES

    return t(f"audit.field.{key}") if f"audit.field.{key}" in MESSAGES else key


def readable_change(entry: dict, width: int = 0) -> str:
    """An entry's change in words: ``状态：已提交自查 → 已申报；理由：…``, statuses and stages named,
    fields that did not change left out; cut to ``width`` characters (0: whole)."""
    before, after = entry.get("before"), entry.get("after")
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        parts = []
        for key in dict.fromkeys([*old, *new]):
            if key in old and key in new and old[key] == new[key]:
                continue
            if key in old and key in new:
                parts.append(f"{_field(key)}：{_value(key, old[key])} → {_value(key, new[key])}")
            else:
                parts.append(f"{_field(key)}：{_value(key, new.get(key, old.get(key)))}")
        text = "；".join(parts)
    elif before is None:
        text = _value("", after) if after is not None else ""
    else:
        text = f"{_value('', before)} → {_value('', after)}"
    return text if not width or len(text) <= width else text[:width - 1] + "…"


def describe(entry: dict, width: int) -> str:
    """An entry's change as one line ``before → after``, cut to ``width`` characters."""
    text = (f"{json.dumps(entry.get('before'), ensure_ascii=False)} → "
            f"{json.dumps(entry.get('after'), ensure_ascii=False)}")
    return text if len(text) <= width else text[:width - 1] + "…"


def entries(tx: Tx, campaign: str | None = None, limit: int | None = None) -> list[dict]:
    """The audit entries, oldest first; ``limit`` keeps the newest ``limit`` of them (0 or None: all)."""
    if limit is not None and limit < 0:
        raise BadInput("audit.bad_limit", limit=limit)
    rows = [e for _, e in sorted(tx.audit.items(), key=lambda kv: kv[0])
            if campaign is None or e.get("campaign") in (campaign, None)]
    return rows[-limit:] if limit else rows
