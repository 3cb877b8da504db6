"""Failed sign-ins per user name, kept in a small state file beside the database (``*.signin``).

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


def locked_until(db_path: str, name: str, now: datetime) -> datetime | None:
    """When ``name`` may sign in again, or ``None`` if it is not locked out now."""
    record = _read(state_path(db_path)).get(name) or {}
    until = record.get("locked_until")
    try:
        when = datetime.fromisoformat(until) if until else None
    except (TypeError, ValueError):
        return None
    return when if when is not None and when > now else None


def failed(db_path: str, lock_path: str, name: str, now: datetime) -> datetime | None:
    """Count one more wrong password in a row; returns the lockout's end once it starts."""
    path = state_path(db_path)
    with files.exclusive_lock(lock_path):
        data = _read(path)
        record = data.get(name) or {}
        count = int(record.get("failures", 0)) + 1 if isinstance(record.get("failures"), int) else 1
        until = None
        if count >= MAX_FAILURES:
            until = now + LOCKOUT
            data[name] = {"failures": 0, "locked_until": until.isoformat(timespec="seconds")}
        else:
            data[name] = {"failures": count}
        _write(path, db_path, data)
    return until


def pending(db_path: str, name: str) -> bool:
    """True when ``name`` has failed attempts or a lockout on record."""
    return name in _read(state_path(db_path))


def clear(db_path: str, lock_path: str, name: str) -> bool:
    """Forget ``name``'s failures (a good password, or an admin's unlock); True if there were any."""
    path = state_path(db_path)
    if name not in _read(path):
        return False  # the common case: no write at all
    with files.exclusive_lock(lock_path):
        data = _read(path)
        if data.pop(name, None) is None:
            return False
        _write(path, db_path, data)
    return True
