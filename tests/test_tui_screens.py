"""What the dashboard's screens show at 120×36, read off the terminal as a user reads it:
the units table, the tally view, the stage advance's confirmation and the dialogs."""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import DataTable, TextArea

from modelunit.demo import DEMO_PASSWORD
from modelunit.domain import nomination, sheets, vetoes
from modelunit.i18n import set_lang
from modelunit.tui.dialogs.advance_dialog import AdvanceDialog
from modelunit.tui.widgets.wrapped_text import NO_END, NO_START, wrap_cjk
from tests.conftest import create_campaign
from tests.helpers import FULL, score, to_inspection, to_nomination
from tests.test_tui import app_for, open_unit, settle, show_tab

SIZE = (120, 36)


def screen_lines(app) -> list[str]:
    """The terminal as the user sees it, one string per line (the top screen, dialogs included)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def line_with(app, text: str) -> str:
    found = [line for line in screen_lines(app) if text in line]
    assert found, f"{text!r} is not on the screen:\n" + "\n".join(screen_lines(app))
    return found[0]


# ----------------------------------------------------------------------------- the units table


async def test_every_status_word_fits_its_column_at_120_columns(demo_db):
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "取消拟命名资格" in line_with(pilot.app, "D04")
        assert "公示中" in line_with(pilot.app, "D02")
        assert all(cell_len(line) <= 120 for line in screen_lines(pilot.app))


async def test_under_lang_en_the_longest_status_fits_too(demo_db):
    set_lang("en")
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "withdrawn" in line_with(pilot.app, "D04")
        assert "department" in line_with(pilot.app, "D04")


# ----------------------------------------------------------------------------- the unit page


async def test_a_unit_clerk_is_told_the_scores_wait_for_the_award(demo_db):
    async with app_for(demo_db, "clerk.d02", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_unit(pilot, "D02")
        await show_tab(pilot, "inspection")
        assert line_with(pilot.app, "命名授牌前不能查看考察评分")


# ----------------------------------------------------------------------------- the tally view


def tally_lines(app) -> list[str]:
    """The lines of the ranking, its header first."""
    region = app.screen.query_one("#tally", DataTable).region
    return screen_lines(app)[region.y:region.bottom]


async def open_tally(pilot):
    await pilot.pause()
    await pilot.press("t")
    await pilot.pause()
    return pilot.app.screen


async def test_the_tally_shows_each_units_total_and_conclusion_without_scrolling(demo_db):
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await open_tally(pilot)
        header = line_with(pilot.app, "单位代码")
        assert header.split()[:5] == ["排名", "单位代码", "单位名称", "总分", "结论"]
        assert line_with(pilot.app, "D06").split()[:5] == ["1", "D06", "区人力资源和社会保障局", "98.00", "否决"]
        assert line_with(pilot.app, "D02").split()[3:5] == ["97.83", "拟命名"]
        assert "89.25 未完成（2/3 份评分表已提交）" in line_with(pilot.app, "T01")
        assert "C1" in header
        # Scrolled right to the last column, the code, name, total and conclusion stay put.
        for _ in range(60):
            await pilot.press("right")
        await pilot.pause()
        header = line_with(pilot.app, "单位代码")
        assert "自评−考察" in header and " C1 " not in header
        assert line_with(pilot.app, "D06").split()[:5] == ["1", "D06", "区人力资源和社会保障局", "98.00", "否决"]


async def test_the_pass_and_quota_lines_are_rules_across_the_table(demo_db):
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await open_tally(pilot)
        lines = tally_lines(pilot.app)
        at = {key: next(i for i, line in enumerate(lines) if key in line)
              for key in ("D04", "名额线", "及格线 90", "D05")}
        assert at["D04"] < at["名额线"] < at["及格线 90"] < at["D05"]
        quota = lines[at["名额线"]].rstrip()
        assert quota.startswith("──────") and quota.endswith("────") and cell_len(quota) >= 110
        assert "名额线：名额 5，已占 4" in quota  # the vetoed D06 holds no place
        # The cursor steps over the lines: down from D04 lands on D05.
        table = pilot.app.screen.query_one("#tally", DataTable)
        table.move_cursor(row=table.get_row_index("D04"))
        await pilot.press("down")
        await pilot.pause()
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == "D05"
        await pilot.press("up")
        await pilot.pause()
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == "D04"


async def test_the_quota_line_follows_the_places_not_the_positions(world):
    to_inspection(world, codes=("U1", "U2", "U4"), quota=1)
    score(world, "U1", "i1", FULL)
    score(world, "U1", "i2", FULL)
    for name in ("i1", "i2"):
        score(world, "U2", name, {"A1": 5, "A2": 4, "B1": 5, "B2": 4})
        score(world, "U4", name, {"A1": 4, "A2": 3, "B1": 4, "B2": 4})
    sheets.submit_scores(world.ctx(), everyone=True)
    vetoes.veto(world.ctx(), "U1", "V1", "重大违法")
    async with app_for(world.db, "office").run_test(size=SIZE) as pilot:
        await open_tally(pilot)
        order = [key for line in tally_lines(pilot.app) for key in ("U1", "U2", "U4", "名额线", "及格线")
                 if key in line]
        assert order == ["U1", "U2", "名额线", "U4"]  # U1, first but vetoed, takes no place
        assert "名额外" in line_with(pilot.app, "U4") and "否决" in line_with(pilot.app, "U1")


async def test_no_toast_from_the_dashboard_covers_the_chart(demo_db):
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        pilot.app.notify("一条在总览上显示的消息")
        await open_tally(pilot)
        await pilot.pause()
        assert not any("一条在总览上显示的消息" in line for line in screen_lines(pilot.app))
        assert "法制机构发挥职能作用保障" in line_with(pilot.app, "C9 ")


async def test_under_lang_en_the_tally_fits_at_120_columns(demo_db):
    set_lang("en")
    async with app_for(demo_db, "admin", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await open_tally(pilot)
        assert line_with(pilot.app, "Code").split()[:5] == ["Rank", "Code", "Name", "Total", "Conclusion"]
        assert "89.25 incomplete (2/3 score sheets submitted)" in line_with(pilot.app, "T01")
        assert "quota line: 5 places, 4 taken" in line_with(pilot.app, "quota line")
        assert "98.00 vetoed" in line_with(pilot.app, "D06")


# ----------------------------------------------------------------------------- the stage advance


async def test_the_advance_shows_whom_it_moves_and_why_before_it_is_confirmed(world, monkeypatch):
    monkeypatch.setenv("MODELUNIT_TODAY", "2024-03-01")
    to_nomination(world, codes=("U1", "U2"), nomination_due="2024-12-31")
    nomination.nominate(world.ctx(), ["U1"])
    async with app_for(world.db, "office").run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AdvanceDialog)
        assert line_with(pilot.app, "进入下一阶段“考察认定”？此操作不可撤销。")
        assert line_with(pilot.app, "将有 3 个单位改变状态：")
        assert line_with(pilot.app, "U2 东风街道办事处 → 未申报：未申报")
        assert line_with(pilot.app, "U3 区卫生局 → 未申报：未提交自查")
        assert line_with(pilot.app, "U4 区教育局 → 未申报：未提交自查")
        assert not any("U1 城关镇人民政府 →" in line for line in screen_lines(pilot.app))  # nominated: it stays
        assert line_with(pilot.app, "须说明理由才能推进：“自荐申报”阶段截止日期 2024-12-31 未到")
        await pilot.click("#cancel")
        await pilot.pause()
        assert world.db.snapshot().campaigns.get("2024-1")["stage"] == "nomination"

        await pilot.press("n")
        await settle(pilot)
        await pilot.click("#ok")  # no reason typed: the dialog stays and asks for it
        await pilot.pause()
        assert isinstance(pilot.app.screen, AdvanceDialog)
        assert pilot.app.focused is pilot.app.screen.query_one("#reason", TextArea)
        await pilot.press(*"材料已齐")
        await pilot.click("#ok")
        await settle(pilot)
        stored = world.db.snapshot()
        assert stored.campaigns.get("2024-1")["stage"] == "inspection"
        assert {e["unit"]: e["status"] for e in stored.entries.values()} == {
            "U1": "nominated", "U2": "not_nominated", "U3": "not_nominated", "U4": "not_nominated"}
        assert stored.campaigns.get("2024-1")["stage_log"][-1]["reason"] == "材料已齐"
        assert "考察认定" in line_with(pilot.app, "③")



async def test_the_self_check_opens_with_its_total_in_view_and_the_cursor_in_the_first_box(world):
    create_campaign(world)
    async with app_for(world.db, "clerk1").run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = await open_unit(pilot, "U1")
        await show_tab(pilot, "selfcheck")
        assert line_with(pilot.app, "自评合计 0.00 / 20（已填 0/4 项）")
        assert pilot.app.focused is screen.query_one("#self-A1")
        await pilot.press("5")
        await pilot.pause()
        assert line_with(pilot.app, "自评合计 5.00 / 20（已填 1/4 项）")


def test_chinese_text_never_starts_a_line_with_a_closing_mark():
    text = "建立重大行政决策规则并编制决策事项目录，把公众参与、专家论证作为必经环节；依法举行听证（5 分）"
    for width in range(8, 60):
        lines = wrap_cjk(text, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost
        assert all(cell_len(line) <= width + 2 for line in lines)
        assert not any(line[:1] in NO_START for line in lines[1:]), (width, lines)
        assert not any(line[-1:] in NO_END for line in lines), (width, lines)


async def test_the_nine_measures_items_wrap_without_a_comma_at_a_line_start(demo_db):
    async with app_for(demo_db, "clerk.d02", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_unit(pilot, "D02")
        await show_tab(pilot, "selfcheck")
        texts = [line.strip() for line in screen_lines(pilot.app)[5:-1]]
        assert any("［措施］" in line for line in texts)
        assert not [line for line in texts if line and line[0] in "，。、；：）"]


async def test_a_recheck_advance_shows_the_units_its_seed_will_draw(world, monkeypatch):
    from fractions import Fraction

    from modelunit.domain import recheck
    from tests.test_recheck import new_recheck
    from tests.test_titles import awarded

    awarded(world, monkeypatch, codes=("U1", "U2", "U4"))
    cid = new_recheck(world, monkeypatch, sample="50", seed=31337)
    drawn = recheck.draw(["U1", "U2", "U4"], Fraction(50), 31337)
    names = {c: world.db.snapshot().units.get(c)["name"] for c in drawn}
    async with app_for(world.db, "office").run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AdvanceDialog)
        for code in drawn:
            assert line_with(pilot.app, f"{code} {names[code]} → 抽中检查：随机种子 31337 抽中")
        await pilot.click("#ok")
        await settle(pilot)
    assert world.db.snapshot().campaigns.get(cid)["sample"] == drawn
