"""Helpers for the tests of ``modelunit serve``: a server in a subprocess, and a browser session
driven through textual-serve's websocket (what the page's JavaScript sends and receives)."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

import aiohttp

from tests.conftest import cli_env

# What a terminal stream holds besides text: CSI sequences (colours, cursor moves), OSC and others.
_ESCAPES = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def words(text: str) -> list[str]:
    """The words of a screen's text, without the box-drawing: what a failure message shows."""
    return sorted(set(re.findall(r"[^\s▁▔▊▎█▀▄▏▕]+", text)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


@contextmanager
def served(*args: str, db: str | None = None, env: dict | None = None, cwd=None, command: str = "serve"):
    """``modelunit [--db DB] serve --port FREE *args`` until the block ends (then SIGTERM); yields (url, process)."""
    port = free_port()
    cmd = [sys.executable, "-m", "modelunit.cli.main"]
    cmd += ["--db", db] if db else []
    cmd += [*command.split(), "--port", str(port), *args]
    process = subprocess.Popen(cmd, env=cli_env(env=env), cwd=cwd, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if fetch(url + "/")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"serve did not start: {process.communicate()[0]}")
            time.sleep(0.1)
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Session:
    """One browser tab: the websocket textual-serve's page opens, and the screen text seen so far."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.raw = b""
        self.texts: list[str] = []

    @property
    def screen(self) -> str:
        return _ESCAPES.sub("", self.raw.decode("utf-8", "replace"))

    async def type(self, keys: str) -> None:
        await self.ws.send_str(json.dumps(["stdin", keys]))

    async def wait_for(self, *needles: str, timeout: float = 30.0, since: int = 0) -> str:
        """Read the stream until every needle has appeared after byte ``since``; the text seen."""
        deadline = time.monotonic() + timeout
        while True:
            seen = _ESCAPES.sub("", self.raw[since:].decode("utf-8", "replace"))
            if all(n in seen for n in needles):
                return seen
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"never saw {needles!r}; words seen: {words(seen)}")
            try:
                await self._read(min(left, 1.0))
            except TimeoutError:
                continue

    async def sign_in(self, name: str, password: str) -> int:
        """Type a name, Tab, a password and Enter as a person would: each only once the screen has
        answered the one before (keys sent at once all reach the field focused when they arrive);
        returns the mark before the password."""
        await self.settle(name)
        await self.settle("\t")
        mark = self.mark()
        await self.type(password + "\r")
        return mark

    async def settle(self, keys: str) -> None:
        """Type ``keys``, then read until the screen has redrawn and gone quiet for a moment."""
        mark = self.mark()
        await self.type(keys)
        while self.mark() == mark:
            await self._read(10)
        while True:
            try:
                await self._read(0.3)
            except TimeoutError:
                return

    async def _read(self, timeout: float) -> None:
        message = await self.ws.receive(timeout=timeout)
        if message.type == aiohttp.WSMsgType.BINARY:
            self.raw += message.data
        elif message.type == aiohttp.WSMsgType.TEXT:
            self.texts.append(message.data)
        else:
            raise AssertionError(f"the session ended ({message.type})")

    def mark(self) -> int:
        return len(self.raw)


async def open_session(http: aiohttp.ClientSession, url: str, width: int = 120, height: int = 36) -> Session:
    ws = await http.ws_connect(f"{url.replace('http', 'ws', 1)}/ws?width={width}&height={height}")
    return Session(ws)
