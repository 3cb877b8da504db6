"""Content-addressed evidence store: each file is kept once, under its sha256, beside the database."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import stat

from modelunit.errors import BadInput
from modelunit.storage.files import fsync_dir

CHUNK = 1 << 20
MAX_BYTES = 512 * 1024 * 1024


def digest_file(path: str) -> tuple[str, int]:
    """sha256 and size of a file, read in chunks; a missing or unreadable file is bad input."""
    h = hashlib.sha256()
    size = 0
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # not a device, a pipe or a folder
            raise BadInput("file.unreadable", path=path, detail="not a regular file")
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                h.update(chunk)
                size += len(chunk)
                if size > MAX_BYTES:
                    raise BadInput("file.too_large", path=path)
    except IsADirectoryError:
        raise BadInput("file.unreadable", path=path, detail="is a directory") from None
    except OSError as e:
        raise BadInput("file.unreadable", path=path, detail=e.strerror or str(e)) from None
    return h.hexdigest(), size


def blob_path(store: str, sha: str) -> str:
    return os.path.join(store, sha[:2], sha)


def store(store: str, path: str, mode: int = 0o600) -> tuple[str, int]:
    """Copy ``path`` into the store; returns its sha256 and size.

    The source is opened once and checked on that open file (a regular file, not a FIFO
    or a device), and hashed while it is copied, so what is stored is what was checked.
    A stored blob that no longer matches its name (tampered with) is replaced by this good
    copy.  Files and folders are created with ``mode`` (no more readable than the database).
    A failure says which side failed: reading the source, or writing the evidence folder.
    """
    try:
        src = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except IsADirectoryError:
        raise BadInput("file.unreadable", path=path, detail="is a directory") from None
    except OSError as e:
        raise BadInput("file.unreadable", path=path, detail=e.strerror or str(e)) from None
    tmp = None
    try:
        if not stat.S_ISREG(os.fstat(src).st_mode):
            raise BadInput("file.unreadable", path=path, detail="not a regular file")
        dir_mode = 0o700 | (mode & 0o044) >> 2 | (mode & 0o044)  # readable folders are searchable
        try:
            os.makedirs(store, mode=dir_mode, exist_ok=True)
            tmp = os.path.join(store, f".incoming.{os.getpid()}.{secrets.token_hex(4)}.tmp")
            dst = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            os.fchmod(dst, mode)
        except OSError as e:
            raise BadInput("evidence.store_failed", path=store, detail=e.strerror or str(e)) from None
        h = hashlib.sha256()
        size = 0
        try:
            while True:
                try:
                    chunk = os.read(src, CHUNK)
                except OSError as e:
                    raise BadInput("file.unreadable", path=path, detail=e.strerror or str(e)) from None
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_BYTES:
                    raise BadInput("file.too_large", path=path)
                h.update(chunk)
                try:
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(dst, view):]
                except OSError as e:
                    raise BadInput("evidence.store_failed", path=store, detail=e.strerror or str(e)) from None
            try:
                os.fsync(dst)
            except OSError as e:
                raise BadInput("evidence.store_failed", path=store, detail=e.strerror or str(e)) from None
        finally:
            os.close(dst)
        sha = h.hexdigest()
        target = blob_path(store, sha)
        if check(store, sha, size) != "ok":  # new, or a stored copy that was tampered with: (re)place it
            try:
                os.makedirs(os.path.dirname(target), mode=dir_mode, exist_ok=True)
                os.replace(tmp, target)
            except OSError as e:
                raise BadInput("evidence.store_failed", path=store, detail=e.strerror or str(e)) from None
            tmp = None
            fsync_dir(os.path.dirname(target))
        return sha, size
    finally:
        os.close(src)
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def check(store: str, sha: str, size: int) -> str:
    """``ok``, ``missing`` or ``changed`` for a stored file."""
    target = blob_path(store, sha)
    if not os.path.exists(target):
        return "missing"
    try:
        got, got_size = digest_file(target)
    except BadInput:
        return "missing"
    return "ok" if got == sha and got_size == size else "changed"
