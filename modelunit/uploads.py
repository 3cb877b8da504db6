"""One-time upload links: how a clerk in a browser files evidence that is on their own machine.

textual-serve carries keys and the screen, and files from the server to the browser, but no file
from the browser to the server.  So a signed-in session asks for a link for one unit and one
criterion (or application document); the session's process tells the server (a meta packet on
its own stdout, which no browser can write), the server keeps the grant in memory for
:data:`LINK_MINUTES`, and the page at ``/upload/TOKEN`` takes one file of at most
:data:`MAX_BYTES` and files it through :func:`modelunit.domain.nomination.add_materials` as the
user who asked, so the same permission and stage rules refuse what they would refuse anywhere,
and the audit log records it.  A link works once; it dies with its session (a closed tab).
"""

from __future__ import annotations

import asyncio
import html
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from modelunit.errors import BadInput, ModelUnitError, Refused
from modelunit.i18n import t
from modelunit.storage.database import Database

UPLOAD_META = "modelunit_upload"  # the meta packet a session sends to open an upload link
LINK_MINUTES = 10
MAX_BYTES = 20 * 1024 * 1024
CHUNK = 64 * 1024
FIELDS = ("token", "user", "unit", "criterion", "document", "title", "reason", "campaign", "kind")
# A CSV import through a link: every kind but the materials list, whose rows name files on the server's disk.
UPLOAD_IMPORTS = ("units", "selfcheck", "teams", "scores", "satisfaction")


@dataclass
class Grant:
    """What one link allows, as one user: one file for one unit and criterion or document, or
    (``kind``) one CSV file of that bulk import."""

    token: str
    session: str
    user: str
    unit: str
    criterion: str = ""
    document: str = ""
    title: str = ""
    reason: str = ""
    campaign: str = ""
    kind: str = ""
    expires: float = 0.0
    used: bool = False

    def title_text(self) -> str:
        """The page's title: what the link is for."""
        return t("tui.import_title") if self.kind else t("upload.title")


class UploadDesk:
    """The grants of the running server, and its two routes."""

    def __init__(self, db: Database, minutes: float = LINK_MINUTES, max_bytes: int = MAX_BYTES,
                 clock=time.monotonic) -> None:
        self.db = db
        self.seconds = minutes * 60
        self.max_bytes = max_bytes
        self.clock = clock
        self.grants: dict[str, Grant] = {}

    # ------------------------------------------------------------------ grants

    def offer(self, session: str, meta: dict) -> Grant | None:
        """Record a link a session asked for; a malformed request is dropped."""
        values = {name: meta.get(name) or "" for name in FIELDS}
        if not all(isinstance(v, str) for v in values.values()) or len(values["token"]) < 32 \
                or not values["user"] or not (values["kind"] in UPLOAD_IMPORTS if values["kind"] else values["unit"]):
            return None
        self._drop_expired()
        grant = Grant(session=session, expires=self.clock() + self.seconds, **values)
        self.grants[grant.token] = grant
        return grant

    def forget_session(self, session: str) -> None:
        for token in [k for k, g in self.grants.items() if g.session == session]:
            del self.grants[token]

    def take(self, token: str) -> Grant:
        """The grant of a live, unused link, now used (before the file arrives: one upload at a time)."""
        grant = self.peek(token)
        grant.used = True
        return grant

    def peek(self, token: str) -> Grant:
        """The grant of a live, unused link; refused otherwise."""
        self._drop_expired()
        grant = self.grants.get(token)
        if grant is None or grant.used:
            raise Refused("upload.link_dead")
        return grant

    def _drop_expired(self) -> None:
        now = self.clock()
        for token in [k for k, g in self.grants.items() if g.expires <= now]:
            del self.grants[token]

    # ------------------------------------------------------------------ filing

    def file(self, grant: Grant, path: str) -> str:
        """File the received file as the grant's user, through the one domain function for it (or
        import it, through the one import path the command line and the dashboard use); what to say."""
        from modelunit.domain import nomination
        from modelunit.domain.context import Context
        from modelunit.domain.records import user_of
        from modelunit.imports import run_import

        user = user_of(self.db.snapshot(), grant.user)
        if user.disabled or user.must_change:  # disabled or reset since the link was made
            raise Refused("upload.user_gone", name=user.name)
        ctx = Context(self.db, user, grant.campaign or None)
        try:
            if grant.kind:
                return run_import(ctx, grant.kind, path)
            request = nomination.MaterialRequest(grant.unit, path, grant.criterion, grant.title, grant.document)
            nomination.add_materials(ctx, [request], reason=grant.reason)
        except ModelUnitError as err:
            ctx.refused(err, f"import {grant.kind} (upload)" if grant.kind else "material add (upload)")
            raise
        return t("upload.done", name=os.path.basename(path), unit=grant.unit)

    # ------------------------------------------------------------------ routes

    def add_routes(self, app: web.Application) -> None:
        app.add_routes([web.get("/upload/{token}", self.handle_form), web.post("/upload/{token}", self.handle_post)])

    async def handle_form(self, request: web.Request) -> web.Response:
        try:
            grant = self.peek(request.match_info["token"])
        except ModelUnitError as err:
            return page(410, t("upload.title"), err.render())
        what = grant.criterion or grant.document
        purpose = t("upload.for_import", kind=t(f"import.{grant.kind}"), user=grant.user) if grant.kind \
            else t("upload.for", unit=grant.unit, what=what, user=grant.user)
        body = (f"<p>{html.escape(purpose)}</p>"
                f"<p>{html.escape(t('upload.limits', mb=self.max_bytes // (1024 * 1024)))}</p>"
                '<form method="post" enctype="multipart/form-data">'
                '<input type="file" name="file" required> '
                f'<button type="submit">{html.escape(t("upload.send"))}</button></form>')
        return page(200, grant.title_text(), body, raw=True)

    async def handle_post(self, request: web.Request) -> web.Response:
        try:
            grant = self.take(request.match_info["token"])
        except ModelUnitError as err:
            return page(410, t("upload.title"), err.render())
        folder = tempfile.mkdtemp(prefix="modelunit-upload-")
        try:
            path = await self._receive(request, folder)
            said = await asyncio.get_running_loop().run_in_executor(None, self.file, grant, path)
        except ModelUnitError as err:  # bad input (exit code 2) is the file's fault; a refusal is 403
            status = 413 if getattr(err, "key", "") == "upload.too_big" else 400 if err.exit_code == 2 else 403
            heading = t("tui.import_failed") if grant.kind else ""
            return page(status, grant.title_text(), *problem_lines(err, folder, heading))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return page(200, grant.title_text(), said)

    async def _receive(self, request: web.Request, folder: str) -> str:
        """The form's one file, written into ``folder`` under its own name; at most ``max_bytes``."""
        if request.content_length is not None and request.content_length > self.max_bytes + CHUNK:
            raise BadInput("upload.too_big", mb=self.max_bytes // (1024 * 1024))
        try:
            reader = await request.multipart()
            part = await reader.next()
            while part is not None and not (isinstance(part, BodyPartReader) and part.name == "file"):
                part = await reader.next()
        except (ValueError, AssertionError):
            raise BadInput("upload.no_file") from None
        if part is None or not part.filename:
            raise BadInput("upload.no_file")
        # Browsers send the name as UTF-8; some clients percent-encode it (aiohttp does).
        name = os.path.basename(unquote(part.filename).replace("\\", "/")).strip() or "upload"
        path = os.path.join(folder, name)
        size = 0
        with open(path, "wb") as out:
            while chunk := await part.read_chunk(CHUNK):
                size += len(chunk)
                if size > self.max_bytes:
                    raise BadInput("upload.too_big", mb=self.max_bytes // (1024 * 1024))
                out.write(chunk)
        return path


def problem_lines(err: ModelUnitError, folder: str, heading: str = "") -> list[str]:
    """What a refusal says: a refused CSV names each bad line (the first 200) under ``heading``;
    the uploaded file by the name it had on the user's machine, not by the server's folder."""
    lines = [line.replace(folder + os.sep, "") for line in (err.lines() if hasattr(err, "lines") else [err.render()])]
    return [heading, *lines[:200]] if heading else lines[:200]


def page(status: int, title: str, *messages: str, raw: bool = False) -> web.Response:
    """A plain page in the interface language, a paragraph per message; everything from users is escaped."""
    body = "".join(messages) if raw else "".join(f"<p>{html.escape(m)}</p>" for m in messages)
    text = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
            f"<body><h1>{html.escape(title)}</h1>{body}</body></html>")
    return web.Response(status=status, text=text, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
