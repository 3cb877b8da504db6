"""What the dashboard's screens show at 120×36, read off the terminal as a user reads it:
the units table, the tally view, the stage advance's confirmation and the dialogs."""

from __future__ import annotations

from rich.cells import cell_len

from modelunit.demo import DEMO_PASSWORD
from modelunit.i18n import set_lang
from tests.test_tui import app_for, open_unit, show_tab

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
        assert "nomination withdrawn" in line_with(pilot.app, "D04")
        assert "department" in line_with(pilot.app, "D04")


# ----------------------------------------------------------------------------- the unit page


async def test_a_unit_clerk_is_told_the_scores_wait_for_the_award(demo_db):
    async with app_for(demo_db, "clerk.d02", DEMO_PASSWORD).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_unit(pilot, "D02")
        await show_tab(pilot, "inspection")
        assert line_with(pilot.app, "命名授牌前不能查看考察评分")
