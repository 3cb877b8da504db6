"""Crash-safe file primitives: atomic replace and an inter-process lock.

A save writes a temp file in the database's own folder, fsyncs it, renames it
over the database with ``os.replace`` and fsyncs the folder, so a reader or a
crash only ever sees the old file or the new one.  Writers serialise on an
``flock`` of a lock file; the kernel drops the lock when a process dies, so a
stale lock file never blocks anyone.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import os
import secrets
import stat
import time
from collections.abc import Iterator

from modelunit.errors import BadInput, Refused

# Seams for fault-injection tests: each step of a save goes through one of these.
_open = os.open
_write = os.write
_fsync = os.fsync
_replace = os.replace


def temp_pattern(path: str) -> str:
    folder, base = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{base}.*.tmp")


def atomic_write(path: str, payload: bytes, like: os.stat_result | None = None) -> None:
    """Replace ``path`` with ``payload`` so that no reader or crash sees a torn file.

    ``like``: the file being replaced; the new one gets its mode, owner and group, so a
    save never locks the office's group out of a database it could read before.
    """
    folder, base = os.path.split(os.path.abspath(path))
    tmp = os.path.join(folder, f".{base}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = _open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            if like is not None:
                with contextlib.suppress(OSError):  # another owner needs privileges: keep what we can
                    os.fchown(fd, like.st_uid, like.st_gid)
                with contextlib.suppress(OSError):
                    os.fchown(fd, -1, like.st_gid)
                os.fchmod(fd, stat.S_IMODE(like.st_mode))
            view = memoryview(payload)
            while view:
                n = _write(fd, view)
                view = view[n:]
            _fsync(fd)
        finally:
            os.close(fd)
        _replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(folder)


def read_regular(path: str, limit: int) -> bytes:
    """Up to ``limit`` + 1 bytes of a regular file, opened once: a FIFO or a device is refused
    before anything waits on it, and what is read is what was checked (no second open)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except IsADirectoryError:
        raise BadInput("file.unreadable", path=path, detail="is a directory") from None
    except OSError as e:
        raise BadInput("file.unreadable", path=path, detail=e.strerror or str(e)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise BadInput("file.unreadable", path=path, detail="not a regular file")
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read(limit + 1)
    except OSError as e:
        raise BadInput("file.unreadable", path=path, detail=e.strerror or str(e)) from None
    finally:
        os.close(fd)


def fsync_dir(folder: str) -> None:
    with contextlib.suppress(OSError):
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def remove_stale_temps(path: str) -> int:
    """Delete temp files a killed writer left behind; call only while holding the lock."""
    removed = 0
    for tmp in glob.glob(temp_pattern(path)):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
            removed += 1
    return removed


class LockStats:
    """How long this process waited for the write lock (reported by benchmarks)."""

    waits: list[float] = []


@contextlib.contextmanager
def exclusive_lock(lock_path: str, timeout: float = 60.0) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``lock_path`` for the duration of the block."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    start = time.monotonic()
    try:
        delay = 0.001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() - start > timeout:
                    raise Refused("db.lock_timeout", path=lock_path) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.005)
        LockStats.waits.append(time.monotonic() - start)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
