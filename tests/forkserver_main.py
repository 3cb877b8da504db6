"""The fork server behind ``tests.forkserver``: a Python process that has imported the command line
once, and forks a fresh child for every command a test runs.

A request is one JSON line on stdin: ``{"argv", "env", "cwd", "out", "err"}``.  The child takes the
environment, folder and arguments, reads /dev/null, writes its stdout and stderr to the two files, runs
``modelunit.cli.main.main`` as ``python -c`` would, and exits with its code.  The server answers with two
lines: the child's pid as soon as it is forked (so the test can kill it on a timeout), then its exit
status (a negative number: the signal that ended it).  It has no threads, so a fork is safe.
With ``--socket PATH`` it serves the ``modelunit`` of a shell session instead (:func:`serve_socket`).
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
from modelunit.cli.main import build_parser, main
from modelunit.export import reminders, score_sheets, workbook  # noqa: F401
from modelunit.i18n import LANGS

for _lang in LANGS:  # the command line in each language, built once here rather than in every child
    build_parser(_lang)


def _child(request: dict, fds: list[int] | None = None) -> None:
    """Become the command: its folder, environment and standard streams (the files the request names, or
    the descriptors a client passed), then run it and exit with its code."""
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    if fds is None:
        fds = [os.open(os.devnull, os.O_RDONLY), os.open(request["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
               os.open(request["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)]
    for fd, opened in enumerate(fds):
        os.dup2(opened, fd)
    for opened in set(fds) - {0, 1, 2}:
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


def serve_socket(path: str) -> None:
    """The same, for commands typed into a shell (``tests/readme.py``): a client named ``modelunit`` connects
    to the Unix socket at ``path``, passes its own stdin, stdout and stderr with a JSON request
    ``{"argv", "env", "cwd"}``, and exits with the status the server sends back when the child is done."""
    import socket

    gc.collect()
    gc.freeze()
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(path)
        server.listen(8)
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        while True:
            conn, _ = server.accept()
            with conn:
                data, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
                while chunk := conn.recv(1 << 20):
                    data += chunk
                pid = os.fork()
                if pid == 0:
                    try:
                        _child(json.loads(data), fds)
                    finally:
                        os._exit(70)
                for fd in fds:
                    os.close(fd)
                _, status = os.waitpid(pid, 0)
                conn.sendall(str(os.waitstatus_to_exitcode(status)).encode())


if __name__ == "__main__":
    if sys.argv[1:2] == ["--socket"]:
        serve_socket(sys.argv[2])
    else:
        serve()
