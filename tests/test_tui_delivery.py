"""In a browser (``modelunit serve``) an export reaches the user's browser as a download, not as a path
on the server; in a terminal it is written where the user says, as before."""

from __future__ import annotations

import io
import os
import zipfile

import openpyxl
import pytest
from textual.widgets import Input, Label

from modelunit.demo import DEMO_PASSWORD
from modelunit.tui.app import ModelUnitApp
from modelunit.tui.dialogs import export_dialog
from modelunit.tui.dialogs.export_dialog import ExportDialog
from modelunit.tui.screens.dashboard_screen import DashboardScreen
from tests.helpers import ITEMS, to_inspection, to_nomination
from tests.test_progress import selfcheck_world
from tests.test_tui import SIZE, app_for, open_unit, settle
from tests.test_tui_progress import app_as, open_progress


@pytest.fixture
def browser(monkeypatch, tmp_path):
    """The app as textual-serve runs it: ``is_web``, and a browser that receives what is delivered."""
    received: list[tuple[str, bytes, dict]] = []

    def deliver_binary(self, path, **kw):
        with open(path, "rb") as f:  # Textual opens the file at once and streams it from the handle
            received.append((str(path), f.read(), kw))
        return "key"

    monkeypatch.setattr(export_dialog, "in_browser", lambda app: True)
    monkeypatch.setattr(ModelUnitApp, "deliver_binary", deliver_binary)
    monkeypatch.chdir(tmp_path)
    return received


async def test_the_workbook_downloads_in_the_browser(demo_db, browser, tmp_path):
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, ExportDialog)
        assert "文件名（由浏览器下载保存）" in [str(label.render()) for label in dialog.query(Label)]
        field = dialog.query_one("#path", Input)
        assert field.value.endswith("-汇总.xlsx") and "/" not in field.value  # a name, not a server path
        field.value = "/etc/cron.d/../汇总表"  # a folder typed in is dropped: only the name is used
        await pilot.click("#go")
        await settle(pilot)
        assert isinstance(pilot.app.screen, DashboardScreen)
    [(path, data, kw)] = browser
    assert kw["save_filename"] == "汇总表.xlsx" and kw["mime_type"].endswith("spreadsheetml.sheet")
    assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames[0] == "汇总"
    assert not os.path.exists(os.path.dirname(path))  # nothing of it stays on the server
    assert list(tmp_path.iterdir()) == [tmp_path / "demo"]


async def test_the_reminder_list_downloads_in_the_browser(world, browser):
    selfcheck_world(world)
    async with app_as(world.db, "office").run_test(size=SIZE) as pilot:
        await open_progress(pilot)
        await pilot.press("x")
        await pilot.pause()
        await pilot.click("#go")
        await settle(pilot)
    [(_, data, kw)] = browser
    assert kw["save_filename"].endswith(".xlsx")
    assert "催办清单" in openpyxl.load_workbook(io.BytesIO(data)).sheetnames


async def test_in_a_terminal_the_export_is_written_where_the_user_says(demo_db, tmp_path, monkeypatch):
    monkeypatch.setattr(ModelUnitApp, "deliver_binary", lambda *a, **k: pytest.fail("delivered in a terminal"))
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert os.path.isabs(pilot.app.screen.query_one("#path", Input).value)
        pilot.app.screen.query_one("#path", Input).value = str(tmp_path / "out.xlsx")
        await pilot.click("#go")
        await settle(pilot)
    assert openpyxl.load_workbook(tmp_path / "out.xlsx").sheetnames[0] == "汇总"


async def press_for_dialog(pilot, key: str) -> ExportDialog:
    await pilot.pause()
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(pilot.app.screen, ExportDialog)
    return pilot.app.screen


async def test_the_blank_score_sheets_download_in_the_browser_as_one_zip(world, browser):
    to_inspection(world)
    async with app_as(world.db, "office").run_test(size=SIZE) as pilot:
        dialog = await press_for_dialog(pilot, "b")
        assert dialog.query_one("#path", Input).value == "2024-1-空白评分表.zip"
        await pilot.click("#go")
        await settle(pilot)
        assert isinstance(pilot.app.screen, DashboardScreen)
    [(path, data, kw)] = browser
    assert kw["save_filename"] == "2024-1-空白评分表.zip" and kw["mime_type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == ["U1-评分表.xlsx", "U2-评分表.xlsx", "U4-评分表.xlsx"]
    sheet = openpyxl.load_workbook(io.BytesIO(archive.read("U2-评分表.xlsx"))).worksheets[0]
    assert sheet["A2"].value == "被考察单位：东风街道办事处（U2）"
    assert not os.path.exists(os.path.dirname(path))


async def test_a_clerk_downloads_their_unit_report_in_the_browser(world, browser):
    to_nomination(world)
    stored = world.entry("U1")["selfcheck"]
    async with app_as(world.db, "clerk1").run_test(size=SIZE) as pilot:
        await open_unit(pilot, "U1")
        dialog = await press_for_dialog(pilot, "f2")
        assert dialog.query_one("#path", Input).value == "2024-1-U1-本单位报告.xlsx"
        await pilot.click("#go")
        await settle(pilot)
    [(_, data, kw)] = browser
    assert kw["save_filename"] == "2024-1-U1-本单位报告.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(data))["本单位报告"]
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert values[1][0] == "单位：城关镇人民政府（U1）"
    scored = {row[1]: row[4] for row in values if row[1] in stored}
    assert scored == {item: float(points) for item, points in ITEMS.items()}
    assert [row[4] for row in values if row[2] == "合计"] == [float(sum(ITEMS.values()))]
    filed = [row[3] for row in values if row[3] in ("U1-A.txt", "U1-B.txt")]
    assert filed == ["U1-A.txt", "U1-B.txt"]
    assert not any("U2" in str(cell) for row in values for cell in row)  # nothing of another unit


async def test_in_a_terminal_the_blank_score_sheets_go_into_the_folder_typed(world, tmp_path, monkeypatch):
    to_inspection(world)
    monkeypatch.setattr(ModelUnitApp, "deliver_binary", lambda *a, **k: pytest.fail("delivered in a terminal"))
    async with app_as(world.db, "office").run_test(size=SIZE) as pilot:
        dialog = await press_for_dialog(pilot, "b")
        dialog.query_one("#path", Input).value = str(tmp_path / "sheets")
        await pilot.click("#go")
        await settle(pilot)
    assert sorted(p.name for p in (tmp_path / "sheets").iterdir()) == ["U1-评分表.xlsx", "U2-评分表.xlsx",
                                                                        "U4-评分表.xlsx"]
