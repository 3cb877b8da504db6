"""Benchmarks that print figures beside their floors, at district and province scale.

    python benchmarks/bench.py              # district (200 units) and province (2,000 units)
    python benchmarks/bench.py --quick      # district only
    python benchmarks/bench.py --tally      # province: the tally beside its floor only
    python benchmarks/bench.py --smoke      # 20 units, one run of each: proves the script runs (the README test);
                                            #   with --tally too

Each figure is the best of a few runs on this machine; floors are what the same
work costs without modelunit (bare XlsxWriter, a bare read-modify-write of the
same file with one password check).  Not a test: it prints, it does not fail.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scale import PASSWORD, build  # noqa: E402

from modelunit.storage import passwords  # noqa: E402


def run(cmd: list[str], env: dict, stdin: str | None = None) -> tuple[float, int]:
    """Wall time and peak memory (MiB) of a command."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
               "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)")
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], env=env, capture_output=True, text=True,
                         input=stdin).stdout.split()
    if out[2] != "0":
        raise SystemExit(f"command failed: {cmd}")
    return float(out[0]), int(out[1]) // 1024


# How many runs each figure is the best of; --smoke makes it one.
REPEAT = {"tally": 5, "write": 3}


def best(n: int, fn):
    results = [fn() for _ in range(n)]
    return min(results, key=lambda r: r[0])


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "modelunit.cli.main", *args]


def count_cells(path: str) -> int:
    with zipfile.ZipFile(path) as z:
        return sum(len(re.findall(rb"<c ", z.read(n))) for n in z.namelist() if n.startswith("xl/worksheets/"))


def bare_xlsx(path: str, cells: int) -> float:
    """Floor: XlsxWriter alone writing as many cells (half text, half numbers, ten a row)."""
    start = time.perf_counter()
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("s")
    fmt = wb.add_format({"num_format": "0.00", "border": 1})
    for i in range(cells):
        row, col = divmod(i, 10)
        if col % 2:
            ws.write_number(row, col, i * 0.5, fmt)
        else:
            ws.write_string(row, col, f"单位{row}", fmt)
    wb.close()
    return time.perf_counter() - start


# The floor of `tally`: what any command must do before it can answer: read and parse the
# database, and check one password — the admin's, at the cost stored with its hash (as the command does).
CHECK = """
import base64, hashlib, json, os, sys
def check(password):
    _, n, r, p, salt, digest = open(sys.argv[1] + '.hash').read().split('$')
    hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                   maxmem=256 * 1024 * 1024, dklen=len(base64.b64decode(digest)))
path = sys.argv[1]
"""

FLOOR_READ = CHECK + """
check(sys.argv[2])
with open(path, 'rb') as fh:
    data = json.loads(fh.read())
"""

FLOOR_WRITE = CHECK + """
check(sys.argv[2])
with open(path, 'rb') as fh:
    data = json.loads(fh.read())
payload = json.dumps(data, ensure_ascii=False, separators=(',', ':')).encode()
tmp = path + '.floor.tmp'
fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
os.write(fd, payload); os.fsync(fd); os.close(fd)
os.replace(tmp, path + '.floor')
"""


# The floor of building the demo: the password hashes it cannot avoid, at the same cost, in a bare process.
FLOOR_HASHES = """
import hashlib, sys
count, n, r, p, maxmem = map(int, sys.argv[1:])
for i in range(count):
    hashlib.scrypt(b"demo1234", salt=bytes([i]) * 16, n=n, r=r, p=p, maxmem=maxmem)
"""


def table(results: list[dict]):
    """Print the head of a Markdown table with a column for each scale; returns the function that prints
    a row: its name, its figure for each scale, and its floor or target."""
    print("\n| figure | " + " | ".join(f"{r['units']} units" for r in results) + " | floor / target |")
    print("|---|" + "---|" * len(results) + "---|")

    def line(name: str, fn, floor: str = "") -> None:
        print(f"| {name} | " + " | ".join(fn(r) for r in results) + f" | {floor} |")

    return line


def paired(n: int, fn, floor_fn) -> tuple[tuple[float, int], tuple[float, int]]:
    """Best of n runs of a command and of its floor, taken in turns so that a busy machine
    weighs on both alike."""
    runs, floors = [], []
    for _ in range(n):
        runs.append(fn())
        floors.append(floor_fn())
    return min(runs, key=lambda r: r[0]), min(floors, key=lambda r: r[0])


def scale(n_units: int, folder: Path, tally_only: bool = False) -> dict:
    print(f"\n== {n_units} units x 5 inspectors x 25 items + bonus ==", flush=True)
    db = str(folder / f"bench{n_units}.json")
    times = build(db, n_units)
    env = {**os.environ, "MODELUNIT_DB": db, "MODELUNIT_USER": "admin", "MODELUNIT_PASSWORD": PASSWORD}
    fig: dict = {"units": n_units, "db_mb": os.path.getsize(db) / 1e6, "score_import": times["score import"],
                 "score_rows": n_units * 5 * 25}

    with open(db, encoding="utf-8") as fh:
        admin = next(u for u in json.load(fh)["users"].values() if u["name"] == "admin")
    Path(db + ".hash").write_text(admin["password_hash"])
    (fig["tally"], fig["tally_mib"]), (fig["floor_read"], _) = paired(
        REPEAT["tally"], lambda: run(cli("tally", "--format", "json"), env),
        lambda: run([sys.executable, "-c", FLOOR_READ, db, PASSWORD], env))
    if tally_only:
        return fig

    # One score change through the CLI vs the floor.
    one = folder / "one.csv"

    def one_write():
        one.write_text("unit,inspector,item,score\nU00000,insp1,C1.1,4\n", encoding="utf-8")
        return run(cli("score", "import", str(one), "--reason", "基准测试"), env)

    # Scores are submitted in the benchmark database, so an admin change with a reason is the real case.
    fig["one_write"], _ = best(REPEAT["write"], one_write)
    fig["floor_write"], _ = best(REPEAT["write"], lambda: run([sys.executable, "-c", FLOOR_WRITE, db, PASSWORD], env))

    xlsx = str(folder / "out.xlsx")
    fig["export"], fig["export_mib"] = best(1, lambda: run(cli("export", xlsx), env))
    fig["cells"] = count_cells(xlsx)
    fig["bare_xlsx"] = bare_xlsx(str(folder / "bare.xlsx"), fig["cells"])
    return fig


def demo_build(folder: Path) -> dict:
    """``modelunit demo --no-tui`` building a new demo, beside its floor: one password hash for each of the
    demo's users and one for the office's sign-in, made in a bare Python process."""
    from modelunit.demo import CLERKS, INSPECTORS

    hashes = 1 + len(INSPECTORS) + len(CLERKS) + 1
    env = dict(os.environ)
    runs = itertools.count()

    def build() -> tuple[float, int]:
        target = folder / f"demo-{next(runs)}"
        target.mkdir()
        return run(cli("--db", str(target / "demo.json"), "demo", "--no-tui"), env)

    floor = [sys.executable, "-c", FLOOR_HASHES, str(hashes),
             *(str(v) for v in (passwords.N, passwords.R, passwords.P, passwords.MAXMEM))]
    (seconds, mib), (floor_seconds, _) = paired(REPEAT["write"], build, lambda: run(floor, env))
    return {"demo": seconds, "demo_mib": mib, "floor": floor_seconds, "hashes": hashes}


def startup() -> dict:
    env = dict(os.environ)
    crit = str(Path(__file__).resolve().parent.parent / "criteria" / "nine-measures.yaml")
    t, _ = best(REPEAT["tally"], lambda: run(cli("criteria", "check", crit), env))
    bare, _ = best(REPEAT["tally"], lambda: run([sys.executable, "-c", "pass"], env))
    return {"startup": t, "python": bare}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="district scale only")
    parser.add_argument("--tally", action="store_true", help="province scale, the tally and its floor only")
    parser.add_argument("--smoke", action="store_true", help="20 units, one run of each figure (a quick check)")
    args = parser.parse_args()
    if args.smoke:
        REPEAT.update(tally=1, write=1)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    t0 = time.perf_counter()
    hashlib.scrypt(b"x", salt=b"y" * 16, n=passwords.N, r=passwords.R, p=passwords.P, maxmem=passwords.MAXMEM)
    print(f"one password check (scrypt n={passwords.N}): {time.perf_counter() - t0:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        if args.tally:
            r = scale(20 if args.smoke else 2000, Path(tmp), tally_only=True)
            print(f"\ntally --format json: {r['tally']:.2f} s, {r['tally_mib']} MiB; floor (read + parse + one "
                  f"password check): {r['floor_read']:.2f} s; ratio {r['tally'] / r['floor_read']:.2f}x (target 1.5x)")
            return
        sizes = [20] if args.smoke else [200] if args.quick else [200, 2000]
        results = [scale(n, Path(tmp)) for n in sizes]
        demo = demo_build(Path(tmp))
    s = startup()
    line = table(results)

    line("database size", lambda r: f"{r['db_mb']:.1f} MB")
    line("score import (rows)", lambda r: f"{r['score_import']:.2f} s ({r['score_rows']:,})", "30 s at 220,000 rows")
    line("tally --format json (whole command)", lambda r: f"{r['tally']:.2f} s, {r['tally_mib']} MiB", "1.5x floor")
    line("floor: read+parse+scrypt", lambda r: f"{r['floor_read']:.2f} s",
         "ratio " + ", ".join(f"{r['tally'] / r['floor_read']:.2f}x" for r in results))
    line("one score write via CLI", lambda r: f"{r['one_write']:.2f} s", "3x floor")
    line("floor: read+parse+dump+fsync+replace+scrypt", lambda r: f"{r['floor_write']:.2f} s",
         "ratio " + ", ".join(f"{r['one_write'] / r['floor_write']:.2f}x" for r in results))
    line("export workbook (whole command)", lambda r: f"{r['export']:.2f} s, {r['export_mib']} MiB", "2x floor")
    line("floor: bare XlsxWriter, same cells", lambda r: f"{r['bare_xlsx']:.2f} s ({r['cells']:,} cells)",
         "ratio " + ", ".join(f"{r['export'] / r['bare_xlsx']:.2f}x" for r in results))
    print(f"| modelunit demo --no-tui (builds the demo) | {demo['demo']:.2f} s, {demo['demo_mib']} MiB | floor: "
          f"{demo['hashes']} password hashes {demo['floor']:.2f} s, ratio {demo['demo'] / demo['floor']:.2f}x |")
    print(f"| CLI start-up (criteria check) | {s['startup']:.3f} s | bare python {s['python']:.3f} s | 0.3 s |")


if __name__ == "__main__":
    main()
