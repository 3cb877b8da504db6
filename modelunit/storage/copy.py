"""``modelunit db copy SRC DST``: a whole database from one backend to another (a TinyDB file into
PostgreSQL and back), every table and the whole audit chain, verified at both ends."""

from __future__ import annotations

from modelunit.domain import audit
from modelunit.errors import Refused
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
    with target.transaction(create=True) as tx:
        for name, docs in snap.data.items():
            getattr(tx, name).put_many(docs)
        tx.flush()
        after = audit.verify(tx)  # inside the transaction: a copy that does not verify is never committed
        if not after.ok or (after.head, after.count) != (before.head, before.count):
            raise Refused("copy.target_differs", path=target.locator)
    return after
