"""Writers killed with SIGKILL at random moments: nothing acknowledged is lost, nothing is torn.

Each round forks a writer process that performs acknowledged writes through the
domain layer, one after another, on a copy of a database of a few MB (so a save
takes tens of milliseconds).  After each write returns the writer reports
``ack N`` on a pipe.  The parent kills it with SIGKILL after a random delay —
half of the rounds anywhere in its next writes, the other half just after the
writer announced (through the save seam of ``modelunit.storage.files``) that it
opened its temp file, so that many kills land inside a save.  Then, with no
writer alive, the parent checks:

* the file parses as JSON, ``Database(path).snapshot()`` opens it, the audit chain verifies;
* every acknowledged write is there, and at most the one write in flight besides
  (``acked <= committed <= acked + 1``); a temp file left behind means the write in
  flight is wholly absent;
* the writes are all-or-nothing: the data equals a model replayed from the
  committed writes, and each write's audit entry matches its data change;
* nobody holds the lock, the next write by another process succeeds and removes
  the temp files the killed one left.

The last kill of each test is followed by the real command line in a fresh process.
Writes are numbered 1, 2, ... per kind; write N is fully determined by N.

The same three kinds of writes are killed on a PostgreSQL database too (the last test but one): there
no file can be torn, and the checks are the database's — acknowledged writes all there, at most the one
in flight besides, the data equal to the committed writes replayed, the chain intact.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import json
import os
import select
import signal
import statistics
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from modelunit.domain import audit, campaigns, context, records, selfcheck, sheets
from modelunit.domain.models import STAGES, User, from_dict, sheet_key
from modelunit.storage import files
from modelunit.storage.database import Database, open_database_at
from tests.conftest import PASSWORD, pg_world, run_cli
from tests.reliability.conftest import BIG_CAMPAIGN, SEED, SELF_CAMPAIGN, scale

WATCHDOG = 120.0  # seconds: only guards against a hang, never a pass/fail threshold


# ----------------------------------------------------------------------------- the three kinds of writes


class Writes(ABC):
    """A numbered sequence of writes of one kind and the state it must leave."""

    name = ""

    def __init__(self, world) -> None:
        self.world = world
        snap = world.db.snapshot()
        self.users = {name: from_dict(User, doc) for name, doc in snap.users.items()}

    def ctx(self, db: Database, user: str, campaign: str | None = None) -> context.Context:
        return context.Context(db, self.users[user], campaign)

    @abstractmethod
    def write(self, db: Database, n: int) -> None:
        """Perform write number ``n`` through the domain layer."""

    @abstractmethod
    def mine(self, entry: dict) -> bool:
        """Is this audit entry (newer than the test's start) one of this kind's writes?"""

    @abstractmethod
    def check(self, snap, mine: list[dict]) -> None:
        """The data must be exactly what writes 1..len(mine) leave, audit entry by audit entry."""

    @abstractmethod
    def cli(self, n: int, folder: Path) -> tuple[list[str], str]:
        """Write ``n`` as a command line: (arguments, user)."""


def _slot_value(n: int, count: int) -> str:
    # Alternate passes over the slots write 0.5 then 1, so every write changes a score.
    return "0.5" if ((n - 1) // count) % 2 == 0 else "1"


class ScoreImports(Writes):
    """Inspector i1 imports one score row (with a note naming the write) on an open sheet."""

    name = "score-import"
    UNITS = ("U1", "U2", "B0000", "B0001")

    def __init__(self, world) -> None:
        super().__init__(world)
        snap = world.db.snapshot()
        cs = records.criteria_of(records.campaign_of(snap, BIG_CAMPAIGN))
        self.slots = [(u, it.id) for u in self.UNITS for it in cs.items]
        self.initial = {(u, it): snap.sheets.get(sheet_key(BIG_CAMPAIGN, u, "i1"))["scores"][it]
                        for u, it in self.slots}

    def row(self, n: int) -> tuple[str, str, str]:
        unit, item = self.slots[(n - 1) % len(self.slots)]
        return unit, item, _slot_value(n, len(self.slots))

    def write(self, db, n):
        unit, item, value = self.row(n)
        sheets.import_scores(self.ctx(db, "i1", BIG_CAMPAIGN),
                                 [(2, {"unit": unit, "inspector": "i1", "item": item, "score": value,
                                       "note": f"w{n}"})], "kill.csv")

    def mine(self, e):
        return e["action"] == "score.edit" and e["campaign"] == BIG_CAMPAIGN and e["user"] == "i1"

    def check(self, snap, mine):
        scores, notes = dict(self.initial), {}
        for n, e in enumerate(mine, start=1):
            unit, item, value = self.row(n)
            assert (e["target"], e["before"], e["after"]) == (f"{unit}/i1", {item: scores[(unit, item)]},
                                                             {item: value}), f"audit entry of write {n}"
            scores[(unit, item)], notes[(unit, item)] = value, f"w{n}"
        sheets = {u: snap.sheets.get(sheet_key(BIG_CAMPAIGN, u, "i1")) for u in self.UNITS}
        for (unit, item), value in scores.items():
            sheet = sheets[unit]
            assert sheet["scores"][item] == value, f"{unit}/{item} after {len(mine)} writes"
            assert sheet["notes"].get(item) == notes.get((unit, item)), f"{unit}/{item} note after {len(mine)} writes"
            assert not sheet["submitted"]

    def cli(self, n, folder):
        unit, item, value = self.row(n)
        f = folder / f"scores-{n}.csv"
        f.write_text(f"unit,inspector,item,score,note\n{unit},i1,{item},{value},w{n}\n", encoding="utf-8")
        return ["--campaign", BIG_CAMPAIGN, "score", "import", str(f)], "i1"


class SelfCheckEdits(Writes):
    """The office imports one self-check row (score and a note naming the write)."""

    name = "selfcheck-edit"
    UNITS = ("U1", "U2", "B0000", "B0001")

    def __init__(self, world) -> None:
        super().__init__(world)
        snap = world.db.snapshot()
        cs = records.criteria_of(records.campaign_of(snap, SELF_CAMPAIGN))
        self.slots = [(u, it.id) for u in self.UNITS for it in cs.items]
        self.initial = {u: snap.entries.get(f"{SELF_CAMPAIGN}|{u}")["selfcheck"] for u in self.UNITS}

    def row(self, n):
        unit, item = self.slots[(n - 1) % len(self.slots)]
        return unit, item, _slot_value(n, len(self.slots))

    def write(self, db, n):
        unit, item, value = self.row(n)
        selfcheck.import_selfcheck(self.ctx(db, "office", SELF_CAMPAIGN),
                                   [(2, {"unit": unit, "item": item, "score": value, "note": f"w{n}"})], "kill.csv")

    def mine(self, e):
        return e["action"] == "selfcheck.edit" and e["campaign"] == SELF_CAMPAIGN

    def check(self, snap, mine):
        state = {u: dict(v) for u, v in self.initial.items()}
        for n, e in enumerate(mine, start=1):
            unit, item, value = self.row(n)
            before = dict(state[unit])
            state[unit][item] = {"score": value, "note": f"w{n}"}
            # the row and its audit entry were saved together: the entry records exactly this change
            assert (e["target"], e["before"], e["after"]) == (unit, before, state[unit]), f"audit entry of write {n}"
        for unit, expected in state.items():
            entry = snap.entries.get(f"{SELF_CAMPAIGN}|{unit}")
            assert entry["selfcheck"] == expected, f"self-check of {unit} after {len(mine)} writes"
            assert entry["status"] == "registered"

    def cli(self, n, folder):
        unit, item, value = self.row(n)
        f = folder / f"self-{n}.csv"
        f.write_text(f"unit,item,score,note\n{unit},{item},{value},w{n}\n", encoding="utf-8")
        return ["--campaign", SELF_CAMPAIGN, "selfcheck", "import", str(f)], "office"


class StageChanges(Writes):
    """Campaigns 2150-K, six writes each: create, two gap records, three stage changes
    (the change into inspection moves every enrolled unit to not-nominated in the same save)."""

    name = "stage-change"
    YEAR = 2150
    ACTIONS = ("campaign.create", "selfcheck.gap", "selfcheck.gap", "campaign.advance", "campaign.advance",
               "campaign.advance")
    GAPS = {1: ("U1", "A1"), 2: ("U2", "B1")}  # step → (unit, item)

    def __init__(self, world) -> None:
        super().__init__(world)
        self.codes = set(world.db.snapshot().units.keys())
        self.criteria = str(world.criteria)

    def step(self, n):
        k, step = divmod(n - 1, len(self.ACTIONS))
        return f"{self.YEAR}-{k + 1}", k + 1, step

    def write(self, db, n):
        cid, batch, step = self.step(n)
        if step == 0:
            campaigns.create_campaign(self.ctx(db, "office"),
                                      campaigns.CampaignSpec(year=self.YEAR, batch=batch, criteria_path=self.criteria))
        elif step in self.GAPS:
            unit, item = self.GAPS[step]
            selfcheck.add_gap(self.ctx(db, "office", cid), unit, item, f"w{n}", "整改", None)
        else:
            campaigns.advance(self.ctx(db, "office", cid), reason=f"w{n}")

    def mine(self, e):
        return (e.get("campaign") or "").startswith(f"{self.YEAR}-")

    def check(self, snap, mine):
        for n, e in enumerate(mine, start=1):
            cid, _, step = self.step(n)
            assert (e["action"], e["campaign"]) == (self.ACTIONS[step], cid), f"audit entry of write {n}"
            if step in self.GAPS:
                assert e["after"]["problem"] == f"w{n}"
            elif step >= 3:
                assert (e["after"]["stage"], e["after"]["reason"]) == (STAGES[step - 2], f"w{n}")
        c = len(mine)
        per = len(self.ACTIONS)
        by_campaign: dict[str, dict[str, dict]] = {}
        for key, doc in snap.entries.items():
            if key.startswith(f"{self.YEAR}-"):
                cid, unit = key.split("|")
                by_campaign.setdefault(cid, {})[unit] = doc
        for k in range(1, c // per + 3):
            cid = f"{self.YEAR}-{k}"
            done = max(0, min(per, c - per * (k - 1)))  # writes of this campaign committed
            doc = snap.campaigns.get(cid)
            entries = by_campaign.get(cid, {})
            if done == 0:
                assert doc is None and not entries, f"{cid} exists after {c} writes"
                continue
            stage = max(0, done - 3)
            assert doc["stage"] == STAGES[stage], f"{cid} after {c} writes"
            assert [s["stage"] for s in doc["stage_log"]] == list(STAGES[:stage + 1])
            assert set(entries) == self.codes, f"{cid}: every unit enrolled in the same save"
            statuses = {d["status"] for d in entries.values()}
            assert statuses == ({"not_nominated"} if done >= 5 else {"registered"}), f"{cid}: {statuses} ({done})"
            for step, (unit, item) in self.GAPS.items():
                gaps = [(g["item"], g["problem"]) for g in entries[unit]["gaps"]]
                want = [(item, f"w{per * (k - 1) + step + 1}")] if done > step else []
                assert gaps == want, f"{cid}/{unit} gaps after {c} writes"

    def cli(self, n, folder):
        cid, batch, step = self.step(n)
        if step == 0:
            return ["campaign", "create", "--year", str(self.YEAR), "--batch", str(batch),
                    "--criteria", self.criteria], "office"
        if step in self.GAPS:
            unit, item = self.GAPS[step]
            return ["--campaign", cid, "selfcheck", "gap", unit, "--item", item, "--problem", f"w{n}",
                    "--measure", "整改"], "office"
        return ["--campaign", cid, "campaign", "advance", "--reason", f"w{n}"], "office"


KINDS = {k.name: k for k in (ScoreImports, SelfCheckEdits, StageChanges)}


# ----------------------------------------------------------------------------- the writer process


class Pipe:
    """Lines a writer reports: ``ready``, ``save N``, ``ack N cycle save``, ``error ...``."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buf = b""
        self.lines: list[str] = []
        self.seen = 0
        self.eof = False

    def _pump(self, timeout: float) -> None:
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return
        chunk = os.read(self.fd, 65536)
        if not chunk:
            self.eof = True
            return
        self.buf += chunk
        *done, self.buf = self.buf.split(b"\n")
        self.lines += [line.decode() for line in done]

    def wait_for(self, prefix: str) -> str | None:
        """The next line starting with ``prefix``; None if the writer failed or went away."""
        deadline = time.monotonic() + WATCHDOG
        while True:
            while self.seen < len(self.lines):
                line = self.lines[self.seen]
                self.seen += 1
                if line.startswith("error"):
                    return None
                if line.startswith(prefix):
                    return line
            if self.eof or time.monotonic() > deadline:
                return None
            self._pump(deadline - time.monotonic())

    def drain(self) -> list[str]:
        deadline = time.monotonic() + WATCHDOG
        while not self.eof and time.monotonic() < deadline:
            self._pump(deadline - time.monotonic())
        os.close(self.fd)
        return self.lines


def _writer(writes: Writes, path: str, start: int, out: int) -> None:
    """The child: writes start, start+1, ... until killed; acknowledges each after it returns.  (On a
    server database the save seam of the file is never reached: its marks stay 0.)"""
    n = start
    try:
        db = open_database_at(path)
        marks = {"open": 0.0, "replaced": 0.0}
        real_open, real_replace = files._open, files._replace

        def announced_open(p, flags, mode=0o777):
            marks["open"] = time.perf_counter()
            os.write(out, f"save {n}\n".encode())
            return real_open(p, flags, mode)

        def timed_replace(src, dst):
            real_replace(src, dst)
            marks["replaced"] = time.perf_counter()

        files._open, files._replace = announced_open, timed_replace
        os.write(out, b"ready\n")
        while True:
            began = time.perf_counter()
            writes.write(db, n)
            took = time.perf_counter() - began
            os.write(out, f"ack {n} {took:.6f} {marks['replaced'] - marks['open']:.6f}\n".encode())
            n += 1
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which fails the test
        with contextlib.suppress(BaseException):
            os.write(out, f"error in write {n}: {type(e).__name__}: {e}\n".encode())
    finally:
        os._exit(3)


@dataclass
class Child:
    pid: int
    pipe: Pipe
    writes: Writes


_alive: set[int] = set()  # writers not yet reaped, killed at teardown if a test fails half-way


@pytest.fixture(autouse=True)
def _no_writer_outlives_its_test():
    yield
    for pid in list(_alive):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        _alive.discard(pid)


def spawn(writes: Writes, path: str, start: int) -> Child:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        os.close(r)
        _writer(writes, path, start, w)
    _alive.add(pid)
    os.close(w)
    return Child(pid, Pipe(r), writes)


def kill(child: Child) -> list[str]:
    os.kill(child.pid, signal.SIGKILL)
    _, status = os.waitpid(child.pid, 0)
    _alive.discard(child.pid)
    lines = child.pipe.drain()
    errors = [line for line in lines if line.startswith("error")]
    assert not errors, f"{child.writes.name} writer failed: {errors}"
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, f"writer exited by itself: {lines}"
    return lines


# ----------------------------------------------------------------------------- the checks after a kill


@dataclass
class Timing:
    cycles: list[float] = field(default_factory=list)
    saves: list[float] = field(default_factory=list)

    def cycle(self) -> float:
        return statistics.median(self.cycles[-15:])

    def save(self) -> float:
        return max(0.001, statistics.median(self.saves[-15:])) if self.saves else self.cycle() / 4


@dataclass
class Track:
    writes: Writes
    acked: int = 0  # every write up to here is acknowledged (or proven committed)
    timing: Timing = field(default_factory=Timing)
    kills: dict[str, int] = field(default_factory=lambda: {"mid-save": 0, "saved-not-acked": 0, "outside-save": 0,
                                                          "temp-left": 0})


class Harness:
    def __init__(self, world, names: list[str], tally) -> None:
        self.world = world
        self.path = world.db.path
        self.tally = tally
        self.tracks = {name: Track(KINDS[name](world)) for name in names}
        self.base_seq = audit.head(world.db.snapshot())["seq"]
        self.started = time.monotonic()

    def temps(self) -> dict[int, list[str]]:
        """Temp files beside the database, by the pid of the writer that made them."""
        out: dict[int, list[str]] = {}
        for p in glob.glob(files.temp_pattern(self.path)):
            out.setdefault(int(os.path.basename(p).split(".")[3]), []).append(p)
        return out

    def assert_lock_free(self) -> None:
        """No writer is alive, so the lock must be free at once (the kernel dropped the killed one's)."""
        fd = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pytest.fail("a killed writer's lock is still held")
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def verify(self) -> dict[str, int]:
        """Check the whole file; returns the number of committed writes of each kind."""
        raw = Path(self.path).read_bytes()
        data = json.loads(raw.decode("utf-8"))  # a torn file would fail here
        assert {"users", "units", "campaigns", "entries", "sheets", "audit", "meta"} <= set(data)
        snap = Database(self.path).snapshot()
        verdict = audit.verify(snap)
        assert verdict.ok, f"audit chain broken at {verdict.broken_at}: {verdict.reason}"
        newer = [e for _, e in sorted(snap.audit.items()) if e["seq"] > self.base_seq]
        committed = {}
        for name, track in self.tracks.items():
            mine = [e for e in newer if track.writes.mine(e)]
            c = len(mine)
            assert c >= track.acked, f"{name}: {track.acked} writes acknowledged, only {c} in the file"
            assert c <= track.acked + 1, f"{name}: {c} writes committed but only {track.acked} acked + 1 in flight"
            track.writes.check(snap, mine)
            committed[name] = c
        assert len(newer) == sum(committed.values()), "audit entries no writer made"
        return committed

    def probe(self, name: str, n: int) -> float:
        """The next write, by this (another) process: it must succeed and clear stale temp files."""
        track = self.tracks[name]
        began = time.perf_counter()
        track.writes.write(Database(self.path), n)
        took = time.perf_counter() - began
        track.acked = n
        assert not self.temps(), "a temp file survived the next write"
        return took

    def record_acks(self, track: Track, lines: list[str]) -> None:
        for line in lines:
            if line.startswith("ack "):
                _, n, cycle, save = line.split()
                assert int(n) == track.acked + 1, f"ack {n} out of order after {track.acked}"
                track.acked = int(n)
                track.timing.cycles.append(float(cycle))
                track.timing.saves.append(float(save))

    def after_kill(self, killed: dict[str, tuple[Child, list[str]]]) -> dict[str, int]:
        """Record acks, classify each kill, run every check; returns committed counts."""
        temps = self.temps()
        assert set(temps) <= {child.pid for child, _ in killed.values()}, "a temp file of no killed writer"
        before, saving = {}, {}
        for name, (_, lines) in killed.items():
            track = self.tracks[name]
            self.record_acks(track, lines)
            before[name] = track.acked
            saving[name] = f"save {track.acked + 1}" in lines  # the write in flight had begun its save
        committed = self.verify()
        for name, (child, _) in killed.items():
            track = self.tracks[name]
            temp_left = child.pid in temps
            if temp_left:
                assert saving[name] and committed[name] == before[name], "a temp file left, yet its write is in"
            if committed[name] == before[name] + 1:
                where = "saved-not-acked"  # killed between the replace and the acknowledgement
            elif saving[name]:
                where = "mid-save"  # killed inside the save, before the replace
            else:
                where = "outside-save"  # computing, waiting for the lock, or between writes
            track.kills[where] += 1
            track.kills["temp-left"] += temp_left
            self.tally.add(name, where, temp_left)
            track.acked = committed[name]  # a saved write is now as good as acknowledged
        self.assert_lock_free()
        return committed

    def finish_with_cli(self) -> None:
        """The next command after the last kill: the real CLI in a fresh process, for each kind."""
        for name, track in self.tracks.items():
            n = track.acked + 1
            args, user = track.writes.cli(n, self.world.dir)
            res = run_cli(*args, db=self.path, user=user, password=PASSWORD, cwd=self.world.dir)
            assert res.returncode == 0, f"{name}: {args} -> {res.returncode}\n{res.stdout}\n{res.stderr}"
            track.acked = n
            assert not self.temps(), "a temp file survived the next command"
        self.assert_lock_free()
        committed = self.verify()
        assert committed == {name: t.acked for name, t in self.tracks.items()}
        assert not glob.glob(os.path.join(os.path.dirname(self.path), ".*.tmp"))

    def summary(self, label: str) -> str:
        parts = []
        for name, t in self.tracks.items():
            kills = sum(t.kills[k] for k in ("mid-save", "saved-not-acked", "outside-save"))
            parts.append(f"{name}: {kills} kills ({t.kills['mid-save']} mid-save "
                         f"[{t.kills['temp-left']} left a temp file], "
                         f"{t.kills['saved-not-acked']} saved-not-acked, {t.kills['outside-save']} outside a save), "
                         f"{t.acked} writes, save ~{t.timing.save() * 1e3:.0f} ms of ~{t.timing.cycle() * 1e3:.0f} ms")
        size = os.path.getsize(self.path) / 1e6
        return (f"\n[{label}] " + "; ".join(parts) +
                f"; db {size:.1f} MB; {time.monotonic() - self.started:.1f} s")


def _wait_ready(child: Child) -> None:
    if child.pipe.wait_for("ready") is None:
        kill_lines = []
        with contextlib.suppress(Exception):
            os.kill(child.pid, signal.SIGKILL)
            os.waitpid(child.pid, 0)
            _alive.discard(child.pid)
            kill_lines = child.pipe.drain()
        pytest.fail(f"{child.writes.name} writer did not start: {kill_lines}")


# ----------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("kind", list(KINDS))
def test_sigkill_during_writes_of_one_kind(big_world, rng, kill_tally, kind, record_property):
    """One writer at a time, killed at a random moment, ``scale(10, 75)`` times per kind."""
    kills = scale(10, 75)
    h = Harness(big_world, [kind], kill_tally)
    track = h.tracks[kind]
    track.timing.cycles.append(h.probe(kind, 1))  # write 1, by the parent: also a first timing
    for i in range(kills):
        child = spawn(track.writes, h.path, track.acked + 1)
        _wait_ready(child)
        if i % 2:  # aim at the save: a random moment soon after the temp file is opened
            if child.pipe.wait_for("save ") is None:
                kill(child)
                pytest.fail("writer failed before its first save")
            delay = rng.uniform(0, track.timing.save())
        else:  # anywhere within its next few writes
            delay = rng.uniform(0, 3 * track.timing.cycle())
        time.sleep(delay)
        lines = kill(child)
        committed = h.after_kill({kind: (child, lines)})
        if i < kills - 1:
            track.timing.cycles.append(h.probe(kind, committed[kind] + 1))
    h.finish_with_cli()
    kill_tally.tests.add(f"single:{kind}")
    record_property("summary", h.summary(f"{kind} x{kills}").strip())
    assert track.kills["mid-save"] + track.kills["saved-not-acked"] + track.kills["outside-save"] == kills


def test_sigkill_of_three_concurrent_writers(big_world, rng, kill_tally, record_property):
    """A score importer, a self-check editor and a stage changer at once (queueing on the lock),
    each killed at its own random moment, ``scale(3, 30)`` rounds."""
    rounds = scale(3, 30)
    names = list(KINDS)
    h = Harness(big_world, names, kill_tally)
    for name in names:
        h.tracks[name].timing.cycles.append(h.probe(name, 1))
    for r in range(rounds):
        children = {name: spawn(h.tracks[name].writes, h.path, h.tracks[name].acked + 1) for name in names}
        for child in children.values():
            _wait_ready(child)
        # With three writers queueing on the lock a write takes about three cycles.  Each round one
        # writer (in turn) is killed soon after it opens its temp file, the others at random moments.
        span = 3 * len(names) * max(t.timing.cycle() for t in h.tracks.values())
        target = names[r % len(names)]
        others = sorted((rng.uniform(0, span), name) for name in names if name != target)
        killed = {}
        if children[target].pipe.wait_for("save ") is None:
            kill(children[target])
            pytest.fail(f"{target} writer failed before its first save")
        time.sleep(rng.uniform(0, h.tracks[target].timing.save()))
        killed[target] = (children[target], kill(children[target]))
        began = time.monotonic()
        for at, name in others:
            time.sleep(max(0.0, began + at - time.monotonic()))
            killed[name] = (children[name], kill(children[name]))
        committed = h.after_kill(killed)
        if r < rounds - 1:
            for name in names:
                h.tracks[name].timing.cycles.append(h.probe(name, committed[name] + 1))
    h.finish_with_cli()
    kill_tally.tests.add("concurrent")
    record_property("summary", h.summary(f"3 concurrent writers x{rounds}").strip())


def _verify_server(world, writes: dict[str, Writes], acked: dict[str, int], base_seq: int) -> dict[str, int]:
    """After a round of kills on a server database: the chain verifies, every kind has its acknowledged
    writes and at most the one in flight besides, and the data is what its committed writes leave."""
    snap = world.reopened().snapshot()
    verdict = audit.verify(snap)
    assert verdict.ok, f"audit chain broken at {verdict.broken_at}: {verdict.reason}"
    newer = [e for _, e in sorted(snap.audit.items()) if e["seq"] > base_seq]
    committed = {}
    for name, kind in writes.items():
        mine = [e for e in newer if kind.mine(e)]
        assert acked[name] <= len(mine) <= acked[name] + 1, f"{name}: {len(mine)} committed, {acked[name]} acked"
        kind.check(snap, mine)
        committed[name] = len(mine)
    assert len(newer) == sum(committed.values()), "audit entries no writer made"
    return committed


def test_sigkill_of_three_concurrent_writers_on_postgresql(big_template, tmp_path, monkeypatch, rng,
                                                          record_property):
    """The same three kinds of writes on a PostgreSQL database, at once (queueing on the server's lock),
    each killed at a random moment, ``scale(4, 30)`` rounds: nothing acknowledged is lost, at most the
    write in flight is in besides, and each write is all or nothing (the server rolls back the
    transaction of a connection that died)."""
    rounds = scale(4, 30)
    world = pg_world(big_template, tmp_path, monkeypatch)
    writes = {name: kind(world) for name, kind in KINDS.items()}
    acked = dict.fromkeys(writes, 0)
    base_seq = audit.head(world.db.snapshot())["seq"]
    world.db.close()  # the writers are forked: each opens a connection of its own
    kills = in_flight = 0
    for _ in range(rounds):
        children = {name: spawn(w, world.db.locator, acked[name] + 1) for name, w in writes.items()}
        for child in children.values():
            _wait_ready(child)
        began = time.monotonic()
        for at, name in sorted((rng.uniform(0, 0.4), name) for name in children):
            time.sleep(max(0.0, began + at - time.monotonic()))
            for line in kill(children[name]):
                if line.startswith("ack "):
                    n = int(line.split()[1])
                    assert n == acked[name] + 1, f"{name}: ack {n} out of order after {acked[name]}"
                    acked[name] = n
            kills += 1
        committed = _verify_server(world, writes, acked, base_seq)
        in_flight += sum(committed[name] - acked[name] for name in writes)
        acked = committed  # a committed write is as good as acknowledged
    record_property("summary", f"[postgresql sigkill] 3 concurrent writers x{rounds}: {kills} kills, "
                    f"{sum(acked.values())} writes ({', '.join(f'{k} {v}' for k, v in acked.items())}), 0 lost, "
                    f"{in_flight} committed but not acknowledged; seed {SEED}")


def test_the_kills_reach_the_target(kill_tally, record_property):
    """Runs last in this file: quick mode kills at least 30 times, full mode at least 200
    (when the whole file ran; a single test chosen with -k has nothing to add up)."""
    expected = {f"single:{k}" for k in KINDS} | {"concurrent"}
    if expected <= kill_tally.tests:
        assert kill_tally.total >= scale(30, 200), kill_tally.line()
        assert set(kill_tally.kills) == set(KINDS)
    record_property("summary", kill_tally.line())
