"""The dashboard's titles view (动态管理) and campaign picker, pressed through as the office and a clerk."""

from __future__ import annotations

from datetime import date

from textual.widgets import DataTable, Input, Select, Static, TextArea

from modelunit.demo import DEMO_PASSWORD
from modelunit.domain import records, titles
from modelunit.domain.calendar import today
from modelunit.tui.dialogs.confirm_dialog import ConfirmDialog
from modelunit.tui.screens.titles_screen import TitlesScreen
from tests.test_tui import app_for, settle, text_of

SIZE = (120, 36)


def cells(screen) -> dict[str, list[str]]:
    table = screen.query_one("#titles", DataTable)
    return {str(row.value): [str(c) for c in table.get_row(row.value)] for row in table.rows}


async def open_titles(pilot) -> None:
    await pilot.pause()
    await pilot.press("l")
    await pilot.pause()


async def choose(pilot, code: str) -> None:
    table = pilot.app.screen.query_one("#titles", DataTable)
    table.move_cursor(row=table.get_row_index(code))
    await pilot.pause()


async def ask_to_revoke(pilot) -> None:
    """Press v and fill in the reason (typed, with markup-like text) and the decision number."""
    await pilot.press("v")
    await pilot.pause()
    dialog = pilot.app.screen
    dialog.query_one("#f-reason", TextArea).focus()
    await pilot.press(*"[b]整改[/b]逾期未完成")  # user text: never markup
    dialog.query_one("#f-decision_ref", Input).value = "区政府〔2026〕30号"  # 〔〕 has no key to press
    await pilot.click("#ok")
    await pilot.pause()


async def test_the_office_sees_every_title_with_days_left_and_the_ban(demo_db):
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await open_titles(pilot)
        assert isinstance(pilot.app.screen, TitlesScreen)
        rows = cells(pilot.app.screen)
        held = {r.unit: r for r in titles.list_titles(pilot.app.ctx)}
        left = (date.fromisoformat(held["S01"].rectify_due) - today()).days
        assert rows["S01"][6] == "限期整改" and f"剩 {left} 天" in rows["S01"][7]
        assert rows["D01"][6] == "已撤销" and held["D01"].ban_until in rows["D01"][7]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, TitlesScreen)


async def test_confirming_a_rectification_makes_the_title_valid_again(demo_db):
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await open_titles(pilot)
        await choose(pilot, "D01")
        assert pilot.app.screen.check_action("rectified", ()) is None  # a revoked title: not now
        await choose(pilot, "S01")
        await pilot.press("f")
        await pilot.pause()
        pilot.app.screen.query_one("#f-note", TextArea).focus()
        await pilot.press(*"执法案卷已重新评查合格")
        await pilot.click("#ok")
        await settle(pilot)
        title = titles.current_title(demo_db.snapshot(), "S01")
        assert title is not None and title.status(today()) == titles.VALID
        assert cells(pilot.app.screen)["S01"][6] == "有效"
        last = max(demo_db.snapshot().audit.values(), key=lambda e: e["seq"])
        assert (last["action"], last["target"], last["user"]) == ("title.rectified", "S01", "admin")


async def test_revoking_asks_with_the_end_of_the_ban_and_records_the_decision(demo_db):
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await open_titles(pilot)
        await choose(pilot, "S01")
        await ask_to_revoke(pilot)
        confirm = pilot.app.screen
        assert isinstance(confirm, ConfirmDialog)
        c = records.campaign_of(demo_db.snapshot(), titles.current_title(demo_db.snapshot(), "S01").campaign)
        ban = titles.ban_until(today(), records.criteria_of(c).naming).isoformat()
        question = text_of(confirm.query_one("#question", Static))
        certificate = titles.current_title(demo_db.snapshot(), "S01").certificate
        assert ban in question and certificate in question
        before = demo_db.snapshot().titles.get("S01") or {}
        await pilot.press("escape")  # not yet: nothing changes
        await settle(pilot)
        assert (demo_db.snapshot().titles.get("S01") or {}) == before
        await ask_to_revoke(pilot)
        await pilot.click("#yes")
        await settle(pilot)
        held = {r.unit: r for r in titles.list_titles(pilot.app.ctx)}
        assert held["S01"].status == titles.REVOKED and held["S01"].ban_until == ban
        stored = [t for t in demo_db.snapshot().titles.values() if t["unit"] == "S01"][0]
        assert stored["revoke_reason"] == "[b]整改[/b]逾期未完成" and stored["decision_ref"] == "区政府〔2026〕30号"
        assert f"禁止申报至 {ban}" in cells(pilot.app.screen)["S01"][7]


async def test_a_clerk_sees_only_their_own_units_titles_and_cannot_revoke(demo_db):
    async with app_for(demo_db, "clerk.d02", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await open_titles(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, TitlesScreen)
        assert cells(screen) == {}  # D02 holds no title; others' titles are not shown
        assert "还没有命名的称号" in text_of(screen.query_one("#titles-status", Static))
        assert screen.check_action("revoke", ()) is False and screen.check_action("rectified", ()) is False


async def test_the_campaign_picker_opens_the_recheck_with_its_sample_and_seed(demo_db):
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        recheck_id = next(c["id"] for c in demo_db.snapshot().campaigns.values() if c.get("kind") == "recheck")
        pilot.app.screen.query_one("#f-campaign", Select).value = recheck_id
        await pilot.click("#ok")
        await settle(pilot)
        c = records.campaign_of(demo_db.snapshot(), recheck_id)
        line = text_of(pilot.app.screen.query_one("#campaign-line", Static))
        assert c.title in line and f"抽查：S01（随机种子 {c.seed}，比例 50%）" in line
        pipeline = text_of(pilot.app.screen.query_one("#pipeline"))
        assert "复查结论" in pipeline and "公示" not in pipeline  # the re-check's own stages
        assert pilot.app.ctx.campaign_id == recheck_id


async def test_units_that_may_not_nominate_are_marked_and_told_why(demo_db):
    """This year's batch: D01 (title revoked, banned) and S01 (title held) read 不可申报; the
    nomination tab names the title and the date, and offers no nomination."""
    from textual.widgets import Button

    from tests.test_tui import open_unit, show_tab

    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = pilot.app.screen.query_one("#units", DataTable)
        status = {str(row.value): str(table.get_row(row.value)[3]) for row in table.rows}
        assert status["D01"] == "不可申报" and status["S01"] == "不可申报"
        assert status["D07"] == "未申报"  # never titled: simply did not apply
        screen = await open_unit(pilot, "D01")
        await show_tab(pilot, "nomination")
        why = text_of(screen.query_one("#nomination-blocked", Static))
        held = {r.unit: r for r in titles.list_titles(pilot.app.ctx)}["D01"]
        assert held.certificate in why and held.ban_until in why
        assert screen.query_one("#nominate", Button).disabled
