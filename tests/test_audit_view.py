"""The audit log in words (issue 12): every operation named, local time, the change readable, and the
dashboard's audit view narrowed by who, what and which operation as the office types."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from textual.widgets import DataTable, Input

from modelunit.catalogue import MESSAGES
from modelunit.domain import audit
from modelunit.i18n import set_lang, t
from modelunit.tui.screens.audit_screen import AuditScreen
from tests.test_tui_actions import SIZE, app_as


def test_every_operation_the_log_may_record_has_words_in_both_languages():
    for op in sorted(audit.OPERATIONS):
        zh, en = MESSAGES[f"action.{op}"]
        assert zh and en and "." not in zh, op


def test_an_operation_without_words_cannot_be_recorded(world):
    before = world.raw()
    with pytest.raises(ValueError, match="OPERATIONS"), world.db.transaction() as tx:
        audit.record(tx, "office", "unit.teleport", None, "U1", None, {"x": 1})
    assert world.raw() == before


def test_every_operation_in_the_demo_is_a_known_one(demo_db):
    stored = {e["action"] for e in demo_db.snapshot().audit.values()}
    assert stored and stored <= audit.OPERATIONS


def test_a_change_reads_as_words():
    entry = {"before": {"status": "nominated"}, "after": {"status": "inspected", "reason": "材料已齐"}}
    assert audit.readable_change(entry) == f"状态：{t('status.nominated')} → {t('status.inspected')}；理由：材料已齐"
    assert audit.readable_change({"before": {"stage": "selfcheck"}, "after": {"stage": "nomination"}}) == \
        f"阶段：{t('stage.selfcheck')} → {t('stage.nomination')}"
    set_lang("en")
    assert audit.readable_change(entry).startswith(f"status：{t('status.nominated')} → ")


def test_times_are_local_to_the_minute():
    at = "2026-12-05T01:30:59+00:00"
    assert audit.local_time(at) == datetime.fromisoformat(at).astimezone().strftime("%Y-%m-%d %H:%M")


async def test_the_audit_view_speaks_in_words_and_narrows_as_the_office_types(demo_db):
    async with app_as(demo_db).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, AuditScreen)
        table = screen.query_one("#audit", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", r[1]) for r in rows)
        assert not any(re.fullmatch(r"[a-z_]+\.[a-z_.]+", r[3]) for r in rows)  # no bare identifiers
        assert not any(r[5].startswith("{") for r in rows)  # a change in words, not JSON
        everyone = len(rows)

        screen.query_one("#filter-user", Input).focus()
        await pilot.press(*"nobody")
        await pilot.pause()
        assert table.row_count == 0 and "0 / " in str(screen.query_one("#audit-count").render())
        for _ in "nobody":
            await pilot.press("backspace")
        await pilot.press(*"adm")  # the demo's office did everything
        await pilot.pause()
        assert table.row_count == everyone

        screen.query_one("#filter-action", Input).focus()
        await pilot.press(*"提交评分表")
        await pilot.pause()
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert 0 < len(rows) < everyone and all(r[3] == "提交评分表" for r in rows)

        screen.query_one("#filter-target", Input).focus()
        await pilot.press(*"D0")
        await pilot.pause()
        narrowed = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert narrowed and all(r[4].startswith("D0") for r in narrowed)
        assert f"/ {everyone}" in str(screen.query_one("#audit-count").render())
