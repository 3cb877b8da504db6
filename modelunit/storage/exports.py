"""Where an export may be written, and writing it so that a failure leaves nothing behind.

An export target is checked before anything is written: never the database,
its lock, its log or its evidence folder (not even through a symlink or a
hard link), never a device, FIFO or folder, and only a name ending in
``.xlsx``.  The workbook is written to a temp file in the target's folder,
created no more readable than the database, and renamed over the target only
once it is complete.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator

from modelunit.errors import BadInput
from modelunit.storage import files
from modelunit.storage.database import Database


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def check_target(db: Database, path: str, suffix: str = ".xlsx") -> str:
    """The real path an export to ``path`` would replace, or bad input saying why not."""
    if not path or not path.lower().endswith(suffix):
        raise BadInput("export.bad_name", path=path, suffix=suffix)
    real = os.path.realpath(path)
    folder = os.path.dirname(real)
    if not os.path.isdir(folder):
        raise BadInput("db.no_folder", path=os.path.dirname(os.path.abspath(path)))
    protected = [db.path, db.lock_path, db.log_path, db.evidence_dir, os.path.splitext(db.path)[0] + ".signin"]
    evidence = os.path.realpath(db.evidence_dir)
    if real in {os.path.realpath(p) for p in protected} or real.startswith(evidence + os.sep):
        raise BadInput("export.protected", path=path)
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return real
    except OSError as e:
        raise BadInput("file.unwritable", path=path, detail=e.strerror or str(e)) from None
    if not stat.S_ISREG(st.st_mode):
        raise BadInput("export.not_regular", path=path)
    for other in protected:  # a hard link to the database is the database
        with contextlib.suppress(OSError):
            if _same(st, os.stat(other)):
                raise BadInput("export.protected", path=path)
    return real


def private_mode(db: Database) -> int:
    """File mode for a new file beside the database: no more readable than the database itself."""
    try:
        return stat.S_IMODE(os.stat(db.path).st_mode) & 0o666
    except OSError:
        return 0o600


@contextlib.contextmanager
def atomic_target(db: Database, path: str, errors: tuple[type[BaseException], ...] = (OSError,),
                  suffix: str = ".xlsx") -> Iterator[str]:
    """Check ``path``, yield a temp file to write, then rename it over the target.

    Any of ``errors`` raised while writing becomes one line of bad input; whatever
    happens, the temp file is removed and the target is either the old file or the new one.
    """
    real = check_target(db, path, suffix)
    folder, base = os.path.split(real)
    tmp = os.path.join(folder, f".{base}.{os.getpid()}.{secrets.token_hex(4)}.tmp{suffix}")
    try:
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, private_mode(db))
            os.fchmod(fd, private_mode(db))  # the umask may have taken bits away, never added: set exactly
            os.close(fd)
            yield tmp
            check_target(db, path, suffix)  # the target may have been swapped for a device meanwhile
            os.replace(tmp, real)
            files.fsync_dir(folder)
        except errors as e:
            detail = getattr(e, "strerror", None) or str(e) or type(e).__name__
            raise BadInput("file.unwritable", path=path, detail=detail) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
