"""Several inspectors scoring at once while the office reads, tallies and exports.

Quick by default; ``MODELUNIT_RELIABILITY=full`` runs 4 writers x 200 writes.
Every write changes one score, so it must leave exactly one audit entry: the
final audit count proves that no update was lost, and the final scores must be
each writer's last values.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import time
from pathlib import Path

from modelunit.domain import audit, context, sheets, standings, users
from modelunit.domain.models import User, from_dict
from modelunit.export.workbook import export_workbook
from modelunit.storage.database import open_database_at
from tests.conftest import PASSWORD
from tests.helpers import to_inspection

FULL = os.environ.get("MODELUNIT_RELIABILITY") == "full"
WRITES = 200 if FULL else 30
ITEMS = [("A1", ("5", "6")), ("A2", ("3", "4")), ("B1", ("4", "5")), ("B2", ("4.5", "5"))]


def _ctx(path: str, name: str) -> context.Context:
    db = open_database_at(path)
    return context.Context(db, from_dict(User, db.snapshot().users.get(name)))


def _writer(path: str, name: str, unit: str, out: str) -> None:
    from modelunit.storage import files

    ctx = _ctx(path, name)
    last = {}
    for n in range(WRITES):
        item, values = ITEMS[n % len(ITEMS)]
        value = values[(n // len(ITEMS)) % 2]
        sheets.import_scores(ctx, [(2, {"unit": unit, "inspector": name, "item": item, "score": value})],
                                 "w.csv")
        last[item] = value
    Path(out).write_text(json.dumps({"last": last, "waits": files.LockStats.waits}), encoding="utf-8")


def _reader(path: str, stop: str, out: str) -> None:
    ctx = _ctx(path, "office")
    reads = exports = 0
    while not os.path.exists(stop):
        tx = ctx.db.snapshot()  # parses the whole database: a torn file would raise here
        assert audit.verify(tx).ok
        standings.view_tally(ctx)
        reads += 1
        if reads % 10 == 0:
            export_workbook(ctx, str(Path(out).with_suffix(".xlsx")))
            exports += 1
    Path(out).write_text(json.dumps({"reads": reads, "exports": exports}), encoding="utf-8")


def test_concurrent_inspectors_lose_nothing_while_the_office_reads(any_world, tmp_path, record_property):
    world = any_world
    users.add_user(world.ctx(), "i4", "inspector", None, PASSWORD)
    to_inspection(world, codes=("U1", "U2"), team=("i1", "i2", "i3", "i4"))
    path = world.db.locator
    world.db.close()  # the forked processes open connections of their own
    # Each sheet starts on the other value of its first item so that every write changes something.
    writers = [("i1", "U1"), ("i2", "U1"), ("i3", "U2"), ("i4", "U2")]
    before = audit.head(world.db.snapshot())["seq"]
    fork = multiprocessing.get_context("fork")
    stop = tmp_path / "stop"
    reader = fork.Process(target=_reader, args=(path, str(stop), str(tmp_path / "reader.json")))
    reader.start()
    procs = [fork.Process(target=_writer, args=(path, name, unit, str(tmp_path / f"{name}.json")))
             for name, unit in writers]
    start = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
        assert p.exitcode == 0
    elapsed = time.perf_counter() - start
    stop.write_text("")
    reader.join(120)
    assert reader.exitcode == 0

    snap = world.reopened().snapshot()
    assert audit.verify(snap).ok
    # Each write changed one score: one audit entry each, none lost.
    assert audit.head(snap)["seq"] - before == len(writers) * WRITES
    waits = []
    for name, unit in writers:
        result = json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8"))
        assert snap.sheets.get(f"2024-1|{unit}|{name}")["scores"] == result["last"]
        waits += result["waits"]
    reads = json.loads((tmp_path / "reader.json").read_text(encoding="utf-8"))
    assert reads["reads"] > 0
    waits_ms = sorted(w * 1000 for w in waits)  # the file's lock (a server queues writers itself)
    lock = (f"; lock wait ms: mean {statistics.mean(waits_ms):.1f}, "
            f"p95 {waits_ms[int(len(waits_ms) * 0.95) - 1]:.1f}, max {waits_ms[-1]:.1f}") if not world.on_server else ""
    record_property("summary", f"[{'postgresql' if world.on_server else 'tinydb'}] {len(writers)} writers x "
                    f"{WRITES} writes in {elapsed:.1f} s ({len(writers) * WRITES / elapsed:.0f} writes/s); "
                    f"office reads {reads['reads']}, exports {reads['exports']}{lock}")
