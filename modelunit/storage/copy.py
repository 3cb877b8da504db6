"""``modelunit db copy SRC DST``: a whole database from one backend to another (a TinyDB file into
PostgreSQL and back), every table and the whole audit chain, verified at both ends."""

from __future__ import annotations

import os

from modelunit.domain import audit
from modelunit.errors import Refused
from modelunit.storage import evidence
from modelunit.storage.database import Database


def copy_database(source: Database, target: Database) -> audit.Verification:
    """Copy every document of ``source`` into ``target``, which must be empty; the source's chain and
    data digest are verified before, the target's after, and the two must end at the same head."""
    snap = source.snapshot()
    before = audit.verify(snap)
    if not before.ok:
        raise Refused("copy.source_broken", path=source.locator, seq=before.broken_at or 0)
    if target.exists():
        raise Refused("db.exists", path=target.locator)
    _copy_evidence(snap.data, source.evidence_dir, target.evidence_dir)
    with target.transaction(create=True) as tx:
        for name, docs in snap.data.items():
            getattr(tx, name).put_many(docs)
        tx.flush()
        after = audit.verify(tx)  # inside the transaction: a copy that does not verify is never committed
        if not after.ok or (after.head, after.count) != (before.head, before.count):
            raise Refused("copy.target_differs", path=target.locator)
    return after


def _copy_evidence(data: dict, source: str, target: str) -> None:
    """The evidence files the copied materials name, into the target's store (content-addressed: a file
    already there is kept; each copy is checked against its digest).  Done before the database commits,
    so that a copied database never names a file its store lacks."""
    wanted = {m["sha256"] for entry in (data.get("entries") or {}).values()
              for m in entry.get("materials") or [] if m.get("sha256")}
    for sha in sorted(wanted):
        blob = evidence.blob_path(source, sha)
        if os.path.exists(blob) and not os.path.exists(evidence.blob_path(target, sha)):
            evidence.store(target, blob)
