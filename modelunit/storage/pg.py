"""The database on a PostgreSQL server: ``--db postgresql://USER@HOST[:PORT]/DBNAME``.

The same transaction interface as the TinyDB file (:class:`modelunit.storage.database.Database`); the
domain does not know which one it runs on.  What differs is underneath:

- **Rows, not a file.**  Each document is a row of ``modelunit_documents (tbl, key, doc)``, its JSON kept
  as text exactly as the file backend writes it.  A write reads the rows it asks for and upserts the rows
  it changed, in one database transaction with its audit entry; nothing else is read or rewritten.
- **One writer at a time, by an advisory lock.**  Every write appends to the one audit hash chain, so two
  writes can never commit side by side anyway: each must know the head the other left.  A transaction-level
  advisory lock (``pg_advisory_xact_lock``) queues writers in the database itself — across processes and
  machines — and is released by the commit, by the rollback, or by the server when a connection drops.
  Serialisable transactions would give the same order with retries of whole actions (and a second run of
  whatever the action printed); row locks would leave the chain's head as the one hot row.  Readers take no
  lock: each read is one consistent (repeatable-read) look at the rows.
- **Reads are cached by generation.**  Every commit bumps ``modelunit_state.generation``; a reader re-reads
  the documents only when it changed (the file backend does the same with the file's size and time).
- **Failed sign-ins are counted in the database** (``modelunit_signins``, beside the documents and not
  in the audited data), so that a lockout holds on every machine that serves the database.
- **Files beside the database** (evidence, the refusal log) live in a folder of this machine:
  ``MODELUNIT_FILES`` or ``~/.local/share/modelunit/HOST-PORT-DBNAME``.  Several ``serve`` processes on
  several machines share evidence through a shared folder named by ``MODELUNIT_FILES``.

The password comes from ``PGPASSWORD`` or ``~/.pgpass`` (libpq reads both); one given in the URL is
refused, and no message, log line or audit entry shows the URL with one.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from modelunit.errors import BadInput, Refused
from modelunit.storage import signins
from modelunit.storage.database import TABLES, Collection, Database, Tx

if TYPE_CHECKING:
    import psycopg

SCHEMA_VERSION = 2  # of the tables below (not of the documents: that is meta.schema, as in the file)
LOCK_KEY = 0x6D75  # "mu": with the schema's name, the advisory lock every writer of one database takes

CREATE = [
    "CREATE TABLE modelunit_state (version integer NOT NULL, generation bigint NOT NULL)",
    "CREATE TABLE modelunit_documents (tbl text NOT NULL, key text NOT NULL, doc text NOT NULL, "
    "PRIMARY KEY (tbl, key))",
]
# What each version adds to the one before: a database made by an older program is brought up to date by
# the first write (or failed sign-in) of a newer one.
UPGRADES = {
    2: ["CREATE TABLE modelunit_signins (name text PRIMARY KEY, failures integer NOT NULL, locked_until text)"],
}


def _dumps(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


class Damaged(Exception):
    """A stored row that is not a document of a known table (told as ``db.corrupt``, naming the row)."""


def _parse(name: str, key: str, text: str) -> dict:
    """One stored document, checked as the file backend checks its tables."""
    if name not in TABLES:
        raise Damaged(f"unknown table {name!r}")
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise Damaged(f"{name} {key!r}: {e}") from None
    if not isinstance(doc, dict):
        raise Damaged(f"{name} {key!r}: not a document")
    return doc


def _all_documents(conn: psycopg.Connection) -> dict[str, dict[str, dict]]:
    """Every stored document, table by table, in the file backend's shape."""
    data: dict[str, dict[str, dict]] = {}
    for name, key, doc in conn.execute("SELECT tbl, key, doc FROM modelunit_documents ORDER BY tbl, key"):
        data.setdefault(name, {})[key] = _parse(name, key, doc)
    return data


def _has_documents(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT 1 FROM modelunit_documents LIMIT 1").fetchone() is not None


class PgCollection(Collection):
    """One table of a write transaction: rows read when asked for, the staged ones upserted at flush."""

    def __init__(self, tx: PgTx, name: str) -> None:
        super().__init__(tx.holder, writable=True)
        self._conn, self._name = tx.conn, name
        self._rows: dict[str, dict | None] = {}  # stored documents read so far (None: no such row)
        self._all = False  # every row of the table has been read

    def stored(self, key: str) -> dict | None:
        if key not in self._rows and not self._all:
            row = self._conn.execute("SELECT doc FROM modelunit_documents WHERE tbl = %s AND key = %s",
                                     (self._name, key)).fetchone()
            self._rows[key] = _parse(self._name, key, row[0]) if row else None
        return self._rows.get(key)

    def _stored_items(self) -> Iterator[tuple[str, dict]]:
        if not self._all:
            cur = self._conn.execute("SELECT key, doc FROM modelunit_documents WHERE tbl = %s ORDER BY key",
                                     (self._name,))
            self._rows = {key: _parse(self._name, key, doc) for key, doc in cur}
            self._all = True
        return ((key, doc) for key, doc in list(self._rows.items()) if doc is not None)

    def flush(self) -> None:
        if not self._staged:
            return
        staged, self._staged = self._staged, {}
        with self._conn.cursor() as cur:
            cur.executemany("INSERT INTO modelunit_documents (tbl, key, doc) VALUES (%s, %s, %s) "
                            "ON CONFLICT (tbl, key) DO UPDATE SET doc = EXCLUDED.doc",
                            [(self._name, key, _dumps(doc)) for key, doc in staged.items()])
        self._rows.update(staged)


class PgTx(Tx):
    """A write transaction on the server: the tables are :class:`PgCollection` s over one connection."""

    def __init__(self, conn: psycopg.Connection) -> None:  # no TinyDB underneath: Tx's state, none of its data
        self.conn = conn
        self.holder = {"data": {}, "dirty": False}
        self.writable = True
        self._collections = {}
        self.on_commit = []

    def _new_collection(self, name: str) -> Collection:
        return PgCollection(self, name)

    @property
    def data(self) -> dict:
        """Every table as stored now (this transaction's flushed writes included): the whole database."""
        return _all_documents(self.conn)


class PgDatabase(Database):
    """A modelunit database on a PostgreSQL server, with its files in a folder of this machine.  It keeps
    the file database's interface (and its refusal log and drill check); nothing of the file is used."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.password is not None:
            raise BadInput("pg.password_in_url")
        self.url = url
        self.dbname = unquote(parts.path.lstrip("/")) or (parts.username or "")
        host = parts.hostname or "local"
        port = parts.port or 5432
        home = os.environ.get("MODELUNIT_FILES") or os.path.join(
            os.path.expanduser("~"), ".local", "share", "modelunit", f"{host}-{port}-{self.dbname}")
        self.files_dir = os.path.abspath(home)
        stem = os.path.join(self.files_dir, self.dbname or "modelunit")
        self.path = stem  # what sign-in lockouts and messages name; nothing is written at this name itself
        self.lock_path = stem + ".lock"
        self.log_path = stem + ".log"
        self.evidence_dir = stem + ".evidence"
        self._conn: psycopg.Connection | None = None
        self._cache = None
        # One operation at a time on the one connection: the dashboard reads the board in one worker thread
        # while an action writes in another, and two threads' transactions on one connection interleave (the
        # second became a savepoint inside the first, and failed when the first ended).  Re-entrant: a write
        # may read through this same object.
        self._lock = threading.RLock()

    @property
    def locator(self) -> str:
        """What ``--db`` takes to open this database again (the URL)."""
        return self.url

    def stamp(self) -> object:
        """Changes whenever a write commits (the generation counter)."""
        with self._session() as conn:
            return self._generation(conn) if self._schema(conn) is not None else None

    def read_size(self) -> int | None:
        return None  # a snapshot is read in round trips to the server, whatever its size

    # -- the connection ------------------------------------------------------------

    @contextlib.contextmanager
    def _session(self) -> Iterator[psycopg.Connection]:
        """The connection, held by this thread for one operation (opened here when there is none).  A server
        error or a dropped connection: one line, and the connection opened afresh next time."""
        import psycopg

        with self._lock:
            if self._conn is None or self._conn.closed:
                try:
                    self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10,
                                                 application_name="modelunit")
                except psycopg.Error as e:
                    raise BadInput("pg.connect", url=self.url, detail=_first_line(e)) from None
                with contextlib.suppress(OSError):
                    os.makedirs(self.files_dir, mode=0o700, exist_ok=True)
            try:
                yield self._conn
            except Damaged as e:
                raise BadInput("db.corrupt", path=self.url, detail=str(e)) from None
            except psycopg.Error as e:
                if self._conn is not None and (self._conn.closed or self._conn.broken):
                    self._conn = None
                raise Refused("pg.failed", url=self.url, detail=_first_line(e)) from None

    def _schema(self, conn: psycopg.Connection) -> int | None:
        """The stored schema's version (None: an empty database)."""
        row = conn.execute("SELECT to_regclass('modelunit_state')").fetchone()
        if row is None or row[0] is None:
            return None
        state = conn.execute("SELECT version FROM modelunit_state").fetchone()
        return state[0] if state else None

    @staticmethod
    def _generation(conn: psycopg.Connection) -> int:
        row = conn.execute("SELECT generation FROM modelunit_state").fetchone()
        return int(row[0]) if row else 0

    def _checked(self, version: int | None) -> int:
        """A stored schema's version this program can work with (none at all, or a newer one, is refused)."""
        if version is None:
            raise BadInput("db.missing", path=self.url)
        if version > SCHEMA_VERSION:
            raise Refused("pg.newer_schema", url=self.url, version=version, known=SCHEMA_VERSION)
        return version

    def _lock_for_writing(self, conn: psycopg.Connection, create: bool = False) -> None:
        """Take the writers' lock (for the rest of the transaction), then: make the tables in an empty
        database when creating, refuse a missing or newer schema, bring an older one up to date."""
        conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", (LOCK_KEY,))
        version = self._schema(conn)
        if version is None and create:
            for statement in CREATE:
                conn.execute(statement)
            conn.execute("INSERT INTO modelunit_state (version, generation) VALUES (1, 0)")
            version = 1
        version = self._checked(version)
        if create and _has_documents(conn):
            raise Refused("db.exists", path=self.url)
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for statement in UPGRADES[step]:
                conn.execute(statement)
            conn.execute("UPDATE modelunit_state SET version = %s", (step,))

    @property
    def signins(self) -> signins.Signins:
        return PgSignins(self)

    # -- reading -------------------------------------------------------------------

    def exists(self) -> bool:
        with self._session() as conn:
            return self._schema(conn) is not None and _has_documents(conn)

    def snapshot(self) -> Tx:
        with self._session() as conn:
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                self._checked(self._schema(conn))
                generation = self._generation(conn)
                if self._cache is None or self._cache[0] != generation:
                    self._cache = None  # freed before the new read (at 20,000 units it is 5 GB of objects)
                    self._cache = (generation, _all_documents(conn))
        return Tx(self._cache[1], writable=False)

    # -- writing -------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self, create: bool = False) -> Iterator[Tx]:
        with self._session() as conn, conn.transaction():
            self._lock_for_writing(conn, create)
            tx = PgTx(conn)
            yield tx
            if tx.dirty or create:
                for hook in tx.on_commit:
                    hook(tx)
                tx.flush()
                conn.execute("UPDATE modelunit_state SET generation = generation + 1")
        # The cached read is now stale, and the next snapshot() sees that by the generation.  It is not
        # dropped here: freeing it is work proportional to the whole database (0.6 s at 20,000 units), which
        # a write that touched a few rows should not pay; a reader pays it before its own new read.

    def consistent_bytes(self) -> bytes:
        """The whole database as the file backend's JSON (one consistent read), for a backup."""
        tx = self.snapshot()
        return _dumps(tx.data).encode("utf-8")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class PgSignins:
    """Failed sign-ins in ``modelunit_signins``: every machine serving the database counts the same attempts.
    (The same rules as :class:`modelunit.storage.signins.SigninFile`; a row per name with failures.)"""

    def __init__(self, db: PgDatabase) -> None:
        self.db = db

    def _record(self, name: str) -> tuple[int, str | None] | None:
        with self.db._session() as conn:
            if (self.db._schema(conn) or 0) < 2:
                return None  # an older schema, not yet upgraded: nothing counted
            row = conn.execute("SELECT failures, locked_until FROM modelunit_signins WHERE name = %s",
                               (name,)).fetchone()
        return (int(row[0]), row[1]) if row else None

    def locked_until(self, name: str, now: datetime) -> datetime | None:
        record = self._record(name)
        return signins.lockout_end(record[1], now) if record else None

    def pending(self, name: str) -> bool:
        return self._record(name) is not None

    def failed(self, name: str, now: datetime) -> datetime | None:
        with self.db._session() as conn, conn.transaction():
            self.db._lock_for_writing(conn)
            row = conn.execute("SELECT failures FROM modelunit_signins WHERE name = %s FOR UPDATE",
                               (name,)).fetchone()
            count, until = signins.next_failure(int(row[0]) if row else 0, now)
            conn.execute("INSERT INTO modelunit_signins (name, failures, locked_until) VALUES (%s, %s, %s) "
                         "ON CONFLICT (name) DO UPDATE SET failures = EXCLUDED.failures, "
                         "locked_until = EXCLUDED.locked_until",
                         (name, count, until.isoformat(timespec="seconds") if until else None))
        return until

    def clear(self, name: str) -> bool:
        if self._record(name) is None:
            return False  # the common case: no write at all
        with self.db._session() as conn:
            return conn.execute("DELETE FROM modelunit_signins WHERE name = %s", (name,)).rowcount > 0


def _first_line(error: Any) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
