"""Files the dashboard makes for its user: a path in a terminal, a download in a browser.

Under ``modelunit serve`` the user sits at another machine, so a path on the server is of no use
to them and must not be theirs to choose (the service account can write where they cannot).
There an export is written into a private temporary folder under a plain file name, handed to
the browser with Textual's ``App.deliver_binary`` and removed; in a terminal nothing changes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile

from textual.app import App

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MIME = {".xlsx": XLSX, ".zip": "application/zip"}


def in_browser(app: App) -> bool:
    """True when the app runs under textual-serve (its driver is Textual's web driver)."""
    return app.is_web


def download_name(typed: str, default: str) -> str:
    """The file name the browser saves: what was typed without any folder, else the default's name;
    always with the default's extension (.xlsx, or .zip for several files)."""
    name = os.path.basename(typed.strip().replace("\\", "/")) or os.path.basename(default)
    extension = os.path.splitext(default)[1] or ".xlsx"
    return name if name.lower().endswith(extension) else name + extension


def staging_path(name: str) -> str:
    """Where an export for the browser is written: a fresh folder only this account can read."""
    return os.path.join(tempfile.mkdtemp(prefix="modelunit-download-"), name)


def deliver(app: App, path: str) -> None:
    """Send the written file to the browser, then remove it from the server (the open handle that
    Textual streams from outlives the name)."""
    try:
        mime = MIME.get(os.path.splitext(path)[1].lower(), "application/octet-stream")
        app.deliver_binary(path, save_filename=os.path.basename(path), mime_type=mime)
    finally:
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)


def zip_files(path: str, files: list[str]) -> str:
    """Several written files as one download (a browser takes one file per download): ``path``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in files:
            archive.write(name, os.path.basename(name))
    return path


def write_score_sheets(ctx, path: str, progress=None) -> str:
    """The blank score sheets, one workbook per unit: into the folder ``path`` in a terminal; in a
    browser (``path`` ends in .zip, in a staging folder) zipped into one download."""
    from modelunit.export.score_sheets import export_score_sheets

    if not path.endswith(".zip"):
        export_score_sheets(ctx, path)
        return path
    return zip_files(path, export_score_sheets(ctx, path[:-len(".zip")]))


def upload_link(app: App, user: str, campaign: str | None, unit: str, criterion: str = "", document: str = "",
                title: str = "", reason: str = "", kind: str = "") -> str:
    """Ask the server (textual-serve's process, through the web driver's meta channel) for a one-time
    link that files one browser file for ``unit`` as ``user`` (or imports one CSV file of ``kind``);
    the link to show."""
    import secrets

    from modelunit.uploads import UPLOAD_META

    token = secrets.token_urlsafe(32)
    app._driver.write_meta({"type": UPLOAD_META, "token": token, "user": user, "campaign": campaign or "",
                            "unit": unit, "criterion": criterion, "document": document, "title": title,
                            "reason": reason, "kind": kind})
    return f"{getattr(app, 'public_url', '')}/upload/{token}"
