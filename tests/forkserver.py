"""Commands run by the tests in processes forked from one that has already imported the command line.

A test that runs ``modelunit …`` wants a real process: its own exit code, environment, folder, stdin
and output streams, nothing shared with the test.  Starting a new interpreter for each of the suite's
several hundred commands cost about 0.2 s of CPU apiece, most of it importing Python and the package
again; a child forked from a server that has done the imports (``tests/forkserver_main.py``) is such a
process for a few milliseconds.  Where a child of the server would differ from a new interpreter — an
environment that changes how Python itself starts (``PYTHON…``, the locale) — or while the server is
busy with another thread's command, :func:`run` starts a new interpreter as before.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
_STARTUP = ("PYTHON", "LANG", "LC_")  # variables a forked child could not take on as a new interpreter would


class ForkServer:
    def __init__(self) -> None:
        self.env = dict(os.environ)
        self.proc = subprocess.Popen([sys.executable, str(HERE / "forkserver_main.py")], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1, cwd=HERE.parent, env=self.env)
        self.lock = threading.Lock()
        self.replies = b""  # read from the server, not yet taken as lines
        if self._line(60) != "ready":
            raise RuntimeError("the test fork server did not start")

    def _line(self, timeout: float) -> str | None:
        """The server's next line, or None after ``timeout`` seconds.  Read from the pipe's descriptor into
        a buffer of our own: the pid and the status of a quick child often arrive in one read, and a
        buffered reader would keep the second where ``select`` cannot see it."""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.replies:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                return None
            chunk = os.read(fd, 4096)
            if not chunk:
                return None
            self.replies += chunk
        line, self.replies = self.replies.split(b"\n", 1)
        return line.decode().strip()

    def suits(self, env: dict[str, str]) -> bool:
        def startup(e: dict[str, str]) -> dict[str, str]:
            return {k: v for k, v in e.items() if k.startswith(_STARTUP)}
        return self.proc.poll() is None and startup(env) == startup(self.env)

    def run(self, cmd: list[str], env: dict[str, str], cwd, timeout: float) -> subprocess.CompletedProcess:
        with tempfile.TemporaryDirectory(prefix="mu-cli-") as folder:
            out, err = os.path.join(folder, "out"), os.path.join(folder, "err")
            request = {"argv": cmd, "env": env, "cwd": str(cwd or os.getcwd()), "out": out, "err": err}
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            pid = int(self._line(60) or 0)
            status = self._line(timeout)
            if status is None:
                os.kill(pid, signal.SIGKILL)
                self._line(60)
                raise subprocess.TimeoutExpired(cmd, timeout)
            # Read back as subprocess.run(text=True) decodes a pipe: the locale's encoding, universal newlines.
            stdout, stderr = (Path(p).read_bytes().decode(sys.stdout.encoding or "utf-8").replace("\r\n", "\n")
                              for p in (out, err))
        return subprocess.CompletedProcess(cmd, int(status), stdout, stderr)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


_server: ForkServer | None = None
_starting = threading.Lock()


def run(args: list[str], env: dict[str, str], cwd=None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``modelunit ARGS`` as ``python -c 'main()' ARGS`` would run it, in a forked child where it can."""
    global _server
    with _starting:
        if _server is None:
            _server = ForkServer()
    if _server.suits(env) and _server.lock.acquire(blocking=False):
        try:
            return _server.run(list(args), env, cwd, timeout)
        finally:
            _server.lock.release()
    cmd = [sys.executable, "-c", "import sys; from modelunit.cli.main import main; sys.exit(main())", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                          timeout=timeout)


# ``modelunit`` for a shell session: a client that hands its streams to the socket server and exits with the
# command's status.  It starts in a few milliseconds (no site, no package imports); where the session's
# environment would start Python differently from the server's, it becomes the real command instead.
CLIENT = """#!{python} -SI
import json, os, socket, sys
if {{k: v for k, v in os.environ.items() if k.startswith({prefixes!r})}} != {startup!r}:
    os.execv({real!r}, [{real!r}, *sys.argv[1:]])
with socket.socket(socket.AF_UNIX) as s:
    s.connect({address!r})
    request = {{"argv": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd()}}
    socket.send_fds(s, [json.dumps(request).encode()], [0, 1, 2])
    s.shutdown(socket.SHUT_WR)
    reply = b""
    while chunk := s.recv(64):
        reply += chunk
code = int(reply)
sys.exit(code if code >= 0 else 128 - code)
"""


class ShellServer:
    """The fork server on a Unix socket, and a folder holding the ``modelunit`` client to put first on PATH."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="mu-shell-")
        address = os.path.join(self.folder, "socket")
        self.proc = subprocess.Popen([sys.executable, str(HERE / "forkserver_main.py"), "--socket", address],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
                                     cwd=HERE.parent, env=dict(os.environ))
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("the test fork server did not start")
        self.bin = os.path.join(self.folder, "bin")
        os.mkdir(self.bin)
        client = os.path.join(self.bin, "modelunit")
        Path(client).write_text(CLIENT.format(
            python=sys.executable, prefixes=_STARTUP, address=address,
            startup={k: v for k, v in os.environ.items() if k.startswith(_STARTUP)},
            real=os.path.join(os.path.dirname(sys.executable), "modelunit")), encoding="utf-8")
        os.chmod(client, 0o755)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_shell: ShellServer | None = None


def shell_bin() -> str:
    """A folder whose ``modelunit`` runs each command in a child of the fork server, for a shell session."""
    global _shell
    with _starting:
        if _shell is None or _shell.proc.poll() is not None:
            _shell = ShellServer()
    return _shell.bin


def stop() -> None:
    if _server is not None:
        _server.stop()
    if _shell is not None:
        _shell.stop()
