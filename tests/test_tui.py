"""The dashboard driven as each role would, with Textual's pilot; assertions on the screen and the store."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from textual.widgets import Button, DataTable, Input, OptionList, Select, TextArea
from textual.widgets._footer import FooterKey
from textual.widgets._toast import Toast

from modelunit.demo import DEMO_PASSWORD
from modelunit.domain import context, users
from modelunit.storage.database import Database
from modelunit.tui.app import ModelUnitApp
from modelunit.tui.dialogs.advance_dialog import AdvanceDialog
from modelunit.tui.dialogs.confirm_dialog import ConfirmDialog
from modelunit.tui.screens.dashboard_screen import DashboardScreen
from modelunit.tui.screens.unit_screen import UnitScreen
from tests.conftest import PASSWORD, create_campaign
from tests.helpers import to_inspection

SIZE = (150, 45)


def app_for(db: Database, name: str, password: str = PASSWORD, **kw) -> ModelUnitApp:
    return ModelUnitApp(db, context.Context(db, users.sign_in(db, name, password)), **kw)


def text_of(widget) -> str:
    return str(widget.render())


async def open_unit(pilot, code: str) -> UnitScreen:
    table = pilot.app.screen.query_one("#units", DataTable)
    table.move_cursor(row=table.get_row_index(code))
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, UnitScreen)
    return pilot.app.screen


async def show_tab(pilot, stage: str) -> None:
    from textual.widgets import TabbedContent

    pilot.app.screen.query_one(TabbedContent).active = f"tab-{stage}"
    await pilot.pause()


async def settle(pilot, rounds: int = 100) -> None:
    """Wait for actions running in worker threads and the redraw they trigger: until two rounds in a
    row end with no worker running and no message waiting (a key's action may take several rounds of
    messages to start its worker; the worker's result is shown, and may start another read, later)."""
    app, quiet = pilot.app, 0
    for _ in range(rounds):
        await pilot.pause()
        if any(not w.is_finished for w in app.workers):
            await app.workers.wait_for_complete()
            quiet = 0
        elif any(not node._message_queue.empty()  # (Textual has no public way to ask for this)
                 for screen in app.screen_stack for node in (app, *screen.walk_children(with_self=True))):
            quiet = 0
        else:
            quiet += 1
            if quiet == 2:
                return
    raise AssertionError(f"the dashboard was still busy after {rounds} rounds")


async def click(pilot, selector: str) -> None:
    button = pilot.app.screen.query_one(selector, Button)
    button.scroll_visible(animate=False)
    await pilot.pause()
    button.press()
    await settle(pilot)


async def confirm(pilot) -> None:
    await pilot.pause()
    assert isinstance(pilot.app.screen, ConfirmDialog)
    await pilot.click("#yes")
    await settle(pilot)


# ----------------------------------------------------------------------------- sign-in and the dashboard


async def test_signing_in_shows_the_campaign_pipeline_and_units(demo_db):
    app = ModelUnitApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#name")
        await pilot.press(*"admin")
        await pilot.press("enter")
        await pilot.press(*DEMO_PASSWORD)
        await pilot.press("enter")
        for _ in range(50):
            await pilot.pause(0.05)
            if isinstance(app.screen, DashboardScreen):
                break
        assert isinstance(app.screen, DashboardScreen)
        await pilot.pause()
        pipeline = text_of(app.screen.query_one("#pipeline"))
        for stage in ("自查完善", "自荐申报", "考察认定", "公示", "命名授牌"):
            assert stage in pipeline
        assert "公示 (3)" in pipeline and "个工作日" in pipeline
        table = app.screen.query_one("#units", DataTable)
        assert table.row_count == 15
        assert "区卫生局" in [str(c) for c in table.get_row("D02")]


async def test_a_wrong_password_keeps_the_login_screen(demo_db):
    app = ModelUnitApp(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#name", Input).value = "admin"
        app.screen.query_one("#password", Input).value = "nope"
        await pilot.click("#login-button")
        for _ in range(50):
            await pilot.pause(0.05)
            if "错误" in text_of(app.screen.query_one("#login-status")):
                break
        assert "用户名或密码错误" in text_of(app.screen.query_one("#login-status"))
        assert not isinstance(app.screen, DashboardScreen)


async def test_search_and_filters_narrow_the_units_table(demo_db):
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = pilot.app.screen
        table = screen.query_one("#units", DataTable)
        screen.query_one("#search", Input).value = "街道"
        await pilot.pause()
        names = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert names and all("街道" in n for n in names)
        screen.query_one("#search", Input).value = ""
        screen.query_one("#status-filter", Select).value = "in_publicity"
        await pilot.pause()
        assert sorted(str(table.get_row_at(i)[0]) for i in range(table.row_count)) == ["D02", "D03", "S02"]
        assert "3 / 15" in text_of(screen.query_one("#count-line"))


async def test_footer_greys_out_what_an_inspector_may_not_do(demo_db):
    async with app_for(demo_db, "insp.zhang", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = pilot.app.screen
        shown = {k.description for k in screen.query(FooterKey)}
        assert "搜索" in shown and not {"下一阶段", "导出", "汇总", "审计"} & shown  # their role never may
        table = screen.query_one("#units", DataTable)
        codes = {str(table.get_row_at(i)[0]) for i in range(table.row_count)}
        entries = demo_db.snapshot().entries
        assigned = {k.split("|")[1] for k, e in entries.items() if k.startswith(screen.board.campaign.id)
                    and "insp.zhang" in e["inspectors"]}
        assert codes == assigned and len(codes) >= 3  # the units assigned to them, and only those


# ----------------------------------------------------------------------------- each stage's work


async def test_a_clerk_fills_in_and_submits_the_self_check(any_world):
    world = any_world  # the dashboard on either backend (a server's rows are read in a worker)
    create_campaign(world)
    async with app_for(world.db, "clerk1").run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = pilot.app.screen.query_one("#units", DataTable)
        assert table.row_count == 1  # only their own unit
        screen = await open_unit(pilot, "U1")
        await show_tab(pilot, "selfcheck")
        # the cursor starts in A1; each score is followed by its note (and B2 by its indicator)
        await pilot.press("5", "tab", "tab", "4", "tab", "tab", *"4.5", "tab", "tab", "5")
        await pilot.pause()
        assert "18.50 / 20" in text_of(screen.query_one("#self-total"))
        await click(pilot, "#self-submit")
        await confirm(pilot)
        entry = world.entry("U1")
        assert entry["status"] == "selfcheck_submitted"
        assert {k: v["score"] for k, v in entry["selfcheck"].items()} == {"A1": "5", "A2": "4", "B1": "4.5", "B2": "5"}
        assert pilot.app.screen.query_one("#self-A1", Input).disabled


async def test_a_bad_self_score_is_flagged_as_typed_and_refused_on_save(world):
    create_campaign(world)
    async with app_for(world.db, "clerk1").run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        screen = await open_unit(pilot, "U1")
        await show_tab(pilot, "selfcheck")
        field = screen.query_one("#self-A1", Input)
        await pilot.press("7")
        await pilot.pause()
        assert not field.is_valid
        before = world.raw()
        await click(pilot, "#self-save")
        assert world.raw() == before
        assert field.value == "7" and "超出 A1 的范围" in text_of(screen.query_one("#self-err-A1"))
        field.focus()
        await pilot.press("backspace", "6")
        await click(pilot, "#self-save")
        assert world.entry("U1")["selfcheck"] == {"A1": {"score": "6", "note": ""}}  # the save did save


async def test_an_inspector_scores_saves_and_submits_their_sheet(any_world):
    world = any_world  # the dashboard on either backend (a server's rows are read in a worker)
    to_inspection(world, codes=("U1",))
    async with app_for(world.db, "i1").run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_unit(pilot, "U1")
        await show_tab(pilot, "inspection")
        for item, value in {"A1": "6", "A2": "3.5", "B1": "5", "B2": "4", "X1": "1"}.items():
            screen.query_one(f"#score-{item}", Input).value = value
        screen.query_one("#hearing").text = "听取主要负责人汇报"
        await pilot.pause()
        assert "19.50" in text_of(screen.query_one("#sheet-total"))
        await click(pilot, "#sheet-submit")
        await confirm(pilot)
        sheet = world.db.snapshot().sheets.get("2024-1|U1|i1")
        assert sheet["submitted"] is True
        assert sheet["scores"] == {"A1": "6", "A2": "3.5", "B1": "5", "B2": "4", "X1": "1"}
        assert sheet["hearing"] == "听取主要负责人汇报"
        assert pilot.app.screen.query_one("#score-A1", Input).disabled


async def test_the_office_assigns_inspectors_with_recusal_shown(any_world):
    world = any_world  # the dashboard on either backend (a server's rows are read in a worker)
    from modelunit.domain import nomination
    from tests.helpers import to_nomination

    to_nomination(world, codes=("U3",))
    nomination.nominate(world.ctx(), ["U3"])
    async with app_for(world.db, "office").run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        screen = await open_unit(pilot, "U3")
        await show_tab(pilot, "inspection")
        select = screen.query_one("#assign-who", Select)
        select.focus()
        await pilot.press("enter")
        await pilot.pause()
        shown = [str(o.prompt) for o in select.query_one(OptionList).options]
        assert "i3（须回避）" in shown and "i1" in shown
        await pilot.press("escape")
        select.value = "i3"
        await click(pilot, "#assign")
        assert world.entry("U3")["inspectors"] == []  # refused: recusal, and the user is told why
        assert any("回避：i3 属于单位 U3" in str(toast.render()) for toast in pilot.app.screen.query(Toast))
        pilot.app.screen.query_one("#assign-who", Select).value = "i1"
        await click(pilot, "#assign")
        await pilot.pause()
        assert world.entry("U3")["inspectors"] == ["i1"]


async def test_the_office_records_and_resolves_an_objection(demo_db):
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_unit(pilot, "S02")
        await show_tab(pilot, "publicity")
        await click(pilot, "#obj-add")
        dialog = pilot.app.screen
        dialog.query_one("#f-text", TextArea).focus()
        await pilot.press(*"来信反映窗口服务态度差")
        dialog.query_one("#f-source", Input).focus()
        await pilot.press(*"来信")
        await pilot.click("#ok")
        await settle(pilot)
        objections = [o for o in demo_db.snapshot().objections.values() if o["unit"] == "S02"]
        assert [(o["text"], o["source"], o["status"]) for o in objections] == [
            ("来信反映窗口服务态度差", "来信", "open")]
        await click(pilot, "#obj-resolve")
        dialog = pilot.app.screen
        dialog.query_one("#f-note", TextArea).focus()
        await pilot.press(*"经核查不属实")
        await pilot.click("#ok")
        await settle(pilot)
        resolved = demo_db.snapshot().objections.get(objections[0]["id"])
        assert (resolved["status"], resolved["note"]) == ("dismissed", "经核查不属实")
        assert screen.detail.entry.status == "in_publicity"


async def test_advancing_a_stage_asks_first(any_world):
    world = any_world  # the dashboard on either backend (a server's rows are read in a worker)
    create_campaign(world)
    async with app_for(world.db, "office").run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AdvanceDialog)
        await pilot.click("#cancel")
        await pilot.pause()
        assert world.db.snapshot().campaigns.get("2024-1")["stage"] == "selfcheck"
        await pilot.press("n")
        await settle(pilot)
        await pilot.click("#ok")
        await settle(pilot)
        assert world.db.snapshot().campaigns.get("2024-1")["stage"] == "nomination"
        assert "自荐申报" in text_of(pilot.app.screen.query_one("#pipeline"))


async def test_export_runs_in_a_worker_and_writes_the_workbook(demo_db, tmp_path):
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        dialog = pilot.app.screen
        target = tmp_path / "导出.xlsx"
        dialog.query_one("#path", Input).value = str(target)
        await pilot.click("#go")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(pilot.app.screen, DashboardScreen)
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames[0] == "汇总" and wb["汇总"]["B2"].value


async def test_the_tally_view_draws_the_quota_and_pass_lines(demo_db):
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        table = pilot.app.screen.query_one("#tally", DataTable)
        keys = [row.key.value for row in table.ordered_rows]
        assert keys.index("quota-line") < keys.index("pass-line") < keys.index("D05")
        assert keys[-1] == "T01"  # incomplete: last, no rank
        assert "C1" in text_of(pilot.app.screen.query_one("#bars"))


async def switch_account(pilot, name: str) -> None:
    """The demo's switch of account (u), to ``name``, and the new account's dashboard."""
    await pilot.press("u")
    await pilot.pause()
    pilot.app.screen.query_one("#f-user", Select).value = name
    await pilot.click("#ok")
    for _ in range(40):
        await pilot.pause(0.05)
        if pilot.app.ctx.actor.name == name:
            break
    await pilot.pause()


async def test_the_demo_switches_to_another_account(demo_db):
    app = app_for(demo_db, "admin", DEMO_PASSWORD, demo_accounts=["admin", "clerk.d02"], demo_password=DEMO_PASSWORD)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await switch_account(pilot, "clerk.d02")
        table = pilot.app.screen.query_one("#units", DataTable)
        assert pilot.app.ctx.actor.role == "unit"
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == ["D02"]


async def test_a_board_read_that_finishes_after_the_screen_closed_is_dropped(demo_db):
    """The dashboard reads a server database in a worker, and again every two seconds; a read that ends after
    the user switched accounts, or quit, finds its screen gone and shows nothing (it made the app fail)."""
    app = app_for(demo_db, "admin", DEMO_PASSWORD, demo_accounts=["admin", "clerk.d02"], demo_password=DEMO_PASSWORD)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first = pilot.app.screen
        assert isinstance(first, DashboardScreen)
        late = first.read_board()  # what a worker read as the admin
        await switch_account(pilot, "clerk.d02")
        first.show_board(late)  # delivered to the admin's closed dashboard
        await pilot.pause()
        now = pilot.app.screen
        assert now is not first and isinstance(now, DashboardScreen)
        table = now.query_one("#units", DataTable)
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == ["D02"]  # the clerk's board stays
        last = now.read_board()
    now.show_board(last)  # after the app quit
    assert app.return_code in (0, None)


async def test_the_audit_viewer_verifies_the_chain(demo_db):
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert "审计日志完整" in text_of(pilot.app.screen.query_one("#audit-status"))
        assert pilot.app.screen.query_one("#audit", DataTable).row_count > 100


async def test_a_bulk_import_runs_in_a_worker_and_reports_bad_rows(world, tmp_path):
    from tests.conftest import create_campaign as make

    make(world)
    good = tmp_path / "units.csv"
    good.write_text("code,name,type\nU7,河口乡人民政府,乡镇\nU8,新华街道办事处,街道\n", encoding="gb18030")
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,type\nU9,,乡镇\nU9,区教育局,部门\n", encoding="utf-8")
    async with app_for(world.db, "office").run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        dialog = pilot.app.screen
        dialog.query_one("#kind", Select).value = "units"
        dialog.query_one("#path", Input).value = str(bad)
        before = world.raw()
        await click(pilot, "#go")
        problems = text_of(pilot.app.screen.query_one("#problem-lines"))
        assert f"{bad}:2:" in problems and world.raw() == before
        pilot.app.screen.query_one("#path", Input).value = str(good)
        await click(pilot, "#go")
        assert isinstance(pilot.app.screen, DashboardScreen)
        table = pilot.app.screen.query_one("#units", DataTable)
        assert "U7" in [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
    assert world.db.snapshot().units.get("U8")["type"] == "street"


async def test_ctrl_s_on_the_office_inspection_tab_saves_nothing_and_does_not_fail(demo_db):
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_unit(pilot, "D02")
        await show_tab(pilot, "inspection")
        before = Path(demo_db.path).read_bytes()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, UnitScreen)
        assert Path(demo_db.path).read_bytes() == before


async def test_the_office_picks_a_veto_by_its_whole_text_and_records_it(world):
    from tests.helpers import to_inspection

    to_inspection(world, codes=("U1",))
    async with app_for(world.db, "office").run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        screen = await open_unit(pilot, "U1")
        await show_tab(pilot, "inspection")
        select = screen.query_one("#veto-item", Select)
        assert select.region.width >= SIZE[0] - 10  # a line of its own: a veto's text is a sentence
        select.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert [str(o.prompt) for o in select.query_one(OptionList).options][-1] == "V1 重大违法"
        await pilot.press("down", "enter")
        screen.query_one("#veto-reason", Input).focus()
        await pilot.press(*"行政诉讼败诉")
        await click(pilot, "#veto")
        assert "V1" in str(pilot.app.screen.query_one("#question").render())  # asks first
        await pilot.click("#yes")
        await settle(pilot)
    assert [(v["item"], v["reason"]) for v in world.entry("U1")["vetoes"]] == [("V1", "行政诉讼败诉")]


async def test_a_unit_page_builds_each_tab_when_it_is_first_opened(demo_db):
    from modelunit.tui.panes.base import Pane
    from modelunit.tui.panes.nomination_pane import NominationPane
    from modelunit.tui.panes.publicity_pane import PublicityPane

    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_unit(pilot, "S02")
        # The page opens on the campaign's stage (publicity in the demo), with that tab's pane alone.
        assert [type(p) for p in screen.query(Pane)] == [PublicityPane]
        publicity = screen.query_one(PublicityPane)
        await pilot.click("#--content-tab-tab-nomination")
        await pilot.pause()
        assert {type(p) for p in screen.query(Pane)} == {PublicityPane, NominationPane}
        table = screen.query_one("#evidence", DataTable)
        stored = [m for m in screen.detail.entry.materials if m.criterion == "C1"]
        assert stored and str(table.get_row("C1")[3]) == f"{len(stored)} 份"
        assert all(m.title in str(table.get_row("C1")[4]) for m in stored)
        await pilot.click("#--content-tab-tab-publicity")
        await pilot.pause()
        assert screen.query_one(PublicityPane) is publicity  # opened once, kept with what was typed in it
