"""Snapshot tests of the dashboard at a fixed size and a fixed date (one with long Chinese unit names).

Regenerate after an intended change of a screen with ``pytest tests/test_snapshots.py --snapshot-update``
and review the SVG files in ``tests/__snapshots__`` before committing them.
"""

from __future__ import annotations

import pytest

from modelunit.demo import DEMO_ADMIN
from modelunit.domain import context, records, units
from modelunit.storage.database import Database
from modelunit.tui.app import ModelUnitApp
from tests.conftest import copy_demo, rows

TODAY = "2026-11-20"
SIZE = (130, 36)


@pytest.fixture
def fixed_demo(demo_templates, tmp_path, monkeypatch) -> Database:
    monkeypatch.setenv("MODELUNIT_TODAY", TODAY)
    return copy_demo(demo_templates(TODAY), tmp_path)


def admin_app(db: Database) -> ModelUnitApp:
    return ModelUnitApp(db, context.Context(db, records.user_of(db.snapshot(), DEMO_ADMIN)))


def test_dashboard(snap_compare, fixed_demo):
    assert snap_compare(admin_app(fixed_demo), terminal_size=SIZE)


def test_dashboard_with_long_chinese_unit_names(snap_compare, fixed_demo):
    ctx = context.Context(fixed_demo, records.user_of(fixed_demo.snapshot(), DEMO_ADMIN))
    units.import_units(ctx, rows(
        {"code": "D02", "name": "区卫生和计划生育委员会（区中医药管理局、区爱国卫生运动委员会办公室）",
         "type": "department"},
        {"code": "S02", "name": "某某经济技术开发区管理委员会某某路街道办事处（社区服务中心）",
         "type": "street"}), "u.csv")
    assert snap_compare(admin_app(fixed_demo), terminal_size=SIZE)


def test_tally_screen(snap_compare, fixed_demo):
    # At 120 columns, the width the tally view is laid out for (code to conclusion pinned).
    assert snap_compare(admin_app(fixed_demo), press=["t"], terminal_size=(120, 36))


def test_progress_view(snap_compare, fixed_demo):
    assert snap_compare(admin_app(fixed_demo), press=["g"], terminal_size=SIZE)


def test_unit_page_for_an_inspector(snap_compare, fixed_demo):
    db = fixed_demo
    app = ModelUnitApp(db, context.Context(db, records.user_of(db.snapshot(), "insp.zhang")))

    async def open_first(pilot):
        from textual.widgets import TabbedContent

        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        pilot.app.screen.query_one(TabbedContent).active = "tab-inspection"
        await pilot.pause()

    assert snap_compare(app, run_before=open_first, terminal_size=SIZE)
