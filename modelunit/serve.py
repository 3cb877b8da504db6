"""``modelunit serve``: the dashboard in a browser, through textual-serve.

textual-serve runs one dashboard process per browser tab (its websocket), so each session has
its own sign-in and nothing of one session can reach another's.  This module adds what the
office needs around it: every session starts at the sign-in screen (the password and user
variables of whoever started the server are removed from the sessions' environment), the
listening address is checked before anything starts, and the one-time upload links of
:mod:`modelunit.uploads` are served by the same process.  It never imports Textual: the
sessions do, each in its own process.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import re
import shlex
import socket
import sys
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve import download_manager
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from modelunit.errors import BadInput
from modelunit.i18n import get_lang, t
from modelunit.storage.database import Database
from modelunit.uploads import UPLOAD_META, UploadDesk

log = logging.getLogger("modelunit.serve")

# Whoever starts the server may have signed in their own shell; a browser session must not inherit that.
SCRUBBED = ("MODELUNIT_PASSWORD", "MODELUNIT_NEW_PASSWORD", "MODELUNIT_USER")
DEFAULT_IDLE_MINUTES = 30.0

# A download (the workbook, a unit's report) is sent 64 KB at a time, each piece asked of the session's process.
# textual-serve waits 4 s for a piece; one that comes later ends the download in a broken response, and the
# browser keeps a cut-off file or reports a network error.  A session on a busy server (many sessions, or a
# large workbook being written) can take longer than that, so the server waits up to a minute for each piece.
CHUNK_WAIT_SECONDS = 60
download_manager.DOWNLOAD_TIMEOUT = CHUNK_WAIT_SECONDS


def check_address(host: str, port: int, public_url: str | None) -> None:
    """Bad input unless the server can listen there: one clear line, before anything starts."""
    if not 1 <= port <= 65535:
        raise BadInput("serve.bad_port", port=port)
    if public_url is not None and not public_url.startswith(("http://", "https://")):
        raise BadInput("serve.bad_url", url=public_url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as err:
        raise BadInput("serve.bad_host", host=host, detail=getattr(err, "strerror", None) or str(err)) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as err:
            raise BadInput("serve.cannot_listen", host=host, port=port, detail=err.strerror or str(err)) from None


def session_command(db: Database, *, campaign: str | None = None, demo: bool = False,
                    idle_minutes: float = DEFAULT_IDLE_MINUTES, public_url: str = "") -> str:
    """The shell command textual-serve runs for each browser tab (it starts it through a shell)."""
    argv = [sys.executable, "-m", "modelunit.tui.browser", "--db", db.locator, "--lang", get_lang(),
            "--idle-minutes", f"{idle_minutes:g}", "--public-url", public_url]
    if campaign:
        argv += ["--campaign", campaign]
    if demo:
        argv.append("--demo")
    return shlex.join(argv)


def default_public_url(host: str, port: int) -> str:
    """What textual-serve would make of ``host``, with an IPv6 address in brackets and 0.0.0.0 left as given."""
    try:
        shown = f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:
        shown = host
    return f"http://{shown}:{port}"


class SessionService(AppService):
    """One browser tab's dashboard process, started without anyone's credentials."""

    def __init__(self, command: str, *, server: DashboardServer, **kwargs: Any) -> None:
        super().__init__(command, **kwargs)
        self.server = server

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        for name in SCRUBBED:
            environment.pop(name, None)
        return environment


    async def on_meta(self, data: bytes) -> None:
        import json

        meta = json.loads(data)
        if meta.get("type") == UPLOAD_META:  # from the session's own process, never from the browser
            self.server.uploads.offer(self.app_service_id, meta)
            return
        await super().on_meta(data)

    async def stop(self) -> None:
        self.server.uploads.forget_session(self.app_service_id)  # a closed tab's upload links die with it
        await super().stop()


# textual-serve's page links its font from Google Fonts. On an office network without internet
# that request may hang until it times out, and the page's script waits for every resource of
# the page (window.onload) before it opens the websocket: the tab stays at the logo. The page is
# served instead with that link replaced by the same font from textual-serve's static folder.
EXTERNAL_FONT = re.compile(r"<link[^>]*fonts\.googleapis\.com[^>]*>", re.S)
LOCAL_FONT = ("<style>@font-face { font-family: 'Roboto Mono'; "
              "src: url('{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf') format('truetype'); }</style>")


class OfflinePageLoader(jinja2.FileSystemLoader):
    """textual-serve's templates, with nothing the browser must fetch from outside the server."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        return EXTERNAL_FONT.sub(LOCAL_FONT, source), filename, uptodate


class DashboardServer(Server):
    """textual-serve's server, starting each browser tab's process as a :class:`SessionService`,
with the upload routes of :class:`UploadDesk`."""

    def __init__(self, db: Database, command: str, host: str, port: int, public_url: str) -> None:
        super().__init__(command, host=host, port=port, title="modelunit", public_url=public_url)
        self.db = db
        self.uploads = UploadDesk(db)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        aiohttp_jinja2.setup(app, loader=OfflinePageLoader(self.templates_path))
        self.uploads.add_routes(app)
        return app

    async def on_startup(self, app: web.Application) -> None:
        self.console.print(t("serve.listening", url=self.public_url, db=self.db.path),
                           highlight=False, markup=False, soft_wrap=True)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's own handler, with :class:`SessionService` for the process it starts."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        service: SessionService | None = None
        try:
            await websocket.prepare(request)
            service = SessionService(self.command, server=self, write_bytes=websocket.send_bytes,
                                     write_str=websocket.send_str, close=websocket.close,
                                     download_manager=self.download_manager, debug=self.debug)
            await service.start(width, height)
            try:
                await self._process_messages(websocket, service)
            finally:
                await service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # one broken session must not take the server down
            log.exception(error)
        finally:
            if service is not None:
                await service.stop()
        return websocket


def serve(db: Database, host: str, port: int, public_url: str | None, *, campaign: str | None = None,
          demo: bool = False, idle_minutes: float = DEFAULT_IDLE_MINUTES) -> None:
    """Serve the dashboard until SIGINT or SIGTERM."""
    check_address(host, port, public_url)
    if idle_minutes <= 0:
        raise BadInput("serve.bad_idle", minutes=idle_minutes)
    url = (public_url or default_public_url(host, port)).rstrip("/")
    for name in SCRUBBED:  # nothing started from here inherits them either
        os.environ.pop(name, None)
    command = session_command(db, campaign=campaign, demo=demo, idle_minutes=idle_minutes, public_url=url)
    DashboardServer(db, command, host, port, url).serve()
