"""The database: one TinyDB JSON file, written atomically under a lock.

Every change runs in :meth:`Database.transaction`: take the lock, re-read the
file (another process may have written it), apply the change to a TinyDB held
in memory, and — only if the whole action succeeded — save it with one atomic
replace.  A refused action raises before the save, so the file stays
byte-for-byte unchanged.  Readers need no lock: a replace is atomic.

The file is an ordinary TinyDB database (``{"table": {"doc_id": {...}}}``,
UTF-8, ``ensure_ascii=False``).  Documents are keyed by their natural id (a
unit code, ``campaign|unit|inspector`` for a score sheet), so a lookup is a
dict access and a bulk import rewrites each table once, not once per row.
"""

from __future__ import annotations

import contextlib
import json
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, TypedDict

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from modelunit.errors import BadInput, Refused
from modelunit.storage import files, signins

SCHEMA_VERSION = 1
# The tables a database holds; asking a transaction for any other name is a programming error.
TABLES = frozenset({"users", "units", "campaigns", "entries", "sheets", "objections", "titles", "audit", "meta"})


class _Holder(TypedDict):
    """The parsed file a transaction works on, shared by its TinyDB storage and its collections."""

    data: dict
    dirty: bool


class _MemoryStorage(Storage):
    """TinyDB storage over a dict that this transaction owns; the file is saved at commit."""

    def __init__(self, holder: _Holder) -> None:
        self.holder = holder

    def read(self) -> dict:
        return self.holder["data"]

    def write(self, data: dict) -> None:
        self.holder["data"] = data
        self.holder["dirty"] = True


# TinyDB annotates document ids as int; this table keys documents by natural str ids instead,
# which TinyDB supports at run time (it converts every id through document_id_class).  The
# ``type: ignore`` comments below mark the few calls where that difference reaches TinyDB's types.
class _KeyedTable(Table):
    document_id_class = str  # type: ignore[assignment]  # natural keys instead of TinyDB's counters


def _copy(doc: dict) -> dict:
    """A deep copy, so that changing a returned document never changes the stored one
    behind the transaction's back (only :meth:`Collection.put` writes)."""
    return {key: _copy_value(value) for key, value in doc.items()}


def _copy_value(value):
    """A deep copy of a JSON value (what a document holds: dicts, lists and immutable scalars); a third
    of the time of ``copy.deepcopy``, which keeps a memo for shared and cyclic objects JSON cannot have."""
    if isinstance(value, dict):
        return {key: _copy_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):  # a tuple is stored as JSON's list
        return [_copy_value(item) for item in value]
    return value


class Collection(ABC):
    """A table addressed by natural keys, with writes staged until commit; reads see the staged
    documents.  A backend says how stored documents are read (:meth:`stored`, :meth:`_stored_items`)
    and how the staged ones are written (:meth:`flush`).
    """

    def __init__(self, holder: _Holder, writable: bool) -> None:
        self._holder = holder
        self._staged: dict[str, dict] = {}
        # A read-only view hands out shallow copies: nothing can be written back through it, and
        # read paths never change nested values.
        self._copy = _copy if writable else dict

    @abstractmethod
    def stored(self, key: str) -> dict | None:
        """The document as it was before this transaction's unflushed puts (read it, never change it)."""

    @abstractmethod
    def _stored_items(self) -> Iterator[tuple[str, dict]]:
        """Every stored document of the table, with its key."""

    @abstractmethod
    def flush(self) -> None:
        """Write the staged documents to the backend."""

    def get(self, key: str) -> dict | None:
        if key in self._staged:
            return _copy(self._staged[key])
        doc = self.stored(key)
        return self._copy(doc) if doc is not None else None

    def put(self, key: str, doc: dict) -> None:
        if self._copy is dict:
            raise RuntimeError("a read-only view cannot be written")
        self._staged[key] = _copy(doc)
        self._holder["dirty"] = True

    def put_many(self, docs: dict[str, dict]) -> None:
        for key, doc in docs.items():
            self.put(key, doc)

    def staged(self) -> dict[str, dict]:
        """The documents put in this transaction and not yet flushed (read them, never change them)."""
        return self._staged

    def items(self) -> Iterator[tuple[str, dict]]:
        for key, doc in self._stored_items():
            if key not in self._staged:
                yield key, self._copy(doc)
        for key, staged in list(self._staged.items()):
            yield key, _copy(staged)

    def values(self) -> list[dict]:
        return [doc for _, doc in self.items()]

    def keys(self) -> list[str]:
        stored = [key for key, _ in self._stored_items()]
        known = set(stored)
        return stored + [k for k in self._staged if k not in known]

    def __len__(self) -> int:
        return len(self.keys())


class TinyCollection(Collection):
    """A TinyDB table.  TinyDB rewrites a whole table on every insert or update; staging the puts of a
    transaction and flushing each table once keeps a bulk import linear instead of quadratic."""

    def __init__(self, table: Table, holder: _Holder, writable: bool) -> None:
        super().__init__(holder, writable)
        self._table = table

    def stored(self, key: str) -> dict | None:
        return self._table.get(doc_id=key)  # type: ignore[call-overload]

    def _stored_items(self) -> Iterator[tuple[str, dict]]:
        for doc in self._table.all():
            yield doc.doc_id, doc  # type: ignore[misc]

    def flush(self) -> None:
        """Write the staged documents into the TinyDB table (one pass per table)."""
        if not self._staged:
            return
        staged, self._staged = self._staged, {}
        self._table.remove(doc_ids=list(staged))  # type: ignore[arg-type]
        self._table.insert_multiple(Document(doc, doc_id=key) for key, doc in staged.items())  # type: ignore[arg-type]


class Tx:
    """One consistent view of the database, writable inside a transaction."""

    # The tables, each a Collection reached through __getattr__ (declared here for the type checker).
    users: Collection
    units: Collection
    campaigns: Collection
    entries: Collection
    sheets: Collection
    objections: Collection
    titles: Collection
    audit: Collection
    meta: Collection

    def __init__(self, data: dict, writable: bool) -> None:
        self.holder: _Holder = {"data": data, "dirty": False}
        self.writable = writable
        self._db = TinyDB(self.holder, storage=_MemoryStorage)
        self._db.table_class = _KeyedTable
        self._collections: dict[str, Collection] = {}
        # Called once at commit, before the save: the audit seals its entries with a digest of the data.
        self.on_commit: list = []

    if not TYPE_CHECKING:  # hidden from the type checker, so that a misspelt table is a type error too
        def __getattr__(self, name: str) -> Collection:
            if name not in TABLES:
                raise AttributeError(f"no table {name!r}")  # a typo must not read as an empty table
            col = self._collections.get(name)
            if col is None:
                col = self._collections[name] = self._new_collection(name)
            return col

    def _new_collection(self, name: str) -> Collection:
        return TinyCollection(self._db.table(name), self.holder, self.writable)

    def flush(self) -> None:
        for col in self._collections.values():
            col.flush()

    def stored_doc(self, table: str, key: str) -> dict | None:
        """A document as it was before this transaction's unflushed puts (read it, never change it)."""
        return getattr(self, table).stored(key)

    def staged(self) -> dict[str, dict[str, dict]]:
        """table → {key: document} put in this transaction and not yet flushed."""
        return {name: col.staged() for name, col in self._collections.items() if col.staged()}

    @property
    def data(self) -> dict:
        return self.holder["data"]

    @property
    def dirty(self) -> bool:
        return self.holder["dirty"]


class Database:
    """A modelunit database file with its lock, refusal log and evidence folder."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        stem = os.path.splitext(self.path)[0]
        # Writers through a symlink and through the real path must share one lock.
        self.lock_path = os.path.realpath(self.path) + ".lock"
        self.log_path = stem + ".log"
        self.evidence_dir = stem + ".evidence"
        self._cache: tuple[object, dict] | None = None  # (what the data was read at, the data)

    @property
    def signins(self) -> signins.Signins:
        """Failed sign-ins and lockouts, kept outside the data (a refused sign-in changes nothing in it)."""
        return signins.SigninFile(self.path, self.lock_path)

    # -- reading -----------------------------------------------------------------

    def exists(self) -> bool:
        return os.path.exists(self.path)

    def _read(self) -> dict:
        try:
            with open(self.path, "rb") as fh:
                raw = fh.read()
        except FileNotFoundError:
            raise BadInput("db.missing", path=self.path) from None
        except OSError as e:
            raise BadInput("db.unreadable", path=self.path, detail=e.strerror or str(e)) from None
        try:
            data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise BadInput("db.corrupt", path=self.path, detail=str(e)) from None
        if not isinstance(data, dict):
            raise BadInput("db.corrupt", path=self.path, detail="not an object")
        for name, table in data.items():  # TinyDB's shape: {table: {id: {document}}}
            if name not in TABLES:
                raise BadInput("db.corrupt", path=self.path, detail=f"unknown table {name!r}")
            if not isinstance(table, dict) or not all(isinstance(doc, dict) for doc in table.values()):
                raise BadInput("db.corrupt", path=self.path, detail=f"table {name!r} is not a set of documents")
        return data

    def snapshot(self) -> Tx:
        """A read-only view of the current file (cached while the file is unchanged)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise BadInput("db.missing", path=self.path) from None
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._cache is None or self._cache[0] != stamp:
            self._cache = (stamp, self._read())
        # Views share the parsed state: the domain mutates documents only inside a
        # transaction, which always works on a fresh read of its own.
        return Tx(self._cache[1], writable=False)

    @property
    def locator(self) -> str:
        """What ``--db`` takes to open this database again (the file's absolute path)."""
        return self.path

    def stamp(self) -> object:
        """A value that changes whenever a write commits (the file's inode, time and size); None: no file."""
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def read_size(self) -> int | None:
        """About how many bytes a snapshot reads: the file's size (None where that is not known)."""
        try:
            return os.stat(self.path).st_size
        except OSError:
            return 0

    def is_drill(self) -> bool:
        """A practice database (``init --drill``, the demo): its clock may be set, its exports say 演练."""
        return self.snapshot().meta.get("drill") is not None

    # -- writing -----------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self, create: bool = False) -> Iterator[Tx]:
        """Lock, re-read, yield a writable view; save atomically if the block succeeds."""
        folder = os.path.dirname(self.path)
        if not os.path.isdir(folder):
            raise BadInput("db.no_folder", path=folder)
        with files.exclusive_lock(self.lock_path):
            files.remove_stale_temps(self.path)
            if not create:
                self._check_writable()
            if create:
                if self.exists() and os.path.getsize(self.path) > 0:
                    raise Refused("db.exists", path=self.path)
                data: dict = {}
            else:
                data = self._read()
            tx = Tx(data, writable=True)
            yield tx
            if tx.dirty or create:
                for hook in tx.on_commit:
                    hook(tx)
                tx.flush()
                self._save(tx.data)

    def _check_writable(self) -> None:
        """A database whose file has no write bit is read-only on purpose: refuse, never rewrite it."""
        with contextlib.suppress(OSError):
            if not os.stat(self.path).st_mode & 0o222:
                raise Refused("db.read_only", path=self.path)

    def _save(self, data: dict) -> None:
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        # Through a symlink to the file it names: the link stays a link.
        target = os.path.realpath(self.path)
        try:
            like = os.stat(target)
        except OSError:
            like = None
        try:
            if target != self.path:
                files.remove_stale_temps(target)
            files.atomic_write(target, payload, like)
        except OSError as e:
            raise Refused("db.write_failed", path=self.path, detail=e.strerror or str(e)) from None
        self._cache = None

    # -- refusal log -------------------------------------------------------------

    def consistent_bytes(self) -> bytes:
        """The file as it stands between two writes (read under the writers' lock), for a backup."""
        with files.exclusive_lock(self.lock_path):
            with open(self.path, "rb") as fh:
                return fh.read()

    def close(self) -> None:
        """Let go of what is held open between calls (a server's connection; a file holds nothing open)."""

    def log_refusal(self, record: dict) -> None:
        """Append one JSON line to the refusal log beside the database (never the database)."""
        line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        with contextlib.suppress(OSError):
            fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8", "backslashreplace"))
            finally:
                os.close(fd)


class PrivateDatabase(Database):
    """A database file that no other process opens while this one makes it (the demo, built under a
    temporary name and renamed into place): held in memory, and written once, by :meth:`write`.

    Each transaction works on the data as the last one left it, instead of reading the file again,
    and commits without saving it.  Writes are staged until commit as in any transaction, so a refused
    one leaves the data as it was.  Two things differ from a shared database, and the builder allows
    for both: a snapshot is a view of the data as it stands (take a new one after a change, do not keep
    an old one to compare), and what asks the file itself (:meth:`stamp`, :meth:`read_size`, a backup)
    sees it as last written.  The demo's 120-odd transactions spent 60% of its build reading and saving
    the file.
    """

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self._data: dict | None = None

    def _read(self) -> dict:
        if self._data is None:
            self._data = super()._read()
        return self._data

    def _save(self, data: dict) -> None:
        self._data = data

    def snapshot(self) -> Tx:
        return Tx(self._read(), writable=False)

    def write(self) -> None:
        """Save the data to the file (atomically, as every commit of a shared database does)."""
        if self._data is not None:
            super()._save(self._data)


def is_server_url(spec: str) -> bool:
    return spec.startswith(("postgresql://", "postgres://"))


def open_database_at(spec: str) -> Database:
    """The database a ``--db`` names: a PostgreSQL server's URL (:mod:`modelunit.storage.pg`), or the
    path of a TinyDB file."""
    if is_server_url(spec):
        from modelunit.storage.pg import PgDatabase

        return PgDatabase(spec)
    return Database(spec)
