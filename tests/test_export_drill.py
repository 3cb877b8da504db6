"""A drill's exports say 演练 on every page and in every title; a real database's never do (issue 9)."""

from __future__ import annotations

import openpyxl

from modelunit.domain import context, users
from modelunit.export.score_sheets import export_score_sheets
from modelunit.export.workbook import SHEETS, export_workbook
from modelunit.storage.database import Database
from tests.conftest import PASSWORD, SMALL_CRITERIA, World, create_campaign
from tests.helpers import to_inspection

TITLED = {"公示名单", "授牌名单", "命名决定"}  # sheets that open with a printed title


def all_text(wb) -> list[str]:
    out = [wb.properties.title or ""]
    for ws in wb:
        out += [part.text or "" for hf in (ws.oddHeader, ws.oddFooter) for part in (hf.left, hf.center, hf.right)]
        out += [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    return out


def test_every_page_and_title_of_a_drill_says_so(world, tmp_path):
    to_inspection(world, codes=("U1",))  # the test database is a drill: its clock may be set
    wb = openpyxl.load_workbook(export_workbook(world.ctx(), str(tmp_path / "d.xlsx")))
    assert wb.properties.title.startswith("【演练】")
    for ws in wb:
        assert "演练" in ws.oddHeader.center.text and "演练" in ws.oddFooter.center.text, ws.title
        if ws.title in TITLED:
            assert ws["A1"].value.startswith("【演练】"), ws.title
    out = tmp_path / "sheets"
    out.mkdir()
    for path in export_score_sheets(world.ctx(), str(out)):
        for ws in openpyxl.load_workbook(path):
            assert ws["A1"].value.startswith("【演练】") and "演练" in ws.oddHeader.center.text


def test_a_real_database_exports_without_the_drill_mark(tmp_path):
    db = Database(str(tmp_path / "real.json"))
    users.init_database(db, "office", PASSWORD)
    real = World(dir=tmp_path, db=db, criteria=tmp_path / "criteria.yaml")
    real.criteria.write_text(SMALL_CRITERIA, encoding="utf-8")
    create_campaign(real)
    wb = openpyxl.load_workbook(export_workbook(context.Context(db, real.ctx().actor), str(tmp_path / "r.xlsx")))
    assert len(wb.sheetnames) == len(SHEETS)
    assert not any("演练" in text for text in all_text(wb))
