"""The dashboard's forms as a user meets them: keys pressed, then what the screen shows and what was stored.

Self-check and score sheet share one form (``ScoreSheetForm``): a value is checked
as typed, a bad one is marked and left out of every total, a refused save keeps
what was typed, Tab never loses the keys typed after it.  User text on every
pane is shown as itself, never as markup.
"""

from __future__ import annotations

import json
from pathlib import Path

from textual import events
from textual.widgets import DataTable, Input, Static, TabbedContent, TextArea
from textual.widgets._toast import Toast

from modelunit.demo import DEMO_PASSWORD
from modelunit.domain import selfcheck, sheets, units
from modelunit.domain.calendar import today
from modelunit.tui.dialogs.confirm_dialog import ConfirmDialog
from modelunit.tui.screens.unit_screen import UnitScreen
from tests.conftest import create_campaign
from tests.helpers import to_inspection
from tests.test_tui import app_for, click, open_unit, settle, show_tab, text_of

SIZE = (120, 36)


def toasts(app) -> list[str]:
    return [str(toast.render()) for toast in app.screen.query(Toast)]


def value(screen, selector: str) -> str:
    return screen.query_one(selector, Input).value


async def type_fast(pilot, *keys: str) -> None:
    """Keys arriving faster than the screen handles them (as from a quick typist or a paste):
    all posted before any is processed."""
    for key in keys:
        char = {"tab": "\t", "shift+tab": None, "backspace": "\x7f"}.get(key, key)
        pilot.app.post_message(events.Key(key, char))
    await pilot.pause()
    await pilot.pause()


async def clerk_on_selfcheck(world, pilot) -> UnitScreen:
    await pilot.pause()
    screen = await open_unit(pilot, "U1")
    await show_tab(pilot, "selfcheck")
    return screen


# ----------------------------------------------------------------------------- typed values, checked as typed


async def test_opening_the_self_check_puts_the_cursor_in_the_first_score(world):
    create_campaign(world)
    async with app_for(world.db, "clerk1").run_test(size=SIZE, notifications=True) as pilot:
        screen = await clerk_on_selfcheck(world, pilot)
        assert pilot.app.focused is screen.query_one("#self-A1", Input)
        assert screen.query_one("#self-A1", Input).placeholder == "0–6 步0.5"
        assert screen.query_one("#self-B2", Input).placeholder == "0–5 步0.5"


async def test_an_out_of_range_value_stays_visible_marked_and_out_of_every_total(world):
    create_campaign(world)
    async with app_for(world.db, "clerk1").run_test(size=SIZE, notifications=True) as pilot:
        screen = await clerk_on_selfcheck(world, pilot)
        await pilot.press("7", "tab", "tab", "4")  # A1 is worth 6, A2 4
        await pilot.pause()
        a1 = screen.query_one("#self-A1", Input)
        assert a1.value == "7" and a1.has_class("-invalid")
        assert text_of(screen.query_one("#self-err-A1")) == "分数 7 超出 A1 的范围 [0, 6]"
        assert screen.query_one("#self-err-A1").display
        assert not screen.query_one("#self-err-A2").display
        total = text_of(screen.query_one("#self-total"))
        assert "自评合计 4.00 / 20" in total and "1 项无效未计入" in total
        assert text_of(screen.query_one("#self-sub-A")) == "小计 4.00 / 10"
        await pilot.press("shift+tab", "shift+tab", "backspace", "6")
        await pilot.pause()
        assert not a1.has_class("-invalid") and not screen.query_one("#self-err-A1").display
        assert "自评合计 10.00 / 20（已填 2/4 项）" == text_of(screen.query_one("#self-total"))


async def test_an_off_step_value_is_marked_and_not_counted(world):
    create_campaign(world)
    async with app_for(world.db, "clerk1").run_test(size=SIZE, notifications=True) as pilot:
        screen = await clerk_on_selfcheck(world, pilot)
        await pilot.press(*"1.3")
        await pilot.pause()
        assert text_of(screen.query_one("#self-err-A1")) == "分数 1.3 不是 0.5 的整数倍"
        assert text_of(screen.query_one("#self-total")).startswith("自评合计 0.00 / 20")


async def test_fast_typing_with_tab_loses_no_key(world):
    create_campaign(world)
    async with app_for(world.db, "clerk1").run_test(size=SIZE, notifications=True) as pilot:
        screen = await clerk_on_selfcheck(world, pilot)
        # A1, its note, A2, its note, B1, its note, B2, its indicator, its note
        await type_fast(pilot, "5", "tab", "o", "k", "tab", "3", ".", "5", "tab", "tab", "4", "tab", "tab",
                        "5", "tab", "9", "8", "tab", "x")
        assert [value(screen, f"#self-{i}") for i in ("A1", "A2", "B1", "B2")] == ["5", "3.5", "4", "5"]
        assert value(screen, "#self-note-A1") == "ok" and value(screen, "#self-ind-B2") == "98"
        assert value(screen, "#self-note-B2") == "x"
        assert "17.50 / 20" in text_of(screen.query_one("#self-total"))


# ----------------------------------------------------------------------------- saving


async def test_a_refused_save_keeps_every_value_and_marks_the_field(world):
    create_campaign(world)
    async with app_for(world.db, "clerk1").run_test(size=SIZE, notifications=True) as pilot:
        screen = await clerk_on_selfcheck(world, pilot)
        await pilot.press("5", "tab", *"已建立", "tab", "9", "tab", "tab", "4")
        before = world.raw()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert world.raw() == before
        assert [value(screen, f"#self-{i}") for i in ("A1", "A2", "B1")] == ["5", "9", "4"]
        assert value(screen, "#self-note-A1") == "已建立"
        assert text_of(screen.query_one("#self-err-A2")) == "分数 9 超出 A2 的范围 [0, 4]"
        assert pilot.app.focused is screen.query_one("#self-A2", Input)
        shown = "\n".join(toasts(pilot.app))
        assert "A2：分数 9 超出 A2 的范围 [0, 4]" in shown and "自查:" not in shown
        await pilot.press("backspace", "4", "ctrl+s")
        await settle(pilot)
        stored = world.entry("U1")["selfcheck"]
        assert stored == {"A1": {"score": "5", "note": "已建立"}, "A2": {"score": "4", "note": ""},
                          "B1": {"score": "4", "note": ""}}
        assert any("已保存" in line for line in toasts(pilot.app))


async def test_a_refusal_only_the_domain_sees_is_marked_at_its_field(world):
    create_campaign(world)
    async with app_for(world.db, "clerk1").run_test(size=SIZE, notifications=True) as pilot:
        screen = await clerk_on_selfcheck(world, pilot)
        await pilot.press("tab", *"只有说明")  # a note with no score
        await pilot.click("#self-save")
        await settle(pilot)
        assert world.entry("U1")["selfcheck"] == {}
        assert value(screen, "#self-note-A1") == "只有说明"
        assert "A1 尚无自评分" in text_of(screen.query_one("#self-err-A1"))
        assert pilot.app.screen.query_one("#self-A1", Input).has_class("-invalid")


async def test_indicator_and_notes_are_saved_with_the_scores(world):
    create_campaign(world)
    async with app_for(world.db, "clerk1").run_test(size=SIZE, notifications=True) as pilot:
        screen = await clerk_on_selfcheck(world, pilot)
        screen.query_one("#self-B2", Input).focus()
        await pilot.press("5", "tab", *"99.5", "tab", *"抽查")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert world.entry("U1")["selfcheck"] == {"B2": {"score": "5", "note": "抽查", "indicator": "99.5"}}
        assert value(pilot.app.screen, "#self-ind-B2") == "99.5"  # redrawn from what was stored


async def test_submitting_asks_in_a_dialog_that_wraps_the_whole_question(world):
    create_campaign(world)
    for item, points in (("A1", 6), ("A2", 4), ("B1", 5), ("B2", 5)):
        selfcheck.set_selfcheck(world.ctx(), "U1", {item: str(points)})
    units.import_units(world.ctx(), [(2, {"code": "U1", "name": "滨江街道办事处" * 6, "type": "street"})], "u.csv")
    async with app_for(world.db, "clerk1").run_test(size=SIZE, notifications=True) as pilot:
        await clerk_on_selfcheck(world, pilot)
        await click(pilot, "#self-submit")
        dialog = pilot.app.screen
        assert isinstance(dialog, ConfirmDialog)
        question = dialog.query_one("#question", Static)
        assert "滨江街道办事处" * 6 in text_of(question) and text_of(question).endswith("的自查吗？")
        assert question.size.height >= 3 and question.size.width <= question.parent.size.width


# ----------------------------------------------------------------------------- the inspector's sheet


async def test_the_sheet_has_one_total_with_the_bonus_capped_here_and_in_the_office_view(world):
    to_inspection(world, codes=("U1",))
    async with app_for(world.db, "i1").run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        screen = await open_unit(pilot, "U1")
        await show_tab(pilot, "inspection")
        assert pilot.app.focused is screen.query_one("#score-A1", Input)
        # A1 6, A2 9 (out of range), B1 5, X1 (bonus 2, capped at 1)
        await type_fast(pilot, "6", "tab", "tab", "9", "tab", "tab", "5", "tab", "tab", "tab", "tab", "2")
        total = text_of(screen.query_one("#sheet-total"))
        assert total.startswith("合计 12.00 / 20（已评 2/4 项，1 项无效未计入") and "加分封顶" in total
        screen.query_one("#score-A2", Input).focus()
        await pilot.press("backspace", "4", "ctrl+s")
        await settle(pilot)
        sheet = world.db.snapshot().sheets.get("2024-1|U1|i1")
        assert sheet["scores"] == {"A1": "6", "A2": "4", "B1": "5", "X1": "2"}
        assert text_of(pilot.app.screen.query_one("#sheet-total")).startswith("合计 16.00 / 20")
    async with app_for(world.db, "office").run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await open_unit(pilot, "U1")
        await show_tab(pilot, "inspection")
        row = [str(c) for c in pilot.app.screen.query_one("#sheets", DataTable).get_row("i1")]
        assert row[:3] == ["i1", "3/4", "16.00"]  # the same total: bonus 2 counts as 1


async def test_a_refused_sheet_save_keeps_scores_notes_and_hearing(world):
    to_inspection(world, codes=("U1",))
    async with app_for(world.db, "i1").run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        screen = await open_unit(pilot, "U1")
        await show_tab(pilot, "inspection")
        await pilot.press("6", "tab", *"规范", "tab", "4", "tab", "tab", *"4.2")
        screen.query_one("#hearing", TextArea).focus()
        await pilot.press(*"听取汇报")
        before = world.raw()
        await click(pilot, "#sheet-save")
        assert world.raw() == before
        assert [value(screen, f"#score-{i}") for i in ("A1", "A2", "B1")] == ["6", "4", "4.2"]
        assert value(screen, "#score-note-A1") == "规范"
        assert screen.query_one("#hearing", TextArea).text == "听取汇报"
        assert text_of(screen.query_one("#score-err-B1")) == "分数 4.2 不是 0.5 的整数倍"
        assert any("B1：分数 4.2" in line for line in toasts(pilot.app))
        screen.query_one("#score-B1", Input).focus()
        await pilot.press("end", "backspace", "backspace", "ctrl+s")
        await settle(pilot)
        sheet = world.db.snapshot().sheets.get("2024-1|U1|i1")
        assert (sheet["scores"], sheet["notes"], sheet["hearing"]) == ({"A1": "6", "A2": "4", "B1": "4"},
                                                                      {"A1": "规范"}, "听取汇报")


# ----------------------------------------------------------------------------- publicity and nomination tabs


async def test_the_publicity_period_names_its_end_date_once(demo_db):
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        screen = await open_unit(pilot, "S02")
        await show_tab(pilot, "publicity")
        end = screen.detail.campaign.publicity_end
        line = text_of(screen.query_one("PublicityPane Static.totals"))
        assert line.count(end) == 1 and "个工作日" in line and "至" in line


async def test_the_evidence_table_status_column_holds_a_status(demo_db):
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await open_unit(pilot, "D02")
        await show_tab(pilot, "nomination")
        table = pilot.app.screen.query_one("#evidence", DataTable)
        headers = [str(c.label) for c in table.columns.values()]
        assert headers == ["标准", "名称", "状态", "材料", "材料名称"]
        statuses = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}
        assert statuses == {"✔ 齐全"}
        titles = [str(table.get_row_at(i)[4]) for i in range(table.row_count)]
        assert all(titles)


async def test_an_objection_is_typed_on_several_lines_with_who_objected(demo_db):
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await open_unit(pilot, "S02")
        await show_tab(pilot, "publicity")
        await click(pilot, "#obj-add")
        dialog = pilot.app.screen
        assert dialog.query_one("#f-date", Input).value == today().isoformat()
        dialog.query_one("#f-text", TextArea).focus()
        await pilot.press(*"第一行", "enter", *"第二行")
        for field, typed in (("objector", "王某某"), ("organisation", "某某小区业委会"), ("contact", "13800000000"),
                             ("source", "来信")):
            dialog.query_one(f"#f-{field}", Input).focus()
            await pilot.press(*typed)
        await pilot.click("#ok")  # the whole form fits at 120x36: OK is on the screen
        await settle(pilot)
        stored = [o for o in demo_db.snapshot().objections.values() if o["unit"] == "S02" and o["source"] == "来信"]
        assert [(o["text"], o["objector"], o["organisation"], o["contact"]) for o in stored] == [
            ("第一行\n第二行", "王某某", "某某小区业委会", "13800000000")]
        table = pilot.app.screen.query_one("#objections", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert any("王某某　某某小区业委会　13800000000" in row for row in rows)  # the 异议人 column


# ----------------------------------------------------------------------------- user text is never markup

BREAKS = "[/oops]"
CLICKS = "[@click=app.quit]点我[/]"
HOSTILE = f"问题{BREAKS}{CLICKS}"


def plant(db_path: str, campaign: str, code: str) -> None:
    """Hostile text where each pane shows user text (as a clerk, an inspector or an import could type it)."""
    doc = json.loads(Path(db_path).read_text(encoding="utf-8"))
    entry = doc["entries"][f"{campaign}|{code}"]
    entry["gaps"] = [{"id": "1", "item": "C1.1", "problem": HOSTILE, "measure": HOSTILE, "due": None,
                      "status": "open"}]
    for m in entry["materials"]:
        m["title"] = HOSTILE
    entry["vetoes"] = [{"item": "V1", "reason": HOSTILE, "by": "admin", "at": "2026-11-01"}]
    for o in doc["objections"].values():
        if o["unit"] == code and o["campaign"] == campaign:
            o["text"], o["source"], o["note"] = HOSTILE, HOSTILE, HOSTILE
    doc["campaigns"][campaign]["criteria"]["criteria"][0]["title"] = HOSTILE
    doc["campaigns"][campaign]["criteria"]["criteria"][0]["items"][0]["text"] = HOSTILE
    doc["campaigns"][campaign]["criteria_sha256"] = "planted"  # parsed criteria are cached by digest
    doc["units"][code]["name"] = HOSTILE
    Path(db_path).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


async def test_hostile_texts_are_shown_as_typed_on_every_pane(demo_db):
    campaign = json.loads(Path(demo_db.path).read_text(encoding="utf-8"))["entries"]
    campaign = next(key.split("|")[0] for key in campaign if key.endswith("|D03") and not key.startswith("2025"))
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        plant(demo_db.path, campaign, "D03")  # D03 is in publicity, with an objection
        await pilot.pause(2.5)  # the units table redraws from the changed file (it polls every 2 s)
        screen = await open_unit(pilot, "D03")
        assert HOSTILE in text_of(screen.query_one("#unit-header"))
        seen: dict[str, str] = {}
        for stage in ("selfcheck", "nomination", "inspection", "publicity", "award"):
            await show_tab(pilot, stage)
            await settle(pilot)
            pane = screen.query_one(TabbedContent).active_pane
            shown = [text_of(w) for w in pane.query(Static)]
            for table in pane.query(DataTable):
                shown += [str(cell) for i in range(table.row_count) for cell in table.get_row_at(i)]
            seen[stage] = "\n".join(shown)
        assert seen["selfcheck"].count(HOSTILE) >= 4  # criterion title, item text, gap problem and measure
        assert HOSTILE in seen["nomination"]  # material titles, criterion title
        assert HOSTILE in seen["inspection"]  # the veto's reason
        assert seen["publicity"].count(HOSTILE) >= 3  # objection text, source, note
        assert pilot.app.is_running
        await click(pilot, "#obj-add")  # and typed in now, through the objection form
        pilot.app.screen.query_one("#f-text", TextArea).focus()
        await pilot.press(*CLICKS)
        await pilot.click("#ok")
        await settle(pilot)
        texts = [o["text"] for o in demo_db.snapshot().objections.values() if o["unit"] == "D03"]
        assert CLICKS in texts
        table = pilot.app.screen.query_one("#objections", DataTable)
        assert CLICKS in [str(table.get_row_at(i)[4]) for i in range(table.row_count)]  # the text column
        assert pilot.app.is_running and isinstance(pilot.app.screen, UnitScreen)


async def test_a_hostile_unit_name_is_plain_in_the_confirm_dialog(world):
    create_campaign(world)
    for item, points in (("A1", 6), ("A2", 4), ("B1", 5), ("B2", 5)):
        selfcheck.set_selfcheck(world.ctx(), "U1", {item: str(points)})
    async with app_for(world.db, "clerk1").run_test(size=SIZE, notifications=True) as pilot:
        units.import_units(world.ctx(), [(2, {"code": "U1", "name": HOSTILE, "type": "street"})], "u.csv")
        await clerk_on_selfcheck(world, pilot)
        await click(pilot, "#self-submit")
        assert HOSTILE in text_of(pilot.app.screen.query_one("#question"))
        await pilot.click("#yes")
        await settle(pilot)
        assert world.entry("U1")["status"] == "selfcheck_submitted" and pilot.app.is_running


async def test_hostile_item_notes_are_kept_as_typed(world):
    to_inspection(world, codes=("U1",))
    sheets.set_scores(world.ctx("i1"), "U1", "i1", {"A1": "6"}, notes={"A1": HOSTILE})
    async with app_for(world.db, "i1").run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        screen = await open_unit(pilot, "U1")
        await show_tab(pilot, "inspection")
        assert value(screen, "#score-note-A1") == HOSTILE
        screen.query_one("#score-A2", Input).focus()
        await pilot.press("4", "ctrl+s")
        await settle(pilot)
        assert world.db.snapshot().sheets.get("2024-1|U1|i1")["notes"] == {"A1": HOSTILE}


async def test_an_import_reports_hostile_cells_as_they_are(world, tmp_path):
    create_campaign(world)
    bad = tmp_path / "units.csv"
    bad.write_text(f"code,name,type\nU9,河口乡,{BREAKS}\nU8,{CLICKS},街道\nU8,新华,乡镇\n", encoding="utf-8")
    async with app_for(world.db, "office").run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        dialog = pilot.app.screen
        dialog.query_one("#kind").value = "units"
        dialog.query_one("#path", Input).focus()
        await pilot.press(*str(bad))
        before = world.raw()
        await click(pilot, "#go")
        problems = text_of(pilot.app.screen.query_one("#problem-lines"))
        assert f"{bad}:2:" in problems and BREAKS in problems and world.raw() == before
        assert pilot.app.is_running
