"""Criteria files (DESIGN §5): what the office sees when a file is good or bad.

Every bad file must be refused with ``LineErrors`` whose lines read
``FILE:LINE: field.path: reason`` (exit code 2), in Chinese by default and in
English after ``set_lang("en")``; the command line must print the same lines on
stderr, never a traceback.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest

from modelunit.domain.criteria import (
    MAX_CRITERIA,
    CriteriaSet,
    criteria_from_dict,
    criteria_to_dict,
    parse_criteria,
    read_criteria_file,
)
from modelunit.errors import BadInput, LineErrors
from modelunit.i18n import get_lang, set_lang

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILE = ROOT / "criteria" / "nine-measures.yaml"

# A small valid file.  Line numbers matter: tests locate lines by their text.
VALID = """\
id: test-set
title: 测试标准
version: "1.0"
total: 10
scoring:
  step: 0.5
  aggregate: mean
  pass_line: 6
  satisfaction_weight: 0
criteria:
  - id: c1
    title: 第一项
    items:
      - id: c1-1
        dimension: measures
        text: 措施一
        points: 3
      - id: c1-2
        dimension: effects
        text: 效果一
        points: 2
  - id: c2
    title: 第二项
    items:
      - id: c2-1
        dimension: measures
        text: 措施二
        points: 5
vetoes:
  - id: v1
    text: 否决项
bonuses:
  - id: b1
    text: 加分项
    points: 1
"""


# --------------------------------------------------------------------------- helpers


@contextlib.contextmanager
def english():
    """English inside the block; Chinese again after it, even when the block fails."""
    set_lang("en")
    try:
        yield
    finally:
        set_lang("zh")


@pytest.fixture
def en():
    with english():
        yield


def line_of(text: str, needle: str) -> int:
    """1-based number of the only line containing ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) == 1, f"{needle!r} found on lines {hits}"
    return hits[0]


def mutate(old: str, new: str, text: str = VALID) -> str:
    assert text.count(old) == 1, f"{old!r} is not unique in the template"
    return text.replace(old, new)


def write(tmp_path: Path, text: str | bytes, name: str = "c.yaml") -> str:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_bytes(text.encode("utf-8"))
    return str(p)


def refused(path: str) -> LineErrors:
    with pytest.raises(LineErrors) as info:
        read_criteria_file(path)
    err = info.value
    assert err.exit_code == 2
    assert err.problems, "LineErrors without any problem"
    for label, line, problem in err.problems:
        assert label == path
        assert isinstance(line, int) and line >= 1
        assert isinstance(problem, BadInput)
    return err


def assert_line_format(lines: list[str], path: str) -> None:
    pat = re.compile(r"^" + re.escape(path) + r":\d+: \S")
    for line in lines:
        assert pat.match(line), line
        assert "\n" not in line


# --------------------------------------------------------------------------- the default file


def test_default_file_is_valid():
    cs, text, sha = read_criteria_file(str(DEFAULT_FILE))
    raw = DEFAULT_FILE.read_bytes()
    assert sha == hashlib.sha256(raw).hexdigest()
    assert text == raw.decode("utf-8-sig")
    assert cs.id == "nine-measures"
    assert isinstance(cs.version, str) and cs.version
    assert len(cs.criteria) == 9
    assert cs.item_points == Fraction(100)
    assert sum((c.points for c in cs.criteria), Fraction(0)) == 100
    if cs.total is not None:
        assert cs.total == cs.item_points
    for c in cs.criteria:
        assert c.title.strip()
        assert c.items
        dims = {it.dimension for it in c.items}
        assert dims == {"measures", "effects"}, (c.id, dims)
        assert c.dimension_points("measures") > 0 and c.dimension_points("effects") > 0
        assert c.dimension_points("measures") + c.dimension_points("effects") == c.points
        for it in c.items:
            assert it.points > 0
            assert (it.points / cs.scoring.step).denominator == 1
            assert cs.item(it.id) is it
            assert cs.criterion_of(it.id) is c
    ids = [c.id for c in cs.criteria] + [it.id for it in cs.items] + [v.id for v in cs.vetoes] + [
        b.id for b in cs.bonuses]
    assert len(ids) == len(set(ids))
    sc = cs.scoring
    assert sc.aggregate in ("mean", "median", "trimmed_mean")
    assert 0 <= sc.satisfaction_weight <= Fraction(1, 2)
    assert 0 <= sc.pass_line <= cs.item_points


def test_default_file_round_trips_through_dict_and_json():
    cs, _text, _sha = read_criteria_file(str(DEFAULT_FILE))
    d = criteria_to_dict(cs)
    d2 = json.loads(json.dumps(d, ensure_ascii=False))  # what a campaign stores
    back = criteria_from_dict(d2)
    assert isinstance(back, CriteriaSet)
    assert back == cs
    # the fields the tally reads, compared one by one so a failure says which
    assert back.scoring == cs.scoring
    assert [c.id for c in back.criteria] == [c.id for c in cs.criteria]
    assert [c.title for c in back.criteria] == [c.title for c in cs.criteria]
    for a, b in zip(back.items, cs.items):
        assert (a.id, a.dimension, a.text, a.points, a.evidence, a.indicator) == (
            b.id, b.dimension, b.text, b.points, b.evidence, b.indicator)
        assert type(a.points) is Fraction
    assert back.vetoes == cs.vetoes and back.bonuses == cs.bonuses
    assert (back.total, back.publicity_days, back.evidence_required) == (
        cs.total, cs.publicity_days, cs.evidence_required)
    # the index is rebuilt, so look-ups work on the stored copy
    first = cs.items[0]
    assert back.item(first.id) == first
    assert back.criterion_of(first.id).id == cs.criterion_of(first.id).id
    assert criteria_to_dict(back) == d


def test_template_is_valid_and_round_trips():
    cs = parse_criteria(VALID, "t.yaml")
    assert [c.id for c in cs.criteria] == ["c1", "c2"]
    assert cs.item_points == 10 and cs.total == 10
    assert cs.scoring.pass_line == 6 and cs.scoring.step == Fraction(1, 2)
    assert cs.veto("v1").text == "否决项" and cs.bonus("b1").points == 1
    assert criteria_from_dict(json.loads(json.dumps(criteria_to_dict(cs)))) == cs


def test_utf8_bom_is_accepted(tmp_path):
    raw = b"\xef\xbb\xbf" + VALID.encode("utf-8")
    path = write(tmp_path, raw)
    cs, text, sha = read_criteria_file(path)
    assert cs.id == "test-set"
    assert sha == hashlib.sha256(raw).hexdigest()


def test_thirty_criteria_is_the_limit_and_allowed():
    parse_criteria(many_criteria(MAX_CRITERIA), "m.yaml")


# --------------------------------------------------------------------------- one problem at a time

# (old text, new text, field path, zh reason, en reason, text locating the reported line)
CASES = {
    "points_zero": ("        points: 2\n", "        points: 0\n", "criteria[0].items[1].points",
                    "必须大于0", "must be greater than 0", "points: 0"),
    "points_negative": ("        points: 5\n", "        points: -5\n", "criteria[1].items[0].points",
                        "必须大于0", "must be greater than 0", "points: -5"),
    "points_not_step": ("    points: 1\n", "    points: 0.75\n", "bonuses[0].points",
                        "必须是 0.5 的整数倍", "must be a multiple of 0.5", "points: 0.75"),
    "points_text": ("        points: 3\n", '        points: "3"\n', "criteria[0].items[0].points",
                    "必须是数字", "must be a number", 'points: "3"'),
    "total_mismatch": ("total: 10\n", "total: 12\n", "total",
                       "各项分值合计为 10，与总分 12 不符", "item points add up to 10, not 12", "total: 12"),
    "bad_aggregate": ("  aggregate: mean\n", "  aggregate: average\n", "scoring.aggregate",
                      "取值必须是 mean | median | trimmed_mean 之一", "must be one of mean | median | trimmed_mean",
                      "aggregate: average"),
    "satisfaction_weight": ("  satisfaction_weight: 0\n", "  satisfaction_weight: 0.6\n",
                            "scoring.satisfaction_weight", "超出范围 [0, 0.5]", "out of range [0, 0.5]",
                            "satisfaction_weight: 0.6"),
    "version_number": ('version: "1.0"\n', "version: 1.0\n", "version",
                       "必须是字符串（请加引号）", "must be a string (quote it)", "version: 1.0"),
    "id_uppercase": ("id: test-set\n", "id: Test-Set\n", "id",
                     "只能包含小写字母、数字和连字符", "may contain only a-z, 0-9 and -", "id: Test-Set"),
    "bad_dimension": ("        dimension: effects\n", "        dimension: result\n", "criteria[0].items[1].dimension",
                      "取值必须是 measures | effects 之一", "must be one of measures | effects", "dimension: result"),
    "unknown_key_root": ("total: 10\n", "total: 10\ncolour: red\n", "colour",
                         "未知字段", "unknown key", "colour: red"),
    "unknown_key_scoring": ("  pass_line: 6\n", "  pass_line: 6\n  rounding: up\n", "scoring.rounding",
                            "未知字段", "unknown key", "rounding: up"),
    "unknown_key_item": ("        text: 效果一\n", "        text: 效果一\n        weight: 2\n",
                         "criteria[0].items[1].weight", "未知字段", "unknown key", "weight: 2"),
    "unknown_key_indicator": ("        text: 效果一\n",
                              "        text: 效果一\n        indicator:\n          name: 率\n          target: 100\n"
                              "          goal: 1\n",
                              "criteria[0].items[1].indicator.goal", "未知字段", "unknown key", "goal: 1"),
    "duplicate_key": ("        text: 效果一\n", "        text: 效果一\n        text: 又一个\n",
                      "criteria[0].items[1].text", "重复的键", "duplicate key", "text: 又一个"),
    "dup_id_criterion_criterion": ("  - id: c2\n", "  - id: c1\n", "criteria[1].id",
                                   "编号 c1 重复（已用于 criteria[0].id）",
                                   "id c1 is used twice (also at criteria[0].id)", None),  # line located below
    "dup_id_item_criterion": ("      - id: c2-1\n", "      - id: c2\n", "criteria[1].items[0].id",
                              "编号 c2 重复（已用于 criteria[1].id）", "id c2 is used twice (also at criteria[1].id)",
                              "      - id: c2\n"),
    "dup_id_item_item": ("      - id: c2-1\n", "      - id: c1-1\n", "criteria[1].items[0].id",
                         "编号 c1-1 重复（已用于 criteria[0].items[0].id）",
                         "id c1-1 is used twice (also at criteria[0].items[0].id)", None),
    "dup_id_veto_item": ("  - id: v1\n", "  - id: c1-2\n", "vetoes[0].id",
                         "编号 c1-2 重复（已用于 criteria[0].items[1].id）",
                         "id c1-2 is used twice (also at criteria[0].items[1].id)", None),
    "dup_id_bonus_veto": ("  - id: b1\n", "  - id: v1\n", "bonuses[0].id",
                          "编号 v1 重复（已用于 vetoes[0].id）", "id v1 is used twice (also at vetoes[0].id)", None),
    "dup_id_bonus_criterion": ("  - id: b1\n", "  - id: c2\n", "bonuses[0].id",
                               "编号 c2 重复（已用于 criteria[1].id）", "id c2 is used twice (also at criteria[1].id)",
                               None),
    "id_with_space": ("      - id: c1-1\n", "      - id: c1 1\n", "criteria[0].items[0].id",
                      "编号必须是不含空格、逗号和竖线的文字", "ids must be text without spaces, commas or |",
                      "id: c1 1"),
    "title_not_text": ("    title: 第二项\n", "    title: [a, b]\n", "criteria[1].title",
                       "必须是非空文字", "must be non-empty text", "title: [a, b]"),
    "items_not_list": ("    items:\n      - id: c2-1\n        dimension: measures\n        text: 措施二\n"
                       "        points: 5\n", "    items: 5\n", "criteria[1].items",
                       "应为列表", "must be a list", "items: 5"),
    "min_inspectors_fraction": ("  pass_line: 6\n", "  pass_line: 6\n  min_inspectors: 2.5\n",
                                "scoring.min_inspectors", "必须是整数", "must be a whole number",
                                "min_inspectors: 2.5"),
}


def _case_text_and_line(name: str) -> tuple[str, str, int]:
    old, new, path, _zh, _en, locate = CASES[name]
    text = mutate(old, new)
    if locate is None:
        # the changed line itself: everything before it is unchanged
        line = VALID.count("\n", 0, VALID.index(old)) + 1
    else:
        line = line_of(text, locate.strip("\n"))
    return text, path, line


@pytest.mark.parametrize("name", sorted(CASES))
def test_problem_reported_with_line_and_path_zh(tmp_path, name):
    text, field, line = _case_text_and_line(name)
    path = write(tmp_path, text)
    err = refused(path)
    lines = err.lines()
    assert_line_format(lines, path)
    expected = f"{path}:{line}: {field}: {CASES[name][3]}"
    assert expected in lines, lines


@pytest.mark.parametrize("name", sorted(CASES))
def test_problem_reported_in_english(tmp_path, en, name):
    assert get_lang() == "en"
    text, field, line = _case_text_and_line(name)
    path = write(tmp_path, text)
    lines = refused(path).lines()
    expected = f"{path}:{line}: {field}: {CASES[name][4]}"
    assert expected in lines, lines
    # nothing Chinese leaks into the English messages except the file's own text
    for ln in lines:
        reason = ln.split(": ", 2)[-1]
        assert not re.search(r"[\u4e00-\u9fff]", reason), ln


def test_english_ends_with_its_block_even_when_the_block_fails():
    # The conftest's autouse fixture puts every test in Chinese; this checks what the `en` fixture
    # undoes itself, so that a test that fails in English cannot leave the next one in English.
    with pytest.raises(RuntimeError), english():
        assert get_lang() == "en"
        raise RuntimeError("a failing English test")
    assert get_lang() == "zh"


@pytest.mark.parametrize("key", ["id", "title", "version", "scoring", "criteria"])
def test_missing_required_root_field(tmp_path, key):
    lines = VALID.splitlines(keepends=True)
    # drop the key's line and, for a block, the indented lines under it
    out, skipping = [], False
    for ln in lines:
        if ln.startswith(f"{key}:"):
            skipping = True
            continue
        if skipping and (ln.startswith(" ") or ln.startswith("-")):
            continue
        skipping = False
        out.append(ln)
    text = "".join(out)
    path = write(tmp_path, text)
    err = refused(path)
    lines_ = err.lines()
    assert_line_format(lines_, path)
    # a missing root key is reported on the root mapping's line (the first line)
    assert f"{path}:1: {key}: 必须填写" in lines_, lines_


def test_missing_required_root_field_english(tmp_path, en):
    path = write(tmp_path, mutate("title: 测试标准\n", ""))
    assert f"{path}:1: title: is required" in refused(path).lines()


def test_missing_pass_line(tmp_path):
    text = mutate("  pass_line: 6\n", "")
    path = write(tmp_path, text)
    lines = refused(path).lines()
    # reported inside the scoring block: on "scoring:" or on its first key
    allowed = {f"{path}:{n}: scoring.pass_line: 必须填写" for n in (line_of(text, "scoring:"),
                                                                   line_of(text, "step: 0.5"))}
    assert allowed & set(lines), lines


@pytest.mark.parametrize("drop,field", [
    ("        text: 效果一\n", "criteria[0].items[1].text"),
    ("        dimension: effects\n", "criteria[0].items[1].dimension"),
    ("        points: 2\n", "criteria[0].items[1].points"),
    ("    text: 加分项\n", "bonuses[0].text"),
])
def test_missing_required_nested_field(tmp_path, drop, field):
    text = mutate(drop, "")
    path = write(tmp_path, text)
    lines = refused(path).lines()
    owner = {"criteria[0].items[1]": "      - id: c1-2", "bonuses[0]": "  - id: b1"}[field.rsplit(".", 1)[0]]
    assert f"{path}:{line_of(text, owner)}: {field}: 必须填写" in lines, lines


def test_missing_criterion_id(tmp_path):
    text = mutate("  - id: c2\n    title: 第二项\n", "  - title: 第二项\n")
    path = write(tmp_path, text)
    lines = refused(path).lines()
    assert f"{path}:{line_of(text, '  - title: 第二项')}: criteria[1].id: 必须填写" in lines, lines


def test_root_not_a_mapping(tmp_path):
    path = write(tmp_path, "- a\n- b\n")
    assert refused(path).lines() == [f"{path}:1: (root): 应为键值对（映射）"]


def test_empty_criteria_list(tmp_path):
    text = VALID.split("criteria:\n")[0] + "criteria: []\n"
    path = write(tmp_path, text)
    lines = refused(path).lines()
    assert f"{path}:{line_of(text, 'criteria: []')}: criteria: 数量必须在 1 到 30 之间" in lines, lines


def test_empty_criteria_list_english(tmp_path, en):
    text = VALID.split("criteria:\n")[0] + "criteria: []\n"
    path = write(tmp_path, text)
    assert f"{path}:{line_of(text, 'criteria: []')}: criteria: must have 1 to 30 entries" in refused(path).lines()


def test_empty_items_list(tmp_path):
    text = mutate("    items:\n      - id: c2-1\n        dimension: measures\n        text: 措施二\n"
                  "        points: 5\n", "    items: []\n", mutate("total: 10\n", ""))
    path = write(tmp_path, text)
    lines = refused(path).lines()
    assert f"{path}:{line_of(text, 'items: []')}: criteria[1].items: 数量必须在 1 到 200 之间" in lines, lines


@pytest.mark.parametrize("text", [
    VALID.split("criteria:\n")[0] + "criteria: []\n",
    mutate("    items:\n      - id: c2-1\n        dimension: measures\n        text: 措施二\n"
           "        points: 5\n", "    items: []\n", mutate("total: 10\n", "")),
], ids=["empty-criteria", "empty-items"])
def test_a_problem_is_reported_once(tmp_path, text):
    path = write(tmp_path, text)
    lines = refused(path).lines()
    assert len(lines) == len(set(lines)), f"the same problem is printed twice: {lines}"


def many_criteria(n: int) -> str:
    head = 'id: many\ntitle: 多\nversion: "1"\nscoring:\n  pass_line: 1\ncriteria:\n'
    body = "".join(
        f"  - id: c{i}\n    title: 标准{i}\n    items:\n"
        f"      - id: c{i}-1\n        dimension: measures\n        text: 要点\n        points: 1\n"
        for i in range(n))
    return head + body


def test_more_than_thirty_criteria(tmp_path):
    text = many_criteria(MAX_CRITERIA + 1)
    path = write(tmp_path, text)
    lines = refused(path).lines()
    allowed = {f"{path}:{n}: criteria: 数量必须在 1 到 30 之间" for n in (6, 7)}  # "criteria:" or its first entry
    assert allowed & set(lines), lines


# --------------------------------------------------------------------------- hostile YAML


def test_alias_is_refused(tmp_path):
    text = mutate("    title: 第一项\n", "    title: &t 第一项\n")
    text = mutate("    title: 第二项\n", "    title: *t\n", text)
    path = write(tmp_path, text)
    assert refused(path).lines() == [f"{path}:{line_of(text, 'title: *t')}: 不允许使用 YAML 别名（*alias）"]


def test_alias_is_refused_english(tmp_path, en):
    text = mutate("    title: 第二项\n", "    title: *t\n", mutate("    title: 第一项\n", "    title: &t 第一项\n"))
    path = write(tmp_path, text)
    assert refused(path).lines() == [f"{path}:{line_of(text, 'title: *t')}: YAML aliases are not allowed"]


def test_merge_key_alias_is_refused(tmp_path):
    text = mutate("      - id: c2-1\n        dimension: measures\n",
                  "      - <<: *base\n        id: c2-1\n",
                  mutate("      - id: c1-1\n", "      - &base\n        id: c1-1\n"))
    path = write(tmp_path, text)
    lines = refused(path).lines()
    assert lines == [f"{path}:{line_of(text, '<<: *base')}: 不允许使用 YAML 别名（*alias）"]


BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
id: *i
"""


def test_billion_laughs_is_refused_quickly(tmp_path):
    path = write(tmp_path, BILLION_LAUGHS)
    start = time.process_time()  # CPU time: other jobs on the machine do not count against the parser
    with pytest.raises(LineErrors) as info:
        read_criteria_file(path)
    elapsed = time.process_time() - start
    assert elapsed < 1.0, f"alias bomb took {elapsed:.2f} s"
    assert info.value.exit_code == 2
    assert info.value.lines() == [f"{path}:2: 不允许使用 YAML 别名（*alias）"]


@pytest.mark.parametrize("value", [
    '!!python/object/apply:os.system ["touch {marker}"]',
    '!!python/object/new:os.system ["touch {marker}"]',
    "!!python/name:os.system",
    "!!python/module:os",
    '!!python/object/apply:subprocess.check_call [["touch", "{marker}"]]',
])
def test_python_tags_are_refused(tmp_path, value):
    marker = tmp_path / "pwned"
    text = mutate("title: 测试标准\n", "title: " + value.format(marker=marker) + "\n")
    path = write(tmp_path, text)
    err = refused(path)
    assert not marker.exists(), "a python tag was executed"
    lines = err.lines()
    assert_line_format(lines, path)
    tag_line = [ln for ln in lines if ln.startswith(f"{path}:2: title: 不允许的 YAML 标签 ")]
    assert tag_line and "python/" in tag_line[0], lines


def test_python_tag_on_root_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = write(tmp_path, f'!!python/object/apply:os.system ["touch {marker}"]\n')
    lines = refused(path).lines()
    assert not marker.exists()
    assert lines == [f"{path}:1: (root): 不允许的 YAML 标签 tag:yaml.org,2002:python/object/apply:os.system"]


def test_python_tag_english(tmp_path, en):
    path = write(tmp_path, mutate("title: 测试标准\n", "title: !!python/name:os.system\n"))
    assert f"{path}:2: title: YAML tag not allowed: tag:yaml.org,2002:python/name:os.system" in refused(path).lines()


@pytest.mark.parametrize("value", ["!!int x", "!!int", "!!int 0x", "!!float x", "!!bool maybe",
                                   "!!timestamp yesterday"])
def test_standard_tag_with_bad_value_is_a_line_error(tmp_path, value):
    """An explicit tag whose value does not fit must be a reported problem, not a crash."""
    text = mutate("total: 10\n", f"total: {value}\n")
    path = write(tmp_path, text)
    lines = refused(path).lines()
    assert any(ln.startswith(f"{path}:4: total: ") for ln in lines), lines


@pytest.mark.parametrize("char", ["\x07", "\x00", "\x1b", "\ufffe"])
def test_control_characters_are_a_line_error(tmp_path, char):
    path = write(tmp_path, mutate("title: 测试标准\n", f"title: 测试{char}标准\n"))
    err = refused(path)
    assert_line_format(err.lines(), path)


def test_deep_nesting_is_a_line_error(tmp_path):
    path = write(tmp_path, "id: " + "[" * 3000 + "]" * 3000 + "\n")
    err = refused(path)
    assert_line_format(err.lines(), path)


def test_syntax_error(tmp_path):
    text = mutate("title: 测试标准\n", "title: 测试: 标准\n")
    path = write(tmp_path, text)
    lines = refused(path).lines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{path}:2: YAML 语法错误：")


def test_syntax_error_english(tmp_path, en):
    path = write(tmp_path, mutate("title: 测试标准\n", "title: 测试: 标准\n"))
    lines = refused(path).lines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}:2: YAML syntax error: ")


def test_unclosed_flow_sequence(tmp_path):
    text = mutate("    title: 第一项\n", "    title: [第一项\n")
    path = write(tmp_path, text)
    lines = refused(path).lines()
    assert len(lines) == 1 and re.match(re.escape(path) + r":\d+: YAML 语法错误：", lines[0])


@pytest.mark.parametrize("content", [b"", b"\n\n", b"   \n", b"# only a comment\n", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path, content):
    path = write(tmp_path, content)
    assert refused(path).lines() == [f"{path}:1: 文件为空"]


def test_empty_file_english(tmp_path, en):
    path = write(tmp_path, b"")
    assert refused(path).lines() == [f"{path}:1: the file is empty"]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16"])
def test_not_utf8(tmp_path, encoding):
    path = write(tmp_path, VALID.encode(encoding))
    assert refused(path).lines() == [f"{path}:1: 文件不是 UTF-8 编码"]


def test_not_utf8_english(tmp_path, en):
    path = write(tmp_path, b"id: x\ntitle: \xff\xfe\n")
    assert refused(path).lines() == [f"{path}:1: the file is not UTF-8"]


def test_missing_file_is_bad_input(tmp_path):
    with pytest.raises(BadInput) as info:
        read_criteria_file(str(tmp_path / "nope.yaml"))
    assert info.value.exit_code == 2
    assert str(tmp_path / "nope.yaml") in info.value.render()


def test_several_problems_reported_at_once(tmp_path):
    text = VALID
    text = mutate("  aggregate: mean\n", "  aggregate: average\n", text)
    text = mutate("        points: 2\n", "        points: 0\n", text)
    text = mutate("  - id: b1\n", "  - id: v1\n", text)
    text = mutate("total: 10\n", "total: 10\ncolour: red\n", text)
    text = mutate('version: "1.0"\n', "version: 1.0\n", text)
    path = write(tmp_path, text)
    err = refused(path)
    lines = err.lines()
    assert_line_format(lines, path)
    expected = [
        f"{path}:{line_of(text, 'version: 1.0')}: version: 必须是字符串（请加引号）",
        f"{path}:{line_of(text, 'colour: red')}: colour: 未知字段",
        f"{path}:{line_of(text, 'aggregate: average')}: "
        "scoring.aggregate: 取值必须是 mean | median | trimmed_mean 之一",
        f"{path}:{line_of(text, 'points: 0')}: criteria[0].items[1].points: 必须大于0",
        f"{path}:{VALID.count(chr(10), 0, VALID.index('  - id: b1')) + 2}: "
        f"bonuses[0].id: 编号 v1 重复（已用于 vetoes[0].id）",  # +1 for the colour line added above it
    ]
    for e in expected:
        assert e in lines, (e, lines)
    assert len(err.problems) >= 5
    # reported in file order
    numbers = [line for _label, line, _p in err.problems]
    assert numbers == sorted(numbers)


# --------------------------------------------------------------------------- the command line


def _cli_base() -> list[str]:
    script = shutil.which("modelunit")
    if script:
        return [script]
    return [sys.executable, "-c", "from modelunit.cli.main import main; import sys; sys.exit(main())"]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELUNIT_")}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(_cli_base() + list(args), cwd=cwd, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=60)


def test_cli_valid_file(tmp_path):
    cs, _t, sha = read_criteria_file(str(DEFAULT_FILE))
    r = run_cli("criteria", "check", str(DEFAULT_FILE), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert "nine-measures" in r.stdout
    for c in cs.criteria:
        assert c.title in r.stdout and c.id in r.stdout
    assert "名称" in r.stdout  # the table header is in Chinese by default
    assert sha in r.stdout


def test_cli_valid_file_english(tmp_path):
    cs, _t, _sha = read_criteria_file(str(DEFAULT_FILE))
    r = run_cli("--lang", "en", "criteria", "check", str(DEFAULT_FILE), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "criteria valid: nine-measures" in r.stdout
    assert "Title" in r.stdout
    for c in cs.criteria:
        assert c.title in r.stdout


def test_cli_bad_file(tmp_path):
    text = mutate("  aggregate: mean\n", "  aggregate: average\n", mutate("        points: 2\n", "        points: 0\n"))
    path = write(tmp_path, text)
    with pytest.raises(LineErrors) as info:
        parse_criteria(text, path)
    r = run_cli("criteria", "check", path, cwd=tmp_path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    err_lines = r.stderr.splitlines()
    assert err_lines == info.value.lines()
    for ln in err_lines:
        assert re.match(r"^" + re.escape(path) + r":\d+: ", ln), ln
    assert f"{path}:{line_of(text, 'points: 0')}: criteria[0].items[1].points: 必须大于0" in err_lines


def test_cli_bad_file_english(tmp_path):
    text = mutate("        points: 2\n", "        points: 0\n")
    path = write(tmp_path, text)
    r = run_cli("--lang", "en", "criteria", "check", path, cwd=tmp_path)
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert f"{path}:{line_of(text, 'points: 0')}: criteria[0].items[1].points: must be greater than 0" in lines
    # the zero item also leaves the total short; that is reported too, in English
    assert f"{path}:{line_of(text, 'total: 10')}: total: item points add up to 8, not 10" in lines
    assert not re.search(r"[\u4e00-\u9fff]", r.stderr), r.stderr


def test_cli_missing_file(tmp_path):
    missing = str(tmp_path / "nope.yaml")
    r = run_cli("criteria", "check", missing, cwd=tmp_path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and missing in lines[0]
    assert r.stdout == ""


@pytest.mark.parametrize("content", [
    BILLION_LAUGHS,
    "id: x\ntitle: !!python/object/apply:os.system [\"echo hi\"]\n",
    "id: x\ntitle: a\x07b\n",
    "id: x\ntotal: !!int x\n",
    "id: " + "[" * 3000 + "]" * 3000 + "\n",
], ids=["alias-bomb", "python-tag", "control-char", "bad-int-tag", "deep-nesting"])
def test_cli_hostile_file_is_bad_input_without_traceback(tmp_path, content):
    path = write(tmp_path, content)
    r = run_cli("criteria", "check", path, cwd=tmp_path)
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    assert r.returncode == 2, r.stderr
    lines = r.stderr.splitlines()
    assert lines
    for ln in lines:
        assert re.match(r"^" + re.escape(path) + r":\d+: ", ln), ln
