"""A throwaway PostgreSQL cluster for the suite: ``initdb`` in a temporary folder, listening on a Unix
socket only, started once for the whole run (by the controlling process, before xdist's workers) and
stopped after.  As root (CI's containers) it runs as the ``postgres`` user Debian's package creates.

Each test that needs a database gets a schema of its own in one database (a schema is made in a
millisecond; a database in a few hundred), named in the URL's ``search_path``.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ENV = "MODELUNIT_TEST_PG"  # the socket folder of the running cluster, for the workers
DBNAME = "modelunit_test"


def _bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)),
                                       None)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (.ci/run installs it)")
    return found


def _as_owner(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


class Cluster:
    """Started in a thread of its own, so that xdist's workers start meanwhile; :func:`new_database` waits
    for the ``ready`` (or ``failed``) file it leaves in its folder."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="mu-pg-")
        self.data = os.path.join(self.folder, "data")
        self.thread = threading.Thread(target=self._start, daemon=True)
        self.thread.start()

    def _start(self) -> None:
        try:
            self._init()
        except Exception as e:  # noqa: BLE001 — told to every test that asks for a database
            detail = getattr(e, "stderr", b"") or b""
            Path(self.folder, "failed").write_text(f"{e} {detail.decode(errors='replace')}", encoding="utf-8")
        else:
            Path(self.folder, "ready").touch()

    def _init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        subprocess.run(_as_owner([_bin("initdb"), "-D", self.data, "--auth=trust", "-U", "postgres", "-E", "UTF8",
                                  "--locale=C.UTF-8", "-N"]), check=True, capture_output=True)
        # fsync off: a test cluster outlives no machine crash; a SIGKILLed client loses nothing either way.
        subprocess.run(_as_owner([_bin("pg_ctl"), "-D", self.data, "-l", os.path.join(self.folder, "log"), "-w",
                                  "-o", f"-k {self.folder} -c listen_addresses='' -c fsync=off "
                                        "-c max_connections=200", "start"]), check=True, capture_output=True)
        subprocess.run([_bin("psql"), "-h", self.folder, "-U", "postgres", "-q", "-c",
                        f"CREATE DATABASE {DBNAME}"], check=True, capture_output=True)

    def stop(self) -> None:
        self.thread.join()
        subprocess.run(_as_owner([_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)


_counter = itertools.count()


def admin_url(socket: str) -> str:
    return f"postgresql://postgres@/{DBNAME}?host={quote(socket)}"


def new_database(socket: str) -> str:
    """The URL of a new, empty modelunit database (a schema of its own)."""
    import psycopg

    for _ in range(1200):
        if os.path.exists(os.path.join(socket, "ready")):
            break
        if os.path.exists(os.path.join(socket, "failed")):
            raise RuntimeError("the test PostgreSQL cluster did not start: "
                               + Path(socket, "failed").read_text(encoding="utf-8"))
        time.sleep(0.05)
    name = f"t{os.getpid()}_{next(_counter)}"
    with psycopg.connect(admin_url(socket), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    return f"{admin_url(socket)}&options={quote(f'-csearch_path={name}')}"
