"""The dashboard's progress view (who is missing what), the units table's self-check column and the
pipeline's out-of-the-running counts, driven with Textual's pilot."""

from __future__ import annotations

import openpyxl
from textual.widgets import DataTable, Input

from modelunit.demo import DEMO_ADMIN
from modelunit.domain import context, records
from modelunit.i18n import set_lang
from modelunit.tui.app import ModelUnitApp
from modelunit.tui.dialogs.export_dialog import ExportDialog
from modelunit.tui.screens.dashboard_screen import DashboardScreen
from modelunit.tui.screens.help_screen import HelpScreen
from modelunit.tui.screens.progress_screen import ProgressScreen
from tests.helpers import score, to_inspection
from tests.test_progress import selfcheck_world
from tests.test_tui import settle
from tests.test_tui_actions import footer, palette

SIZE = (120, 36)


def app_as(db, name: str) -> ModelUnitApp:
    return ModelUnitApp(db, context.Context(db, records.user_of(db.snapshot(), name)))


def cells(table: DataTable, key: str) -> list[str]:
    return [str(c) for c in table.get_row(key)]


def codes(table: DataTable) -> list[str]:
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def open_progress(pilot) -> ProgressScreen:
    await pilot.pause()
    await pilot.press("g")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ProgressScreen)
    return pilot.app.screen


async def test_g_opens_the_progress_view_and_m_narrows_it_to_what_is_missing(world):
    selfcheck_world(world)
    async with app_as(world.db, "office").run_test(size=SIZE) as pilot:
        screen = await open_progress(pilot)
        units = screen.query_one("#progress-units", DataTable)
        assert codes(units) == ["U1", "U2", "U3", "U4"]
        assert cells(units, "U1")[3] == "4/4 未提交" and cells(units, "U1")[-1] == "自查已填完未提交"
        assert cells(units, "U3")[3] == "0/4" and cells(units, "U3")[-1] == "自查 4 项未自评"
        assert cells(units, "U4")[3] == "4/4 已提交" and cells(units, "U4")[-1] == ""
        info = str(screen.query_one("#progress-info").render())
        assert "共 4 个单位，3 个尚有欠缺" in info and "按 m 只看欠缺" in info
        await pilot.press("m")
        await pilot.pause()
        assert codes(units) == ["U1", "U2", "U3"]
        assert "按 m 显示全部" in str(screen.query_one("#progress-info").render())
        await pilot.press("m")
        await pilot.pause()
        assert codes(units) == ["U1", "U2", "U3", "U4"]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, DashboardScreen)


async def test_the_progress_view_shows_each_inspectors_sheets(world):
    to_inspection(world, codes=("U1", "U2"), team=("i1", "i2"))
    score(world, "U1", "i1", {"A1": 5, "A2": 4, "B1": 5, "B2": 5})
    async with app_as(world.db, "office").run_test(size=SIZE) as pilot:
        screen = await open_progress(pilot)
        units = screen.query_one("#progress-units", DataTable)
        assert cells(units, "U1")[-2:] == ["0/2", "评分表已交 0/2"]
        team = screen.query_one("#progress-inspectors", DataTable)
        assert cells(team, "i1") == ["i1", "2", "1", "0", "U1、U2"]
        assert team.region.height > 0 and team.region.bottom <= SIZE[1]  # on the screen, above the footer


async def test_an_inspector_and_a_clerk_see_only_their_own(world):
    to_inspection(world, codes=("U1", "U2"), team=("i1",))
    async with app_as(world.db, "i1").run_test(size=SIZE) as pilot:
        screen = await open_progress(pilot)
        assert codes(screen.query_one("#progress-units", DataTable)) == ["U1", "U2"]
        assert codes(screen.query_one("#progress-inspectors", DataTable)) == ["i1"]
        assert "催办清单" not in footer(pilot)  # the reminder list is the office's (export)
    async with app_as(world.db, "clerk1").run_test(size=SIZE) as pilot:
        screen = await open_progress(pilot)
        assert codes(screen.query_one("#progress-units", DataTable)) == ["U1"]
        assert not screen.query_one("#progress-inspectors", DataTable).display


async def test_the_progress_key_is_in_help_and_the_palette(demo_db):
    async with app_as(demo_db, DEMO_ADMIN).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert footer(pilot)["进度"] is True and footer(pilot)["帮助"] is True  # still fits at 120 columns
        assert (await palette(pilot, "进度"))[0] == "查看进度与欠缺"
        assert (await palette(pilot, "missing"))[0] == "查看进度与欠缺"
        await pilot.press("f1")
        await pilot.pause()
        assert "进度　谁还缺什么" in str(pilot.app.screen.query_one("#keys").render())
        await pilot.press("escape")
        await open_progress(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        keys = str(pilot.app.screen.query_one("#keys").render())
        assert "只看欠缺" in keys and "催办清单" in keys and "返回" in keys and "下一阶段" not in keys
        assert "尚缺" in str(pilot.app.screen.query_one("#help-body").render())


async def test_x_on_the_progress_view_writes_the_reminder_list(world, tmp_path):
    selfcheck_world(world)
    target = tmp_path / "催办.xlsx"
    async with app_as(world.db, "office").run_test(size=SIZE) as pilot:
        await open_progress(pilot)
        await pilot.press("m")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ExportDialog)
        assert str(pilot.app.screen.query_one(".dialog-title").render()) == "导出催办清单"
        pilot.app.screen.query_one("#path", Input).value = str(target)
        await pilot.click("#go")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ProgressScreen)
    ws = openpyxl.load_workbook(target)["催办清单"]
    body = [r for r in ws.iter_rows(values_only=True) if isinstance(r[0], int)]
    assert [(r[1], r[7]) for r in body] == [("U1", "自查已填完未提交"), ("U2", "自查 2 项未自评"),
                                            ("U3", "自查 4 项未自评")]


async def test_the_units_table_shows_self_check_progress(world):
    selfcheck_world(world)
    async with app_as(world.db, "office").run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = pilot.app.screen.query_one("#units", DataTable)
        assert str(table.ordered_columns[table.get_column_index("selfcheck")].label) == "自查"
        assert [cells(table, c)[4] for c in ("U1", "U2", "U3", "U4")] == ["4/4 待提交", "2/4", "0/4", "已提交"]


async def test_the_pipeline_counts_never_applied_apart_from_out_after_applying(demo_db):
    async with app_as(demo_db, DEMO_ADMIN).run_test(size=SIZE) as pilot:
        await pilot.pause()
        pipeline = str(pilot.app.screen.query_one("#pipeline").render())
        assert "未申报 8　│　申报后出局 4：未入选 3　取消拟命名资格 1" in pipeline


async def test_the_progress_view_in_english(world):
    selfcheck_world(world)
    set_lang("en")
    async with app_as(world.db, "office").run_test(size=SIZE) as pilot:
        screen = await open_progress(pilot)
        units = screen.query_one("#progress-units", DataTable)
        assert cells(units, "U1")[-1] == "self-check complete, not submitted"
        assert footer(pilot)["Missing only"] is True
