"""CSV a command prints is headed and worded in the interface's language (Chinese by default,
English with --lang en), keeps its BOM and neutralises formulas; JSON keeps its identifiers."""

from __future__ import annotations

import csv
import io
import json

import pytest

from modelunit.domain import units
from tests.conftest import rows
from tests.helpers import FULL, score, to_inspection

# command → (Chinese header, English header), as a spreadsheet shows them.
HEADERS = {
    ("unit", "list"): (["单位代码", "单位名称", "类型", "状态", "证书编号", "联系人", "联系电话"],
                       ["Code", "Name", "Type", "Status", "Certificate", "Contact", "Phone"]),
    ("score", "list"): (["单位", "考察人员", "考核要点", "分数", "已提交"],
                        ["Unit", "Inspector", "Item", "Score", "Submitted"]),
    ("title", "list"): (["单位代码", "单位名称", "证书编号", "批次", "授牌日期", "有效期至", "状态"],
                        ["Code", "Name", "Certificate", "Campaign", "Awarded", "Valid until", "Status"]),
    ("material", "list"): (["单位", "标准", "申报材料", "名称", "文件名", "sha256", "大小", "添加时间", "添加人",
                            "补充材料"],
                           ["Unit", "Criterion", "Documents", "Title", "File", "sha256", "Size", "Added",
                            "Added by", "Supplement"]),
}


@pytest.fixture
def scored(world):
    units.import_units(world.ctx(), rows({"code": "U4", "name": "=1+1", "type": "department"}), "u.csv")
    to_inspection(world, codes=("U1", "U4"))
    score(world, "U1", "i1", FULL)
    return world


def _table(result) -> list[list[str]]:
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("\ufeff")
    return list(csv.reader(io.StringIO(result.stdout.lstrip("\ufeff"))))


@pytest.mark.parametrize("command", list(HEADERS), ids=" ".join)
def test_csv_headers_in_chinese_and_in_english(scored, command):
    zh, en = HEADERS[command]
    assert _table(scored.cli(*command, "--format", "csv"))[0] == zh
    assert _table(scored.cli("--lang", "en", *command, "--format", "csv"))[0] == en


def test_yes_no_and_words_follow_the_language_and_json_keeps_identifiers(scored):
    zh = _table(scored.cli("score", "list", "--format", "csv"))
    assert {r[4] for r in zh[1:]} == {"否"}
    en = _table(scored.cli("--lang", "en", "score", "list", "--format", "csv"))
    assert {r[4] for r in en[1:]} == {"no"}
    units_zh = {r[0]: r for r in _table(scored.cli("unit", "list", "--format", "csv"))}
    assert units_zh["U4"][1:4] == ["'=1+1", "区直部门", "已申报"]  # a formula stays neutralised
    units_en = {r[0]: r for r in _table(scored.cli("--lang", "en", "unit", "list", "--format", "csv"))}
    assert units_en["U4"][1:4] == ["'=1+1", "department", "nominated"]
    records = json.loads(scored.cli("--lang", "en", "score", "list", "--format", "json").stdout)
    assert set(records[0]) == {"unit", "inspector", "item", "score", "submitted"}
    assert records[0]["submitted"] is False


def test_progress_csv_in_both_languages(scored):
    zh = _table(scored.cli("progress", "--format", "csv"))
    assert zh[0][:6] == ["单位代码", "单位名称", "类型", "联系人", "联系电话", "状态"] and zh[0][-1] == "尚缺"
    row = dict(zip(zh[0], next(r for r in zh if r[0] == "U1")))
    assert (row["自查已提交"], row["类型"], row["状态"], row["自查逾期"]) == ("是", "乡镇", "已申报", "否")
    en = _table(scored.cli("--lang", "en", "progress", "--format", "csv"))
    assert en[0][:6] == ["Code", "Name", "Type", "Contact", "Phone", "Status"] and en[0][-1] == "Still missing"
    row = dict(zip(en[0], next(r for r in en if r[0] == "U1")))
    assert (row["Self-check submitted"], row["Type"], row["Status"]) == ("yes", "township", "nominated")
    assert row["Still missing"] == "0/2 score sheets submitted"
