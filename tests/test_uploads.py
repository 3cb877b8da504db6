"""One-time upload links (``modelunit serve``): a browser file filed as evidence through the same domain
function, permission and audit as anywhere else; expired, used, oversize and wrong-unit uploads refused."""

from __future__ import annotations

import hashlib

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from textual.widgets import Static

from modelunit.domain import campaigns, selfcheck
from modelunit.uploads import UploadDesk
from tests.conftest import create_campaign
from tests.helpers import self_score

TOKEN = "t" * 43


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def nomination_stage(world):
    create_campaign(world)
    self_score(world, "U1")
    selfcheck.submit_selfcheck(world.ctx(), ["U1"])
    campaigns.advance(world.ctx())  # 自荐申报: clerks file their evidence
    return world


async def desk_client(world, **kw) -> tuple[UploadDesk, TestClient, Clock]:
    clock = Clock()
    desk = UploadDesk(world.db, clock=clock, **kw)
    app = web.Application()
    desk.add_routes(app)
    client = TestClient(TestServer(app))
    await client.start_server()
    return desk, client, clock


def offer(desk: UploadDesk, user: str = "clerk1", unit: str = "U1", token: str = TOKEN, **kw) -> None:
    assert desk.offer("session-1", {"type": "modelunit_upload", "token": token, "user": user, "unit": unit,
                                    "criterion": "A", **kw})


def form(data: bytes, name: str = "台账.pdf") -> aiohttp.FormData:
    body = aiohttp.FormData()
    body.add_field("file", data, filename=name, content_type="application/pdf")
    return body


async def test_an_upload_is_filed_as_the_user_and_audited(nomination_stage):
    world = nomination_stage
    desk, client, _ = await desk_client(world)
    try:
        offer(desk, title="决策台账")
        page = await client.get(f"/upload/{TOKEN}")
        assert page.status == 200 and "单位 U1，A；以 clerk1 的身份提交" in await page.text()
        done = await client.post(f"/upload/{TOKEN}", data=form(b"%PDF-1.4 evidence"))
        assert done.status == 200 and "已收到并存档：台账.pdf" in await done.text()
        again = await client.post(f"/upload/{TOKEN}", data=form(b"%PDF-1.4 evidence"))
        assert again.status == 410 and "已使用" in await again.text()  # a link works once
    finally:
        await client.close()
    [material] = world.entry("U1")["materials"]
    assert (material["name"], material["title"], material["criterion"], material["added_by"]) == \
        ("台账.pdf", "决策台账", "A", "clerk1")
    assert material["sha256"] == hashlib.sha256(b"%PDF-1.4 evidence").hexdigest()
    entries = world.db.snapshot().audit.values()
    assert any(e["action"] == "material.add" and e["user"] == "clerk1" and e["target"] == "U1" for e in entries)


async def test_an_expired_or_unknown_link_is_refused(nomination_stage):
    world = nomination_stage
    before = world.raw()
    desk, client, clock = await desk_client(world)
    try:
        offer(desk)
        clock.now += 10 * 60 + 1
        late = await client.post(f"/upload/{TOKEN}", data=form(b"late"))
        assert late.status == 410 and "已过期" in await late.text()
        unknown = await client.get("/upload/" + "x" * 43)
        assert unknown.status == 410
    finally:
        await client.close()
    assert world.raw() == before


async def test_an_oversize_file_is_refused_and_nothing_stored(nomination_stage):
    world = nomination_stage
    before = world.raw()
    desk, client, _ = await desk_client(world, max_bytes=1024 * 1024)
    try:
        offer(desk)
        big = await client.post(f"/upload/{TOKEN}", data=form(b"x" * (1024 * 1024 + 1)))
        assert big.status == 413 and "文件过大：上限 1 MB" in await big.text()
    finally:
        await client.close()
    assert world.raw() == before
    assert not [p for p in world.dir.rglob("*") if p.is_file() and p.stat().st_size > 1024 * 1024]


async def test_a_link_for_another_unit_is_refused_by_the_domain(nomination_stage):
    world = nomination_stage
    before = world.raw()
    desk, client, _ = await desk_client(world)
    try:
        offer(desk, user="clerk1", unit="U2")  # clerk1 is U1's clerk
        refused = await client.post(f"/upload/{TOKEN}", data=form(b"not mine"))
        assert refused.status == 403 and "U2" in await refused.text()
    finally:
        await client.close()
    assert world.raw() == before
    assert "material add (upload)" in (world.dir / "mu.log").read_text(encoding="utf-8")


async def test_a_closed_session_takes_its_links_with_it(nomination_stage):
    desk, client, _ = await desk_client(nomination_stage)
    try:
        offer(desk)
        desk.forget_session("session-1")
        assert (await client.get(f"/upload/{TOKEN}")).status == 410
    finally:
        await client.close()


def test_a_malformed_request_for_a_link_is_dropped(world):
    desk = UploadDesk(world.db)
    assert desk.offer("s", {"token": "short", "user": "clerk1", "unit": "U1"}) is None
    assert desk.offer("s", {"token": TOKEN, "user": ["clerk1"], "unit": "U1"}) is None
    # a materials list names files on the server's own disk: never imported from a browser
    assert desk.offer("s", {"token": TOKEN, "user": "office", "kind": "materials"}) is None
    assert desk.grants == {}


async def test_in_a_browser_adding_a_material_shows_an_upload_link_and_the_filed_file(nomination_stage, monkeypatch,
                                                                                      tmp_path):
    from textual.widgets import DataTable

    from modelunit.tui.dialogs.upload_dialog import UploadLinkDialog
    from modelunit.tui.panes import nomination_pane
    from tests.test_tui import SIZE, open_unit, settle
    from tests.test_tui_forms import toasts
    from tests.test_tui_progress import app_as

    sent = []
    monkeypatch.setattr(nomination_pane, "in_browser", lambda app: True)
    app = app_as(nomination_stage.db, "clerk1")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        monkeypatch.setattr(app._driver, "write_meta", sent.append, raising=False)
        app.public_url = "https://modelunit.example"
        unit_screen = await open_unit(pilot, "U1")
        pane = pilot.app.screen.query_one(nomination_pane.NominationPane)
        pane.add_material()
        await settle(pilot)
        await pilot.click("#ok")  # the form: criterion (the first), title
        await settle(pilot)
        assert isinstance(pilot.app.screen, UploadLinkDialog)
        link = str(pilot.app.screen.query_one("#link", Static).render())
        [meta] = sent
        assert meta["type"] == "modelunit_upload" and (meta["user"], meta["unit"]) == ("clerk1", "U1")
        assert link == f"https://modelunit.example/upload/{meta['token']}"
        await pilot.press("escape")

        # The server files the browser's file (another process): the open page shows it without a key.
        desk = UploadDesk(nomination_stage.db)
        grant = desk.take(desk.offer("session-1", meta).token)
        (tmp_path / "台账.pdf").write_bytes(b"%PDF-1.4 evidence")
        desk.file(grant, str(tmp_path / "台账.pdf"))
        for _ in range(100):
            await pilot.pause(0.05)
            if any("已收到上传的材料：台账.pdf" in line for line in toasts(pilot.app)):
                break
        await settle(pilot)
        assert pilot.app.screen is unit_screen
        row = unit_screen.query_one("#evidence", DataTable).get_row("A")
        assert "1 份" in [str(cell) for cell in row], row


async def test_in_a_browser_the_csv_import_gives_an_upload_link_and_the_page_imports_the_file(world, monkeypatch):
    from textual.widgets import Input, Select

    from modelunit.tui.dialogs import import_dialog
    from modelunit.tui.dialogs.upload_dialog import UploadLinkDialog
    from tests.test_tui import SIZE, settle
    from tests.test_tui_progress import app_as

    create_campaign(world)
    sent = []
    monkeypatch.setattr(import_dialog, "in_browser", lambda app: True)
    app = app_as(world.db, "office")
    async with app.run_test(size=SIZE) as pilot:
        monkeypatch.setattr(app._driver, "write_meta", sent.append, raising=False)
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, import_dialog.ImportDialog)
        assert not dialog.query(Input)  # no path on the server to type
        assert "一次性上传链接" in str(dialog.query_one("#upload-help", Static).render())
        kinds = [kind for _, kind in dialog.kinds]
        assert "units" in kinds and "materials" not in kinds
        dialog.query_one("#kind", Select).value = "units"
        await pilot.click("#go")
        await settle(pilot)
        assert isinstance(pilot.app.screen, UploadLinkDialog)
    [meta] = sent
    assert (meta["kind"], meta["user"]) == ("units", "office")

    before = world.raw()
    desk, client, _ = await desk_client(world)
    try:
        desk.offer("session-1", meta)
        page = await client.get(f"/upload/{meta['token']}")
        assert "以 office 的身份导入" in await page.text()
        bad = await client.post(f"/upload/{meta['token']}", data=form(
            "code,name,type\nU9,区司法局,nowhere\n".encode(), name="单位.csv"))
        text = await bad.text()
        assert bad.status == 400 and "未导入任何数据" in text and "单位.csv:2:" in text and "nowhere" in text
        assert "modelunit-upload-" not in text  # the file by its own name, not the server's folder
        assert world.raw() == before  # the whole file or nothing
        desk.offer("session-1", {**meta, "token": "u" * 43})
        done = await client.post("/upload/" + "u" * 43, data=form(
            "code,name,type\nU9,区司法局,department\n".encode(), name="单位.csv"))
        assert done.status == 200 and "已导入单位：新增 1 个，更新 0 个" in await done.text()
    finally:
        await client.close()
    assert world.db.snapshot().units.get("U9")["name"] == "区司法局"
