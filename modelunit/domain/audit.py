"""The hash-chained audit log: who changed what, when, before and after.

Entries live in the ``audit`` table of the same database, so a change and its
entry are saved by one atomic write or not at all.  Each entry's hash covers
its content and the previous hash; the newest hash is kept in ``meta`` and
printed on exported reports, so removing the last entries is detected too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from modelunit.domain.calendar import note_clock, now
from modelunit.storage.database import Tx

GENESIS = "0" * 64


def _digest(entry: dict) -> str:
    body = {k: entry[k] for k in ("seq", "at", "user", "action", "campaign", "target", "before", "after", "prev")}
    canon = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def head(tx: Tx) -> dict:
    return tx.meta.get("audit") or {"seq": 0, "hash": GENESIS}


def record(tx: Tx, user: str, action: str, campaign: str | None, target: str,
           before: object = None, after: object = None) -> dict:
    """Append one entry; call inside the transaction that makes the change."""
    note_clock(tx)  # every change passes here: a set clock is refused or remembered in one place
    top = head(tx)
    entry = {"seq": top["seq"] + 1, "at": now(), "user": user, "action": action, "campaign": campaign,
             "target": target, "before": before, "after": after, "prev": top["hash"]}
    entry["hash"] = _digest(entry)
    tx.audit.put(f"{entry['seq']:010d}", entry)
    tx.meta.put("audit", {"seq": entry["seq"], "hash": entry["hash"]})
    return entry


@dataclass
class Verification:
    ok: bool
    count: int
    head: str
    broken_at: int | None = None
    reason: str = ""


def verify(tx: Tx) -> Verification:
    """Recompute the chain; report the first entry that was edited, removed or moved."""
    entries = sorted(tx.audit.items(), key=lambda kv: kv[0])
    prev = GENESIS
    for expected_seq, (key, entry) in enumerate(entries, start=1):
        if entry.get("seq") != expected_seq or key != f"{expected_seq:010d}":
            return Verification(False, len(entries), prev, expected_seq, "audit.gap")
        if entry.get("prev") != prev:
            return Verification(False, len(entries), prev, expected_seq, "audit.reordered")
        try:
            digest = _digest(entry)
        except KeyError:
            return Verification(False, len(entries), prev, expected_seq, "audit.edited")
        if digest != entry.get("hash"):
            return Verification(False, len(entries), prev, expected_seq, "audit.edited")
        prev = entry["hash"]
    top = head(tx)
    if top["seq"] != len(entries) or top["hash"] != prev:
        return Verification(False, len(entries), prev, len(entries) + 1, "audit.truncated")
    return Verification(True, len(entries), prev)


def describe(entry: dict, width: int) -> str:
    """An entry's change as one line ``before → after``, cut to ``width`` characters."""
    text = (f"{json.dumps(entry.get('before'), ensure_ascii=False)} → "
            f"{json.dumps(entry.get('after'), ensure_ascii=False)}")
    return text if len(text) <= width else text[:width - 1] + "…"


def entries(tx: Tx, campaign: str | None = None, limit: int | None = None) -> list[dict]:
    rows = [e for _, e in sorted(tx.audit.items(), key=lambda kv: kv[0])
            if campaign is None or e.get("campaign") in (campaign, None)]
    return rows[-limit:] if limit else rows
