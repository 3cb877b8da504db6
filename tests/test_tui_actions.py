"""The dashboard's keys as each role meets them: the footer, the command palette, F1 help, the audit
view's check line, the pipeline's words, and user text that must never act as markup."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.widgets import DataTable, Input, Select, Static
from textual.widgets._footer import FooterKey  # Textual exports no name for the footer's keys
from textual.widgets._toast import Toast

from modelunit.demo import DEMO_ADMIN
from modelunit.domain import context, records, units, users
from modelunit.i18n import set_lang, t
from modelunit.storage.database import Database
from modelunit.tui.actions import ACTIONS
from modelunit.tui.app import ModelUnitApp
from modelunit.tui.screens.audit_screen import AuditScreen
from modelunit.tui.screens.dashboard_screen import DashboardScreen
from modelunit.tui.screens.help_screen import HelpScreen
from modelunit.tui.screens.tally_screen import TallyScreen
from modelunit.tui.screens.unit_screen import UnitScreen
from tests.conftest import copy_demo, create_campaign, rows

SIZE = (120, 36)
ACCOUNTS = [DEMO_ADMIN, "insp.zhang", "clerk.d02"]
HOSTILE = {"D02": "[/bold]x", "S02": "[@click=app.quit]点我[/]", "D03": "[b]粗[/b] [red]红"}


@pytest.fixture(scope="module")
def demo_file(demo_templates, tmp_path_factory) -> Path:
    return Path(copy_demo(demo_templates(), tmp_path_factory.mktemp("demo")).path)


@pytest.fixture
def demo_db(demo_file, tmp_path) -> Database:
    shutil.copy(demo_file, tmp_path / "demo.json")
    return Database(str(tmp_path / "demo.json"))


def app_as(db: Database, name: str = DEMO_ADMIN, demo: bool = True) -> ModelUnitApp:
    """Signed in from the stored user (no password hashing per test), as the demo does."""
    ctx = context.Context(db, records.user_of(db.snapshot(), name))
    return ModelUnitApp(db, ctx, demo_accounts=ACCOUNTS if demo else None)


def footer(pilot) -> dict[str, bool]:
    """What the footer shows: each key's label → whether it is active (not greyed)."""
    return {k.description: not k.has_class("-disabled") for k in pilot.app.screen.query(FooterKey)}


async def palette(pilot, query: str) -> list[str]:
    """Open the command palette, type ``query`` key by key, and read the titles it lists."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*query)
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()  # the palette searches in a worker
    await pilot.pause()
    found = pilot.app.screen.query_one(CommandList)
    titles = [str(found.get_option_at_index(i).prompt).split("\n")[0] for i in range(found.option_count)
              if found.get_option_at_index(i).id != "--no-matches"]
    await pilot.press("escape")
    await pilot.pause()
    return titles


def text_of(widget) -> str:
    return str(widget.render())


# ----------------------------------------------------------------------------- the palette


async def test_the_palette_finds_the_admins_actions_by_chinese_and_english_names(demo_db):
    async with app_as(demo_db).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert {"导入 CSV 文件", "导出 Excel 工作簿"} <= set(await palette(pilot, "导"))
        assert (await palette(pilot, "汇总"))[0] == "查看评分汇总"
        assert (await palette(pilot, "export"))[0] == "导出 Excel 工作簿"
        assert (await palette(pilot, "tally"))[0] == "查看评分汇总"
        assert (await palette(pilot, "switch"))[0] == "切换演示账号"
        # An input method's full-width letters and a space between two characters still match.
        assert (await palette(pilot, "ｅｘｐｏｒｔ"))[0] == "导出 Excel 工作簿"
        assert "导出 Excel 工作簿" in await palette(pilot, "导 出")
        assert await palette(pilot, "zzzz") == []


async def test_choosing_an_entry_in_the_palette_runs_it_on_the_screen_below(demo_db):
    async with app_as(demo_db).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert pilot.app.screen.query_one("CommandInput", Input).placeholder.startswith("按名称查找操作")
        await pilot.press(*"汇总")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, TallyScreen)
        await pilot.press("ctrl+p")
        await pilot.press(*"help")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        assert "返回" in text_of(pilot.app.screen.query_one("#keys"))  # the tally's help, not the dashboard's


async def test_with_nothing_typed_the_palette_lists_every_active_footer_action(demo_db):
    async with app_as(demo_db).run_test(size=SIZE) as pilot:
        await pilot.pause()
        listed = set(await palette(pilot, ""))
        active = {label for label, on in footer(pilot).items() if on} - {"命令面板"}
        by_label = {a.label(): a.title() for a in ACTIONS}
        assert {by_label[label] for label in active} <= listed
        # Greyed in the footer (publicity already started, nobody approved yet): not offered.
        assert footer(pilot)["开始公示"] is False and "开始公示" not in listed and "命名授牌" not in listed
        assert "更换配色" in listed and "Theme" not in listed  # Textual's own commands in Chinese too


async def test_under_lang_en_the_footer_and_palette_speak_english_and_still_know_chinese(demo_db):
    set_lang("en")
    async with app_as(demo_db).run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = footer(pilot)
        assert shown["Export"] is True and shown["Palette"] is True and "导出" not in shown
        assert (await palette(pilot, "export"))[0] == "Export the workbook"
        assert (await palette(pilot, "汇总"))[0] == "Show the tally"


async def test_a_clerk_is_offered_only_what_a_clerk_may_do(demo_db):
    async with app_as(demo_db, "clerk.d02").run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = footer(pilot)
        assert not {"导入", "导出", "审计", "下一阶段", "开始公示", "授牌"} & set(shown)
        assert shown["汇总"] is False  # their own row, once the award stage opens
        assert shown["切换账号"] is True and shown["搜索"] is True
        assert await palette(pilot, "导") == []
        assert await palette(pilot, "审计") == []
        assert await palette(pilot, "汇总") == []
        await pilot.press("i", "x", "a", "t")
        await pilot.pause()
        assert isinstance(pilot.app.screen, DashboardScreen)


async def test_an_inspector_sees_import_greyed_outside_the_inspection_stage(demo_db):
    async with app_as(demo_db, "insp.zhang").run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = footer(pilot)
        assert shown["导入"] is False and "导出" not in shown and "汇总" not in shown
        assert await palette(pilot, "导") == []


# ----------------------------------------------------------------------------- help per screen


async def test_help_lists_the_keys_of_the_screen_it_was_opened_on(demo_db):
    async with app_as(demo_db).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        keys = text_of(pilot.app.screen.query_one("#keys"))
        assert "下一阶段" in keys and "导入" in keys and "命令面板" in keys
        assert f"开始公示　{t('tip.publicity')}（当前不可用）" in keys
        assert "Command palette" not in keys and "返回" not in keys
        await pilot.press("escape")
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(pilot.app.screen, AuditScreen)
        await pilot.press("f1")
        await pilot.pause()
        keys = text_of(pilot.app.screen.query_one("#keys"))
        assert "返回" in keys and "命令面板" in keys
        for other in ("下一阶段", "导入", "授牌", "切换账号", "保存"):
            assert other not in keys
        assert "哈希链" in text_of(pilot.app.screen.query_one("#help-body"))


async def test_help_in_english_has_no_chinese(demo_db):
    set_lang("en")
    async with app_as(demo_db).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(pilot.app.screen, TallyScreen)
        await pilot.press("f1")
        await pilot.pause()
        keys = text_of(pilot.app.screen.query_one("#keys"))
        assert "Back" in keys and "Palette" in keys and "Next" not in keys
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in keys)


async def test_a_clerks_help_leaves_out_what_their_role_never_may(demo_db):
    async with app_as(demo_db, "clerk.d02").run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        keys = text_of(pilot.app.screen.query_one("#keys"))
        assert "汇总　排名、及格线和名额线（当前不可用）" in keys
        assert "导入" not in keys and "审计" not in keys and "下一阶段" not in keys


async def test_save_on_the_unit_page_follows_the_tab(demo_db):
    async with app_as(demo_db, "clerk.d02").run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, UnitScreen)
        # The publicity tab is open (the campaign's stage): nothing to type in, Save greyed.
        assert footer(pilot)["保存"] is False
        assert footer(pilot)["返回"] is True
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, DashboardScreen)


# ----------------------------------------------------------------------------- audit view, pipeline, switch


async def test_the_audit_view_shows_its_check_line_when_it_opens(demo_db):
    async with app_as(demo_db).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        screen = pilot.app.screen
        status = screen.query_one("#audit-status", Static)
        header = screen.query_one("Header")
        table = screen.query_one("#audit", DataTable)
        assert "审计日志完整" in text_of(status)
        # Below the header, above the table, and on the screen: not scrolled away under the header.
        assert status.region.y >= header.region.bottom and status.region.height == 1
        assert table.region.y >= status.region.bottom
        assert screen.scroll_offset.y == 0
        assert pilot.app.get_widget_at(2, status.region.y)[0] is status  # what is drawn there
        operations = {str(table.get_row_at(i)[3]) for i in range(table.row_count)}
        assert {"处理异议", "开始公示", "提交评分表"} <= operations


async def test_the_pipeline_counts_units_out_of_the_running_apart(demo_db):
    async with app_as(demo_db).run_test(size=SIZE) as pilot:
        await pilot.pause()
        pipeline = text_of(pilot.app.screen.query_one("#pipeline"))
        for status, count in (("not_nominated", 8), ("not_selected", 3), ("withdrawn", 1)):
            assert f"{t(f'status.{status}')} {count}" in pipeline
        assert "已出局" not in pipeline
        # At 120 columns the counts take a second line rather than being cut off at the edge.
        widget = pilot.app.screen.query_one("#pipeline")
        assert widget.region.height == 2 and widget.region.right <= SIZE[0]


async def test_the_switch_dialog_shows_each_accounts_role_and_unit(demo_db):
    async with app_as(demo_db).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        select = pilot.app.screen.query_one("#f-user", Select)
        await pilot.click("#f-user")
        await pilot.pause()
        from textual.widgets._select import SelectOverlay

        overlay = select.query_one(SelectOverlay)
        options = [str(overlay.get_option_at_index(i).prompt) for i in range(overlay.option_count)]
        assert options == ["admin（法制办管理员）", "insp.zhang（考察组成员）", "clerk.d02（单位填报员，区卫生局）"]


# ----------------------------------------------------------------------------- user text is never markup


def rename(db: Database, names: dict[str, str], admin: str = DEMO_ADMIN) -> None:
    ctx = context.Context(db, records.user_of(db.snapshot(), admin))
    kinds = {code: db.snapshot().units.get(code)["type"] for code in names}
    units.import_units(ctx, rows(*({"code": c, "name": n, "type": kinds[c]} for c, n in names.items())), "u.csv")


async def test_hostile_unit_names_show_literally_on_the_dashboard(demo_db):
    rename(demo_db, HOSTILE)
    async with app_as(demo_db).run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = pilot.app.screen.query_one("#units", DataTable)
        for code, name in HOSTILE.items():
            cell = table.get_row(code)[1]
            assert isinstance(cell, Text) and cell.plain == name and not cell.spans
        pilot.app.screen.query_one("#search", Input).value = "[@click"
        await pilot.pause()
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == ["S02"]
        await pilot.click("#units", offset=(15, 1))  # on the planted "action": nothing may run
        await pilot.pause()
        assert pilot.app.is_running and pilot.app.return_code is None


async def test_hostile_names_show_literally_in_the_tally_and_the_audit(demo_db):
    rename(demo_db, HOSTILE)
    admin = context.Context(demo_db, records.user_of(demo_db.snapshot(), DEMO_ADMIN))
    users.add_user(admin, "[@click=app.quit]u", "inspector", None, "a-long-passw0rd")
    async with app_as(demo_db).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        tally = pilot.app.screen.query_one("#tally", DataTable)
        assert tally.get_row("D02")[2].plain.strip() == HOSTILE["D02"]  # cells carry their own padding
        assert tally.get_row("S02")[2].plain.strip() == HOSTILE["S02"]
        await pilot.press("escape", "a")
        await pilot.pause()
        audit_table = pilot.app.screen.query_one("#audit", DataTable)
        newest = audit_table.get_row_at(0)
        assert newest[4].plain == "[@click=app.quit]u" and newest[3].plain == "管理用户"
        assert all(isinstance(c, Text) and not c.spans for c in newest)


async def test_a_hostile_campaign_title_and_unit_page_header(world):
    create_campaign(world, title="[/bold]创建[@click=app.quit]", issuer="[red]法制办[/")
    rename(world.db, {"U1": "[/]城关镇"}, admin="office")
    ctx = context.Context(world.db, records.user_of(world.db.snapshot(), "office"))
    async with ModelUnitApp(world.db, ctx).run_test(size=SIZE) as pilot:
        await pilot.pause()
        line = pilot.app.screen.query_one("#campaign-line").render()
        assert "[/bold]创建[@click=app.quit]" in str(line) and "[red]法制办[/" in str(line)
        table = pilot.app.screen.query_one("#units", DataTable)
        table.move_cursor(row=table.get_row_index("U1"))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, UnitScreen)
        assert "[/]城关镇" in text_of(pilot.app.screen.query_one("#unit-header"))


async def test_notifications_carry_user_text_as_plain_text(demo_db):
    async with app_as(demo_db).run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        pilot.app.screen.notify("[@click=app.quit]点我[/] [/bold]")  # what a pane does with a refusal
        await pilot.pause()
        toasts = [str(t.render()) for t in pilot.app.screen.query(Toast)]
        assert any("[@click=app.quit]点我[/] [/bold]" in text for text in toasts)


def test_the_tui_compares_stages_and_statuses_through_the_domains_enums():
    """No ``== "approved"`` in the TUI: a renamed or added status must not be missed by a screen."""
    import re

    from modelunit.domain.models import Stage, Status

    names = "|".join(sorted({s.value for s in Stage} | {s.value for s in Status}))
    bare = re.compile(rf"""(==|!=|\bin\s*[(\[{{])\s*["']({names})["']""")
    root = Path(__file__).resolve().parent.parent / "modelunit" / "tui"
    files = sorted(root.rglob("*.py"))
    assert len(files) >= 20 and any(p.parent.name == "panes" for p in files)
    found = [f"{path.relative_to(root)}:{n}: {line.strip()}" for path in files
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if bare.search(line)]
    assert found == []


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_every_footer_fits_120_columns_in_both_languages(demo_db, lang):
    """Each screen's footer at 120x36: every key it offers is drawn whole, left of the palette key."""
    from tests.test_tui import open_unit

    set_lang(lang)

    async def check(pilot, where: str) -> None:
        await pilot.pause()
        keys = [k for k in pilot.app.screen.query(FooterKey) if k.display]
        assert keys, where
        for key in keys:
            region = key.region
            assert region.width > 0 and region.right <= SIZE[0], (where, key.description, region)
        labels = [k.description for k in keys if k.description != t("key.palette")]
        palette = [k for k in keys if k.description == t("key.palette")]
        if palette:  # the palette key is drawn on the right; no other key may run under it
            assert max(k.region.right for k in keys if k.description in labels) <= palette[0].region.x, where

    for name in (DEMO_ADMIN, "insp.zhang", "clerk.d02"):
        async with app_as(demo_db, name).run_test(size=SIZE) as pilot:
            await check(pilot, f"{name} dashboard")
            await open_unit(pilot, str(pilot.app.screen.query_one("#units", DataTable).get_row_at(0)[0]))
            await check(pilot, f"{name} unit page")
            if name == DEMO_ADMIN:
                for key in ("t", "l", "g", "a"):
                    await pilot.press("escape")
                    await pilot.pause()
                    await pilot.press(key)
                    await check(pilot, f"{name} key {key}")
