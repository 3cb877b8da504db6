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


def put(store: str, path: str, sha: str) -> str:
    """Copy ``path`` into the store under ``sha`` (atomically; a no-op if already there)."""
    target = blob_path(store, sha)
    if os.path.exists(target):
        return target
    folder = os.path.dirname(target)
    os.makedirs(folder, exist_ok=True)
    tmp = f"{target}.{secrets.token_hex(4)}.tmp"
    h = hashlib.sha256()
    try:
        with open(path, "rb") as src, open(tmp, "wb") as dst:
            while chunk := src.read(CHUNK):
                h.update(chunk)
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        if h.hexdigest() != sha:
            raise BadInput("file.changed_while_copying", path=path)
        os.replace(tmp, target)
    except OSError as e:
        raise BadInput("file.unreadable", path=path, detail=e.strerror or str(e)) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    fsync_dir(folder)
    return target


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
