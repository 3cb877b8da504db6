"""Every import reads its columns by their English names or by the Chinese words an office types
(one table, ``csvio.HEADERS``), and a header problem names the columns in both."""

from __future__ import annotations

from fractions import Fraction

import pytest

from modelunit import csvio
from modelunit.domain import nomination, sheets, users
from modelunit.errors import LineErrors
from modelunit.i18n import set_lang
from modelunit.imports import IMPORTS, USER_COLUMNS, read_users, run_import
from tests.conftest import create_campaign
from tests.helpers import to_inspection, to_nomination


def _csv(world, name: str, text: str, encoding: str = "utf-8-sig") -> str:
    path = world.dir / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_the_table_covers_every_import_and_no_word_means_two_columns_of_one_import():
    for kind, spec in IMPORTS.items():
        assert set(csvio.HEADERS[kind]) == set(spec.required + spec.optional), kind
    assert set(csvio.HEADERS["users"]) == set(USER_COLUMNS[0] + USER_COLUMNS[1])
    for kind, table in csvio.HEADERS.items():
        words = [w for names in table.values() for w in names]
        assert len(words) == len(set(words)), kind


def test_units_with_chinese_headers(world):
    path = _csv(world, "units.csv", "单位代码,单位名称,类型,联系人,电话\nU7,新华镇人民政府,乡镇,王芳,0571-1234\n",
                "gb18030")
    run_import(world.ctx(), "units", path)
    stored = world.db.snapshot().units.get("U7")
    assert (stored["name"], stored["type"], stored["contact"], stored["phone"]) == (
        "新华镇人民政府", "township", "王芳", "0571-1234")


def test_selfcheck_with_chinese_headers(world):
    create_campaign(world)
    path = _csv(world, "self.csv", "单位代码,考核要点,自评分,说明,指标实际值\nU1,A1,5.5,已建立目录,\n"
                                   "U1,B2,4,,98.5\n")
    run_import(world.ctx(), "selfcheck", path)
    filled = world.entry("U1")["selfcheck"]
    assert filled["A1"]["score"] == "5.5" and filled["A1"]["note"] == "已建立目录"
    assert filled["B2"]["score"] == "4" and filled["B2"]["indicator"] == "98.5"


def test_materials_with_chinese_headers(world):
    to_nomination(world)
    (world.dir / "决策目录.pdf").write_bytes(b"%PDF directory")
    path = _csv(world, "materials.csv", "单位代码,标准,路径,标题\nU1,A,决策目录.pdf,重大行政决策目录\n")
    before = len(world.entry("U1")["materials"])
    run_import(world.ctx(), "materials", path)
    added = world.entry("U1")["materials"][before:]
    assert [(m["criterion"], m["title"], m["name"]) for m in added] == [("A", "重大行政决策目录", "决策目录.pdf")]


def test_teams_with_chinese_headers(world):
    to_nomination(world)
    nomination.nominate(world.ctx(), ["U1"])
    path = _csv(world, "teams.csv", "单位代码,考察组成员\nU1,i1\nU1,i2\n")
    run_import(world.ctx(), "teams", path)
    assert world.entry("U1")["inspectors"] == ["i1", "i2"]


def test_scores_with_chinese_headers(world):
    to_inspection(world)
    path = _csv(world, "scores.csv", "单位代码,评分人,考核要点,分数,说明\nU1,i1,A1,5,程序完备\nU1,i1,B1,4.5,\n")
    run_import(world.ctx("i1"), "scores", path)
    mine = {(r["item"], r["score"]) for r in sheets.list_scores(world.ctx("i1"), "U1")}
    assert {("A1", 5), ("B1", Fraction(9, 2))} <= mine


def test_satisfaction_with_chinese_headers(world):
    to_inspection(world)
    path = _csv(world, "sat.csv", "单位代码,满意度\nU1,92.5\n")
    run_import(world.ctx(), "satisfaction", path)
    assert world.entry("U1")["satisfaction"] == "92.5"


def test_users_with_chinese_headers(world):
    path = _csv(world, "people.csv", "用户名,姓名,角色,所属单位,联系方式\nzhao,赵敏,unit,U3,13800000000\n")
    issued = users.import_users(world.ctx(), read_users(path), path)
    assert [(u.name, u.real_name, u.role, u.unit, u.contact) for u, _ in issued] == [
        ("zhao", "赵敏", "unit", "U3", "13800000000")]


def test_english_headers_still_read(world):
    create_campaign(world)
    path = _csv(world, "self.csv", "Unit,ITEM,score\nU1,A1,5\n")
    run_import(world.ctx(), "selfcheck", path)
    assert world.entry("U1")["selfcheck"]["A1"]["score"] == "5"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_missing_column_is_named_in_english_and_chinese(world, lang):
    create_campaign(world)
    path = _csv(world, "self.csv", "单位代码,考核要点,说明\nU1,A1,x\n")
    raw = world.raw()
    set_lang(lang)
    with pytest.raises(LineErrors) as caught:
        run_import(world.ctx(), "selfcheck", path)
    expected = "unit/单位代码, item/考核要点, score/自评分, note/说明, indicator/指标实际值"
    line = {"zh": f"{path}:1: 缺少列：score/自评分（应有：{expected}）",
            "en": f"{path}:1: missing columns: score/自评分 (expected: {expected})"}[lang]
    assert caught.value.lines() == [line]
    assert world.raw() == raw


def test_an_unknown_column_is_quoted_as_typed_beside_both_names(world):
    to_inspection(world)
    path = _csv(world, "sat.csv", "单位代码,满意度,满意率\nU1,90,x\n")
    with pytest.raises(LineErrors) as caught:
        run_import(world.ctx(), "satisfaction", path)
    assert caught.value.lines() == [f"{path}:1: 未知列：满意率（应有：unit/单位代码, score/满意度）"]
