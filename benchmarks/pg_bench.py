"""The database on PostgreSQL against the TinyDB file, at district and province scale, each figure
beside its floor in the same run.

    python benchmarks/pg_bench.py postgresql://USER@HOST/DBNAME     # an empty database to work in
    python benchmarks/pg_bench.py URL --smoke                       # 20 units, one run of each figure

- one score write (an office change with a reason, as ``score import`` makes it, in this process: the
  database's time without Python's start-up or the password check), on both backends; target on
  PostgreSQL: under 50 ms at province scale;
- ``tally --format json``, the whole command, beside its floor on PostgreSQL: connect, read every row it
  needs and parse it, check one password; target 1.5x;
- 8 writers at once for a few seconds: writes a second, none lost.

Each scale works in a schema of its own in the database the URL names, dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import run, table  # noqa: E402
from scale import PASSWORD, build  # noqa: E402

from modelunit.cli.commands import run_import  # noqa: E402
from modelunit.domain import context, users  # noqa: E402
from modelunit.storage.copy import copy_database  # noqa: E402
from modelunit.storage.database import Database  # noqa: E402
from modelunit.storage.pg import PgDatabase  # noqa: E402

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


def writers(url: str, seconds: float) -> tuple[int, int]:
    """8 writers bumping one counter for ``seconds``: (writes committed, updates lost)."""
    done = [0] * 8
    stop = time.monotonic() + seconds

    def work(i: int) -> None:
        db = PgDatabase(url)
        while time.monotonic() < stop:
            with db.transaction() as tx:
                count = (tx.meta.get("bench-counter") or {"n": 0})["n"]
                tx.meta.put("bench-counter", {"n": count + 1})
            done[i] += 1
        db.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    stored = PgDatabase(url).snapshot().meta.get("bench-counter")["n"]
    return sum(done), sum(done) - stored


def scale(url: str, n_units: int, folder: Path, repeat: int) -> dict:
    import psycopg

    schema = f"bench_{n_units}_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        path = str(folder / f"bench{n_units}.json")
        build(path, n_units)
        file_db, pg_url = Database(path), schema_url(url, schema)
        os.environ["MODELUNIT_FILES"] = str(folder / "files")
        pg = PgDatabase(pg_url)
        t0 = time.perf_counter()
        copy_database(file_db, pg)
        fig = {"units": n_units, "copy": time.perf_counter() - t0, "db_mb": os.path.getsize(path) / 1e6}
        fig["write_file"] = one_write(file_db, folder, repeat)
        fig["write_pg"] = one_write(pg, folder, repeat)
        env = {**os.environ, "MODELUNIT_DB": pg_url, "MODELUNIT_USER": "admin", "MODELUNIT_PASSWORD": PASSWORD}
        stored = pg.snapshot().users.get("admin")["password_hash"]
        tally = [run([sys.executable, "-m", "modelunit.cli.main", "tally", "--format", "json"], env)[0]
                 for _ in range(repeat)]
        floor = [run([sys.executable, "-c", FLOOR, pg_url, stored, PASSWORD], env)[0] for _ in range(repeat)]
        fig["tally"], fig["floor"] = min(tally), min(floor)
        seconds = 0.3 if repeat == 1 else 3.0
        fig["writes"], fig["lost"] = writers(pg_url, seconds)
        fig["writes_s"] = fig["writes"] / seconds
        pg.close()
        return fig
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", help="an existing PostgreSQL database to work in (schemas are made and dropped)")
    parser.add_argument("--smoke", action="store_true", help="20 units, one run of each figure")
    args = parser.parse_args()
    sizes, repeat = ([20], 1) if args.smoke else ([200, 2000], 3)
    import psycopg

    with psycopg.connect(args.url) as conn:
        print(f"PostgreSQL server {conn.info.server_version}, psycopg {psycopg.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        results = [scale(args.url, n, Path(tmp), repeat) for n in sizes]
    line = table(results)

    line("database (file size)", lambda r: f"{r['db_mb']:.1f} MB")
    line("db copy file → PostgreSQL", lambda r: f"{r['copy']:.2f} s")
    line("one score write, TinyDB file", lambda r: f"{r['write_file'] * 1000:.0f} ms")
    line("one score write, PostgreSQL", lambda r: f"{r['write_pg'] * 1000:.0f} ms", "target 50 ms")
    line("tally --format json on PostgreSQL (whole command)", lambda r: f"{r['tally']:.2f} s", "1.5x floor")
    line("floor: connect + read + parse rows + scrypt", lambda r: f"{r['floor']:.2f} s",
         "ratio " + ", ".join(f"{r['tally'] / r['floor']:.2f}x" for r in results))
    line("8 concurrent writers", lambda r: f"{r['writes_s']:.0f} writes/s, {r['lost']} lost", "0 lost")


if __name__ == "__main__":
    main()
