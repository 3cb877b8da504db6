"""Failed sign-ins per user name, kept in a small state file beside the database (``*.signin``).
(A database on a server keeps them in a table of its own instead: :class:`modelunit.storage.pg.PgSignins`,
so that every machine serving it counts the same attempts.)

The counter must survive across processes, yet a refused sign-in must leave
the database byte-for-byte unchanged, so it cannot live in the database.  The
state file is rewritten atomically under the database's own lock, created no
more readable than the database.  A damaged or missing state file counts as
no failures: it can only ever unlock, never lock anyone out or let a
refused command change the data.  Names are counted whether or not they
exist, so a lockout says nothing about who has an account.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from datetime import datetime, timedelta
from typing import Protocol

from modelunit.storage import files

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


def state_path(db_path: str) -> str:
    return os.path.splitext(os.path.abspath(db_path))[0] + ".signin"


def _read(path: str) -> dict:
    with contextlib.suppress(OSError, ValueError):
        with open(path, "rb") as fh:
            data = json.loads(fh.read(1 << 20).decode("utf-8"))
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if isinstance(v, dict)}
    return {}


def _write(path: str, db_path: str, data: dict) -> None:
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8", "backslashreplace")
    with contextlib.suppress(OSError):  # a full disk must not turn a refusal into a crash
        files.atomic_write(path, payload)
        with contextlib.suppress(OSError):
            os.chmod(path, stat.S_IMODE(os.stat(db_path).st_mode) & 0o666)


class Signins(Protocol):
    """Where a database counts failed sign-ins: a state file beside a file, a table on a server."""

    def locked_until(self, name: str, now: datetime) -> datetime | None: ...
    def failed(self, name: str, now: datetime) -> datetime | None: ...
    def pending(self, name: str) -> bool: ...
    def clear(self, name: str) -> bool: ...


class SigninFile:
    """The failed sign-ins of one database file, in the state file beside it."""

    def __init__(self, db_path: str, lock_path: str) -> None:
        self.db_path = db_path
        self.lock_path = lock_path
        self.path = state_path(db_path)

    def locked_until(self, name: str, now: datetime) -> datetime | None:
        """When ``name`` may sign in again, or ``None`` if it is not locked out now."""
        return lockout_end((_read(self.path).get(name) or {}).get("locked_until"), now)

    def failed(self, name: str, now: datetime) -> datetime | None:
        """Count one more wrong password in a row; returns the lockout's end once it starts."""
        with files.exclusive_lock(self.lock_path):
            data = _read(self.path)
            record = data.get(name) or {}
            failures = record.get("failures")
            count, until = next_failure(failures if isinstance(failures, int) else 0, now)
            data[name] = {"failures": 0, "locked_until": until.isoformat(timespec="seconds")} if until \
                else {"failures": count}
            _write(self.path, self.db_path, data)
        return until

    def pending(self, name: str) -> bool:
        """True when ``name`` has failed attempts or a lockout on record."""
        return name in _read(self.path)

    def clear(self, name: str) -> bool:
        """Forget ``name``'s failures (a good password, or an admin's unlock); True if there were any."""
        if name not in _read(self.path):
            return False  # the common case: no write at all
        with files.exclusive_lock(self.lock_path):
            data = _read(self.path)
            if data.pop(name, None) is None:
                return False
            _write(self.path, self.db_path, data)
        return True


def next_failure(failures: int, now: datetime) -> tuple[int, datetime | None]:
    """One more wrong password after ``failures`` in a row: the new count, and the lockout's end once the
    count reaches MAX_FAILURES (the count then starts again from 0)."""
    count = failures + 1
    return (0, now + LOCKOUT) if count >= MAX_FAILURES else (count, None)


def lockout_end(stored: object, now: datetime) -> datetime | None:
    """The end of a stored lockout when it is still running at ``now``, else None."""
    try:
        when = datetime.fromisoformat(stored) if isinstance(stored, str) and stored else None
        return when if when is not None and when > now else None
    except (TypeError, ValueError):  # damaged, or without a time zone: counts as no lockout
        return None
