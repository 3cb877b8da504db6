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
    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="mu-pg-")
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self.data = os.path.join(self.folder, "data")
        subprocess.run(_as_owner([_bin("initdb"), "-D", self.data, "--auth=trust", "-U", "postgres", "-E", "UTF8",
                                  "--locale=C.UTF-8", "-N"]), check=True, capture_output=True)
        # fsync off: a test cluster outlives no machine crash; a SIGKILLed client loses nothing either way.
        subprocess.run(_as_owner([_bin("pg_ctl"), "-D", self.data, "-l", os.path.join(self.folder, "log"), "-w",
                                  "-o", f"-k {self.folder} -c listen_addresses='' -c fsync=off "
                                        "-c max_connections=200", "start"]), check=True, capture_output=True)
        subprocess.run([_bin("psql"), "-h", self.folder, "-U", "postgres", "-q", "-c",
                        f"CREATE DATABASE {DBNAME}"], check=True, capture_output=True)

    def stop(self) -> None:
        subprocess.run(_as_owner([_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)


_counter = itertools.count()


def admin_url(socket: str) -> str:
    return f"postgresql://postgres@/{DBNAME}?host={quote(socket)}"


def new_database(socket: str) -> str:
    """The URL of a new, empty modelunit database (a schema of its own)."""
    import psycopg

    name = f"t{os.getpid()}_{next(_counter)}"
    with psycopg.connect(admin_url(socket), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    return f"{admin_url(socket)}&options={quote(f'-csearch_path={name}')}"
