"""The database on PostgreSQL beside the TinyDB file, at district, province and ten times province
scale, each figure beside its floor in the same run.

    python benchmarks/pg_bench.py postgresql://USER@HOST/DBNAME     # district and province (200, 2,000 units)
    python benchmarks/pg_bench.py URL --scales 20000                # ten times province (a long run)
    python benchmarks/pg_bench.py URL --smoke                       # 20 units, one run of each figure

On both backends:

- one score write (an office change with a reason, as ``score import`` makes it, in this process: the
  database's time without Python's start-up or the password check); floor: the least a write must do —
  the file read, parsed, written out, fsynced and replaced; on the server one transaction that takes the
  writers' lock and writes a row back.  Target on PostgreSQL: under 50 ms at province scale;
- ``tally --format json``, the whole command; floor: start Python, read and parse the data (the file, or
  every row), check one password.  Target 1.5x;
- ``export``, the whole command; floor: the tally's floor (start, read, one password) and XlsxWriter
  alone writing as many cells;
- 8 writer processes at once: writes a second and updates lost; floor: one write at a time (the
  writers queue on one lock, since each extends the one audit chain).

Each scale works in a schema of its own in the database the URL names, dropped afterwards.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import FLOOR_READ, bare_xlsx, cli, count_cells, run, table  # noqa: E402
from scale import PASSWORD, build  # noqa: E402

from modelunit.cli.commands import run_import  # noqa: E402
from modelunit.domain import audit, context, records, users  # noqa: E402
from modelunit.domain.models import sheet_key  # noqa: E402
from modelunit.errors import ModelUnitError  # noqa: E402
from modelunit.storage import files  # noqa: E402
from modelunit.storage.copy import copy_database  # noqa: E402
from modelunit.storage.database import Database, open_database_at  # noqa: E402
from modelunit.storage.pg import LOCK_KEY, PgDatabase  # noqa: E402

FLOOR = """
import base64, hashlib, json, sys, psycopg
url, stored, password = sys.argv[1:4]
_, n, r, p, salt, digest = stored.split('$')
hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
               maxmem=256 * 1024 * 1024, dklen=len(base64.b64decode(digest)))
with psycopg.connect(url) as conn:
    rows = [(t, k, json.loads(d)) for t, k, d in conn.execute('SELECT tbl, key, doc FROM modelunit_documents')]
"""


def schema_url(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


def one_write(db, folder: Path, n: int) -> float:
    """Best of n: one score changed by the office with a reason, in this process."""
    ctx = context.Context(db, users.sign_in(db, "admin", PASSWORD), "2030-1")
    csv = folder / "one.csv"
    best = float("inf")
    for k in range(n):
        csv.write_text(f"unit,inspector,item,score\nU00000,insp1,C1.1,{3 + k % 2}\n", encoding="utf-8")
        t0 = time.perf_counter()
        run_import(ctx, "scores", str(csv), reason="基准测试")
        best = min(best, time.perf_counter() - t0)
    return best


def file_write_floor(path: str, n: int) -> float:
    """Best of n: the file read and parsed, written whole, fsynced and put in place."""
    import json

    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        with open(path, "rb") as fh:
            data = json.loads(fh.read())
        files.atomic_write(path + ".floor", json.dumps(data, ensure_ascii=False).encode("utf-8"))
        best = min(best, time.perf_counter() - t0)
    os.unlink(path + ".floor")
    return best


def pg_write_floor(url: str, n: int) -> float:
    """Best of n: one transaction that takes the writers' lock, reads a sheet's row and writes it back."""
    import psycopg

    best = float("inf")
    with psycopg.connect(url, autocommit=True) as conn:
        key = conn.execute("SELECT key FROM modelunit_documents WHERE tbl = 'sheets' LIMIT 1").fetchone()[0]
        for _ in range(n):
            t0 = time.perf_counter()
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", (LOCK_KEY,))
                doc = conn.execute("SELECT doc FROM modelunit_documents WHERE tbl = 'sheets' AND key = %s",
                                   (key,)).fetchone()[0]
                conn.execute("UPDATE modelunit_documents SET doc = %s WHERE tbl = 'sheets' AND key = %s", (doc, key))
            best = min(best, time.perf_counter() - t0)
    return best


def _writer(spec: str, actor, item: str, values: tuple[str, str], until: float, out) -> None:
    """A writer: changes its own item of U00000's first sheet back and forth (the office, with a reason,
    as ``score import`` does) until ``until`` (at least once, unless refused); reports (writes made, writes
    refused) — a writer that waits for the lock longer than a user would is refused."""
    db, made, refused = open_database_at(spec), 0, 0
    ctx = context.Context(db, actor, "2030-1")
    csv = Path(tempfile.mkdtemp()) / "w.csv"
    while made + refused == 0 or time.monotonic() < until:
        csv.write_text(f"unit,inspector,item,score\nU00000,insp1,{item},{values[made % 2]}\n", encoding="utf-8")
        try:
            run_import(ctx, "scores", str(csv), reason="基准测试")
            made += 1
        except ModelUnitError:
            refused += 1
    out.put((made, refused))


def writers(spec: str, seconds: float) -> dict:
    """8 writer processes for ``seconds`` (each tries one write at least): writes a second, updates lost
    (each write leaves one audit entry: the entries added count the writes kept), writes refused."""
    db = open_database_at(spec)
    actor, snap = users.sign_in(db, "admin", PASSWORD), db.snapshot()
    before, scores = audit.head(snap)["seq"], snap.sheets.get(sheet_key("2030-1", "U00000", "insp1"))["scores"]
    items = [it for it in records.criteria_of(records.campaign_of(snap, "2030-1")).items if it.points >= 1][:8]
    # Two values an item may take, the first not the stored one: every write changes something.
    slots = [(it.id, (v, w) if scores.get(it.id) != v else (w, v))
             for it in items for v, w in [(str(it.points), str(it.points - 1))]]
    db.close()
    fork = multiprocessing.get_context("fork")
    out = fork.Queue()
    start = time.monotonic()
    procs = [fork.Process(target=_writer, args=(spec, actor, item, values, start + seconds, out))
             for item, values in slots]
    for p in procs:
        p.start()
    made, refused = (sum(n) for n in zip(*(out.get() for _ in procs)))
    elapsed = time.monotonic() - start
    for p in procs:
        p.join()
    kept = audit.head(open_database_at(spec).snapshot())["seq"] - before
    return {"rate": made / elapsed, "lost": made - kept, "refused": refused}


def scale(url: str, n_units: int, folder: Path, repeat: int, seconds: float) -> dict:
    """Every figure at one scale; the database ``benchN.json`` in ``folder`` is built unless it is there."""
    import psycopg

    print(f"\n== {n_units} units ==", flush=True)
    schema = f"bench_{n_units}_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        path = str(folder / f"bench{n_units}.json")
        if not os.path.exists(path):
            build(path, n_units)
        file_db, pg_url = Database(path), schema_url(url, schema)
        os.environ["MODELUNIT_FILES"] = str(folder / "files")
        pg = PgDatabase(pg_url)
        t0 = time.perf_counter()
        copy_database(file_db, pg)
        fig = {"units": n_units, "copy": time.perf_counter() - t0, "db_mb": os.path.getsize(path) / 1e6}
        fig["write_file"], fig["floor_write_file"] = one_write(file_db, folder, repeat), file_write_floor(path, repeat)
        fig["write_pg"], fig["floor_write_pg"] = one_write(pg, folder, repeat), pg_write_floor(pg_url, repeat)
        stored = pg.snapshot().users.get("admin")["password_hash"]
        Path(path + ".hash").write_text(stored)  # what bench.py's file floor reads
        for name, spec, floor in (("file", path, [sys.executable, "-c", FLOOR_READ, path, PASSWORD]),
                                  ("pg", pg_url, [sys.executable, "-c", FLOOR, pg_url, stored, PASSWORD])):
            env = {**os.environ, "MODELUNIT_DB": spec, "MODELUNIT_USER": "admin", "MODELUNIT_PASSWORD": PASSWORD}
            fig[f"tally_{name}"] = min(run(cli("tally", "--format", "json"), env)[0] for _ in range(repeat))
            fig[f"floor_tally_{name}"] = min(run(floor, env)[0] for _ in range(repeat))
            xlsx = str(folder / f"{name}.xlsx")
            fig[f"export_{name}"] = min(run(cli("export", xlsx), env)[0] for _ in range(repeat))
            print(f"  tally and export on {name}: done", flush=True)
        fig["cells"] = count_cells(xlsx)
        fig["bare_xlsx"] = bare_xlsx(str(folder / "bare.xlsx"), fig["cells"])
        pg.close()
        fig["writers_file"], fig["writers_pg"] = writers(path, seconds), writers(pg_url, seconds)
        return fig
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", help="an existing PostgreSQL database to work in (schemas are made and dropped)")
    parser.add_argument("--scales", default="200,2000", help="units at each scale, comma-separated (200,2000)")
    parser.add_argument("--smoke", action="store_true", help="20 units, one run of each figure")
    parser.add_argument("--work", help="a folder to build the databases in and keep them (at 20,000 units the "
                                       "build takes minutes; a benchN.json found there is used again)")
    args = parser.parse_args()
    sizes = [20] if args.smoke else [int(s) for s in args.scales.split(",")]
    import psycopg

    with psycopg.connect(args.url) as conn:
        print(f"PostgreSQL server {conn.info.server_version}, psycopg {psycopg.__version__}, "
              f"{os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work or tmp)
        work.mkdir(parents=True, exist_ok=True)
        # Best of 3 (1 for --smoke, and at ten times province scale, where one run of each takes minutes).
        # The writers write for 3 s; with --smoke each of them writes once (its rate proves only that it runs).
        results = [scale(args.url, n, work, 1 if args.smoke or n > 5000 else 3, 0.0 if args.smoke else 3.0)
                   for n in sizes]
    line = table(results)

    def ratios(figure: str, floor: str) -> str:
        return "ratio " + ", ".join(f"{r[figure] / r[floor]:.2f}x" for r in results)

    line("database (file size)", lambda r: f"{r['db_mb']:.1f} MB")
    line("db copy file → PostgreSQL", lambda r: f"{r['copy']:.2f} s")
    def beside(name: str, key: str, floor: str, show, target: str = "") -> None:
        """A figure's row (with its target), then its floor's row with the ratio at each scale."""
        line(name, lambda r: show(r[key]), target)
        line(f"floor: {floor}", lambda r: show(r[f"floor_{key}"]), ratios(key, f"floor_{key}"))

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:,.1f} ms"

    def s(seconds: float) -> str:
        return f"{seconds:.2f} s"

    beside("one score write, file", "write_file", "read + parse + write + fsync + replace", ms)
    beside("one score write, PostgreSQL", "write_pg", "one locked transaction writing a row", ms, "target 50 ms")
    beside("tally --format json, file (whole command)", "tally_file", "read + parse the file + scrypt", s)
    beside("tally --format json, PostgreSQL (whole command)", "tally_pg", "connect + read + parse rows + scrypt", s,
           "target 1.5x floor")
    line("bare XlsxWriter, same cells", lambda r: f"{r['bare_xlsx']:.2f} s ({r['cells']:,} cells)")
    for name, backend in (("file", "file"), ("pg", "PostgreSQL")):
        for r in results:
            r[f"floor_export_{name}"] = r[f"floor_tally_{name}"] + r["bare_xlsx"]
        beside(f"export, {backend} (whole command)", f"export_{name}", "the tally's floor + bare XlsxWriter", s)
    def writing(w: dict) -> str:
        return f"{w['rate']:,.1f} writes/s, {w['lost']} lost" + (f", {w['refused']} refused" if w["refused"] else "")

    line("8 writer processes, file", lambda r: writing(r["writers_file"]),
         "floor: one at a time " + ", ".join(f"{1 / r['floor_write_file']:,.1f}/s" for r in results))
    line("8 writer processes, PostgreSQL", lambda r: writing(r["writers_pg"]),
         "floor: one at a time " + ", ".join(f"{1 / r['floor_write_pg']:,.0f}/s" for r in results))


if __name__ == "__main__":
    main()
