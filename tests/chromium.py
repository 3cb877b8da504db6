"""A real browser for the tests of ``modelunit serve``: headless Chromium driven through the Chrome
DevTools Protocol (its websocket, with aiohttp, which textual-serve already brings).

The served page draws the terminal on a canvas, so its DOM holds no screen text.  What the page
shows is read from the xterm.js terminal the page created: a script given to the page before its
own (``Page.addScriptToEvaluateOnNewDocument``) keeps a reference to every xterm.js ``Terminal``
as it is constructed, and :meth:`Tab.screen` reads the rows of its active buffer, which is what
the canvas paints.  Keys go in as the browser's own keyboard events (``Input.*``), into the
terminal's focused text area, as a person's typing does.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from contextlib import asynccontextmanager

import aiohttp

# Flags that work in a container without a display, a GPU or a network (nothing phones home).
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-port=0")

# xterm.js's public Terminal sets ``this._core`` in its constructor: catch that assignment once,
# keep the terminal, and leave an ordinary property in place.
CATCH_TERMINALS = """
window.__terminals = [];
Object.defineProperty(Object.prototype, "_core", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "_core", {value, writable: true, configurable: true, enumerable: true});
    if (this.buffer !== undefined && typeof this.onData === "function") window.__terminals.push(this);
  },
});
"""

READ_SCREEN = """
(() => {
  const term = window.__terminals[0];
  if (!term) return null;
  const buffer = term.buffer.active, lines = [];
  for (let y = 0; y < term.rows; y++) lines.push(buffer.getLine(buffer.viewportY + y).translateToString(true));
  return lines.join("\\n");
})()
"""

# The screen's text and colours, as a digest: what changes when the focus moves to another field.  It is
# polled every 50 ms while the page settles; a digest (FNV-1a over every cell's character and colours)
# rather than the cells themselves keeps each poll to a few bytes instead of tens of kilobytes.
READ_LOOK = """
(() => {
  const term = window.__terminals[0];
  if (!term) return "";
  const buffer = term.buffer.active, cell = buffer.getNullCell();
  let h = 0x811c9dc5;
  const mix = (n) => { h = Math.imul(h ^ n, 0x01000193) >>> 0; };
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    for (let x = 0; x < term.cols; x++) {
      line.getCell(x, cell);
      const chars = cell.getChars();
      for (let i = 0; i < chars.length; i++) mix(chars.charCodeAt(i));
      mix(0x110000 + cell.getFgColor()); mix(0x2000000 + cell.getBgColor()); mix(-1);
    }
  }
  return h.toString(16);
})()
"""

# Where ``text`` is drawn: the centre of its first cell, in the page's CSS pixels (a wide character
# takes two cells, so the cell column is counted cell by cell, not character by character).
FIND_TEXT = """
((text) => {
  const term = window.__terminals[0], buffer = term.buffer.active, cell = buffer.getNullCell();
  const screen = term.element.querySelector(".xterm-screen").getBoundingClientRect();
  const width = screen.width / term.cols, height = screen.height / term.rows;
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    let chars = "", columns = [];
    for (let x = 0; x < term.cols; x++) {
      line.getCell(x, cell);
      const c = cell.getChars();
      if (cell.getWidth() === 0) continue;
      for (const ch of (c || " ")) { chars += ch; columns.push(x); }
    }
    const at = chars.indexOf(text);
    if (at >= 0) return {x: screen.left + (columns[at] + 0.5) * width, y: screen.top + (y + 0.5) * height};
  }
  return null;
})
"""

KEYS = {"\t": ("Tab", 9), "\r": ("Enter", 13), "\x1b": ("Escape", 27)}
NAMED = {"F2": 113}  # keys with no character: :meth:`Tab.press`


def chromium() -> str:
    """The Chromium of the distribution; the test fails (never skips) without it."""
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    raise AssertionError("Chromium is not installed: apt-get install -y chromium (.ci/run installs it)")


class Tab:
    """One page of the browser, through its DevTools websocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)

    async def send(self, method: str, **params) -> dict:
        call = next(self.ids)
        await self.ws.send_str(json.dumps({"id": call, "method": method, "params": params}))
        while True:
            reply = json.loads((await self.ws.receive(timeout=30)).data)
            if reply.get("id") == call:
                if "error" in reply:
                    raise AssertionError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    async def evaluate(self, expression: str):
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def screen(self) -> str:
        return await self.evaluate(READ_SCREEN) or ""

    async def wait_for(self, *needles: str, timeout: float = 30.0) -> str:
        """The screen once every needle is on it."""
        deadline = time.monotonic() + timeout
        while True:
            text = await self.screen()
            if all(n in text for n in needles):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"never saw {needles!r} on the page; it shows:\n{text}")
            await asyncio.sleep(0.2)

    async def type(self, keys: str) -> None:
        """Text as typed characters; Tab, Enter and Escape as key presses."""
        await self.evaluate("document.querySelector('.xterm-helper-textarea').focus()")
        for chunk in _chunks(keys):
            if chunk in KEYS:
                key, code = KEYS[chunk]
                for kind in ("keyDown", "keyUp"):
                    await self.send("Input.dispatchKeyEvent", type=kind, key=key, code=key,
                                    windowsVirtualKeyCode=code, nativeVirtualKeyCode=code,
                                    **({"text": chunk} if kind == "keyDown" and chunk == "\r" else {}))
            else:
                await self.send("Input.insertText", text=chunk)

    async def settle(self, keys: str, quiet: float = 0.3, timeout: float = 30.0) -> None:
        """Type ``keys``, then wait until the page has redrawn and stayed still for ``quiet`` seconds
        (keys typed at once all reach the field that has the focus when they arrive)."""
        before = await self.evaluate(READ_LOOK)
        await self.type(keys)
        deadline = time.monotonic() + timeout
        while (look := await self.evaluate(READ_LOOK)) == before:
            if time.monotonic() > deadline:
                raise AssertionError(f"the page did not answer {keys!r}; it shows:\n{await self.screen()}")
            await asyncio.sleep(0.05)
        still = time.monotonic()
        while time.monotonic() - still < quiet:
            await asyncio.sleep(0.05)
            if (now := await self.evaluate(READ_LOOK)) != look:
                look, still = now, time.monotonic()

    async def press(self, key: str) -> None:
        """A key that types no character (``F2``)."""
        for kind in ("rawKeyDown", "keyUp"):
            await self.send("Input.dispatchKeyEvent", type=kind, key=key, code=key,
                            windowsVirtualKeyCode=NAMED[key], nativeVirtualKeyCode=NAMED[key])

    async def click(self, text: str) -> None:
        """A mouse click on ``text`` where the page draws it (a button's label)."""
        at = await self.evaluate(f"{FIND_TEXT}({json.dumps(text)})")
        assert at, f"{text!r} is not on the page; it shows:\n{await self.screen()}"
        for kind in ("mousePressed", "mouseReleased"):
            await self.send("Input.dispatchMouseEvent", type=kind, x=at["x"], y=at["y"], button="left", clickCount=1)

    async def downloads_into(self, folder: str) -> None:
        """Files the page downloads are saved in ``folder`` (headless Chromium's default is to drop them)."""
        await self.send("Browser.setDownloadBehavior", behavior="allow", downloadPath=folder)

    async def screenshot(self, path: str) -> bytes:
        data = base64.b64decode((await self.send("Page.captureScreenshot", format="png"))["data"])
        with open(path, "wb") as out:
            out.write(data)
        return data


def _chunks(keys: str) -> list[str]:
    chunks: list[str] = []
    for char in keys:
        if char in KEYS or not chunks or chunks[-1] in KEYS:
            chunks.append(char)
        else:
            chunks[-1] += char
    return chunks


@asynccontextmanager
async def browser(width: int = 1280, height: int = 800):
    """A headless Chromium with a new empty profile; yields ``open(url) -> Tab``."""
    profile = tempfile.mkdtemp(prefix="modelunit-chromium-")
    process = subprocess.Popen([chromium(), *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                                "about:blank"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.monotonic() + 30
        while not (os.path.exists(port_file) and open(port_file).read().count("\n") >= 1):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"Chromium did not start (exit code {process.poll()})")
            await asyncio.sleep(0.05)
        port = open(port_file).read().split()[0]
        async with aiohttp.ClientSession() as http:
            async def pages() -> list[dict]:
                async with http.get(f"http://127.0.0.1:{port}/json/list") as response:
                    return [t for t in await response.json() if t["type"] == "page"]

            async def open_page(url: str) -> Tab:
                """The browser's first tab, at ``url``; ``open_page.opened(prefix)``: a tab the page opened."""
                [page] = await pages()
                tab = Tab(await http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0))
                await tab.send("Page.enable")
                await tab.send("Page.addScriptToEvaluateOnNewDocument", source=CATCH_TERMINALS)
                await tab.send("Page.navigate", url=url)
                return tab

            async def opened(prefix: str) -> Tab:
                deadline = time.monotonic() + 30
                while not (found := [p for p in await pages() if p["url"].startswith(prefix)]):
                    assert time.monotonic() < deadline, f"no tab opened at {prefix}"
                    await asyncio.sleep(0.1)
                return Tab(await http.ws_connect(found[0]["webSocketDebuggerUrl"], max_msg_size=0))

            open_page.opened = opened  # type: ignore[attr-defined]
            yield open_page
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)
