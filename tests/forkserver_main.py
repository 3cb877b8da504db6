"""The fork server behind ``tests.forkserver``: a Python process that has imported the command line
once, and forks a fresh child for every command a test runs.

A request is one JSON line on stdin: ``{"argv", "env", "cwd", "out", "err"}``.  The child takes the
environment, folder and arguments, reads /dev/null, writes its stdout and stderr to the two files, runs
``modelunit.cli.main.main`` as ``python -c`` would, and exits with its code.  The server answers with two
lines: the child's pid as soon as it is forked (so the test can kill it on a timeout), then its exit
status (a negative number: the signal that ended it).  It has no threads, so a fork is safe.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import random
import sys
import traceback

# What every command imports, and what many import later (tables, criteria files, workbooks, the demo):
# paid once here.  The import-hygiene tests, which check what a command loads, start real interpreters.
import tabulate  # noqa: F401
import xlsxwriter  # noqa: F401
import yaml  # noqa: F401

from modelunit import demo  # noqa: F401
from modelunit.cli import commands  # noqa: F401
from modelunit.cli.main import main
from modelunit.export import reminders, score_sheets, workbook  # noqa: F401


def _child(request: dict) -> None:
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, path, flags in ((0, os.devnull, os.O_RDONLY),
                            (1, request["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                            (2, request["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
        opened = os.open(path, flags, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    # The streams a new interpreter would open on these descriptors (stderr line-buffered, as Python's).
    encoding = sys.stdout.encoding
    sys.stdin = open(0, encoding=encoding, closefd=False)
    sys.stdout = open(1, "w", encoding=encoding, closefd=False)
    sys.stderr = open(2, "w", buffering=1, encoding=encoding, errors="backslashreplace", closefd=False)
    sys.argv = ["-c", *request["argv"]]
    random.seed()  # a new process's own random state, not the server's
    try:
        code = main()
    except SystemExit as e:
        code = e.code
    except BaseException:  # noqa: BLE001 — the traceback a real process would print
        traceback.print_exc()
        code = 1
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:
            pass
    os._exit(code & 0xFF)


def serve() -> None:
    # What the server imported is never garbage: frozen, a child's collections do not walk it (nor
    # copy its pages, which a collection would write to).
    gc.collect()
    gc.freeze()
    reply = sys.stdout
    reply.write("ready\n")
    reply.flush()
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            try:
                _child(request)
            finally:
                os._exit(70)
        reply.write(f"{pid}\n")
        reply.flush()
        _, status = os.waitpid(pid, 0)
        reply.write(f"{os.waitstatus_to_exitcode(status)}\n")
        reply.flush()


if __name__ == "__main__":
    serve()
