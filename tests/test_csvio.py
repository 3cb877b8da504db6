"""CSV reading (DESIGN §6): the encodings Chinese offices save, header aliases,
physical line numbers for every problem, and no crash on any input."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from modelunit.csvio import parse_rows, read_rows
from modelunit.errors import BadInput, LineErrors, ModelUnitError
from modelunit.i18n import set_lang

REQUIRED = ("code", "name", "type")
OPTIONAL = ("contact", "phone")

ROWS = [
    ("A01", "城关镇人民政府", "乡镇"),
    ("B02", "东城街道办事处", "街道"),
    ("C03", "区市场监督管理局", "区直部门"),
]
EXPECTED = [(i, {"code": c, "name": n, "type": t}) for i, (c, n, t) in enumerate(ROWS, start=2)]


@pytest.fixture(autouse=True)
def _zh():
    set_lang("zh")
    yield
    set_lang("zh")


@pytest.fixture
def en():
    set_lang("en")
    yield
    set_lang("zh")


def write(tmp_path, data: bytes, name: str = "units.csv") -> str:
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def csv_text(header: str = "code,name,type", rows=ROWS, newline: str = "\n") -> str:
    return newline.join([header] + [",".join(r) for r in rows]) + newline


def line_errors(path: str, required=REQUIRED, optional=OPTIONAL) -> LineErrors:
    with pytest.raises(LineErrors) as info:
        read_rows(path, required, optional)
    err = info.value
    assert err.exit_code == 2
    for label, line, problem in err.problems:
        assert label == path
        assert isinstance(line, int) and line >= 1
        assert isinstance(problem, BadInput)
    return err


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_encodings_read_to_the_same_rows(tmp_path, encoding, newline):
    data = csv_text(newline=newline).encode(encoding)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")  # the test would prove nothing if it were also valid UTF-8
    if encoding == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")
    path = write(tmp_path, data)
    assert read_rows(path, REQUIRED, OPTIONAL) == EXPECTED


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_chinese_header_aliases(tmp_path, encoding):
    path = write(tmp_path, csv_text(header="单位代码,单位名称,类型").encode(encoding))
    assert read_rows(path, REQUIRED, OPTIONAL) == EXPECTED


def test_other_aliases_and_optional_columns(tmp_path):
    text = "代码,名称,单位类型,联系人,联系电话\nA01,城关镇人民政府,乡镇,张三,13800000000\n"
    path = write(tmp_path, text.encode("gb18030"))
    assert read_rows(path, REQUIRED, OPTIONAL) == [
        (2, {"code": "A01", "name": "城关镇人民政府", "type": "乡镇", "contact": "张三", "phone": "13800000000"})]


def test_english_header_is_case_and_space_insensitive(tmp_path):
    path = write(tmp_path, csv_text(header=" Code , NAME ,Type").encode())
    assert read_rows(path, REQUIRED, OPTIONAL) == EXPECTED


def test_columns_in_any_order(tmp_path):
    text = "类型,单位名称,单位代码\n乡镇,城关镇人民政府,A01\n"
    path = write(tmp_path, text.encode())
    assert read_rows(path, REQUIRED, OPTIONAL) == [(2, {"code": "A01", "name": "城关镇人民政府", "type": "乡镇"})]


# --------------------------------------------------------------------------- line numbers


def test_line_numbers_are_physical_lines(tmp_path):
    rows = read_rows(write(tmp_path, csv_text().encode()), REQUIRED, OPTIONAL)
    assert [line for line, _ in rows] == [2, 3, 4]


def test_blank_lines_are_skipped_but_counted(tmp_path):
    text = "\n\ncode,name,type\n\nA01,城关镇人民政府,乡镇\n   \n,,\n\nB02,东城街道办事处,街道\n\n"
    rows = read_rows(write(tmp_path, text.encode("utf-8-sig")), REQUIRED, OPTIONAL)
    assert rows == [(5, {"code": "A01", "name": "城关镇人民政府", "type": "乡镇"}),
                    (9, {"code": "B02", "name": "东城街道办事处", "type": "街道"})]


def test_blank_lines_counted_with_crlf_and_gb18030(tmp_path):
    text = "\r\n单位代码,单位名称,类型\r\n\r\nA01,城关镇人民政府,乡镇\r\n"
    rows = read_rows(write(tmp_path, text.encode("gb18030")), REQUIRED, OPTIONAL)
    assert rows == [(4, {"code": "A01", "name": "城关镇人民政府", "type": "乡镇"})]


def test_quoted_field_with_embedded_newline(tmp_path):
    text = 'code,name,type\nA01,"城关镇\n人民政府",乡镇\nB02,"东城, 街道",街道\n'
    rows = read_rows(write(tmp_path, text.encode()), REQUIRED, OPTIONAL)
    assert rows == [(2, {"code": "A01", "name": "城关镇\n人民政府", "type": "乡镇"}),
                    (4, {"code": "B02", "name": "东城, 街道", "type": "街道"})]


def test_line_after_embedded_newline_is_reported_correctly(tmp_path):
    text = 'code,name,type\nA01,"城关镇\n人民政府",乡镇\nB02,东城街道办事处,街道,多余\n'
    err = line_errors(write(tmp_path, text.encode()))
    assert [line for _p, line, _e in err.problems] == [4]


def test_trailing_empty_field_from_excel_is_harmless(tmp_path):
    text = "code,name,type\nA01,城关镇人民政府,乡镇,\nB02,东城街道办事处,街道,,\n"
    assert read_rows(write(tmp_path, text.encode()), REQUIRED, OPTIONAL) == [
        (2, {"code": "A01", "name": "城关镇人民政府", "type": "乡镇"}),
        (3, {"code": "B02", "name": "东城街道办事处", "type": "街道"})]


# --------------------------------------------------------------------------- header problems


# What a header problem of the units import lists: each column's English and Chinese name.
UNIT_COLUMNS = "code/单位代码, name/单位名称, type/类型, contact/联系人, phone/电话"


def test_missing_column(tmp_path):
    path = write(tmp_path, "code,name\nA01,城关镇人民政府\n".encode())
    err = line_errors(path)
    assert err.lines() == [f"{path}:1: 缺少列：type/类型（应有：{UNIT_COLUMNS}）"]


def test_missing_column_english(tmp_path, en):
    path = write(tmp_path, "单位代码,类型\nA01,乡镇\n".encode("gb18030"))
    err = line_errors(path)
    assert err.lines() == [f"{path}:1: missing columns: name/单位名称 (expected: {UNIT_COLUMNS})"]


def test_missing_column_after_blank_lines_names_the_header_line(tmp_path):
    path = write(tmp_path, "\n\ncode,type\nA01,乡镇\n".encode())
    err = line_errors(path)
    assert len(err.problems) == 1 and err.problems[0][1] == 3
    assert "name" in err.lines()[0]


def test_unknown_column(tmp_path):
    path = write(tmp_path, "code,name,type,颜色\nA01,城关镇人民政府,乡镇,红\n".encode())
    err = line_errors(path)
    assert err.lines() == [f"{path}:1: 未知列：颜色（应有：{UNIT_COLUMNS}）"]


def test_unknown_column_english(tmp_path, en):
    path = write(tmp_path, "code,name,type,colour\nA01,x,乡镇,red\n".encode())
    assert line_errors(path).lines() == [
        f"{path}:1: unknown columns: colour (expected: {UNIT_COLUMNS})"]


@pytest.mark.parametrize("header", ["code,name,type,code", "单位代码,单位名称,类型,代码"])
def test_duplicate_column_is_a_line_error(tmp_path, header):
    path = write(tmp_path, f"{header}\nA01,城关镇人民政府,乡镇,A01\n".encode())
    err = line_errors(path)
    assert len(err.problems) == 1 and err.problems[0][1] == 1


# --------------------------------------------------------------------------- row problems


def test_too_many_fields(tmp_path):
    text = "code,name,type\nA01,城关镇人民政府,乡镇\nB02,东城街道办事处,街道,多余\nC03,区市场监督管理局,区直部门\n"
    path = write(tmp_path, text.encode())
    assert line_errors(path).lines() == [f"{path}:3: 列数不对：应为 3 列，实际 4 列"]


def test_too_many_fields_english(tmp_path, en):
    path = write(tmp_path, "code,name,type\nA01,x,乡镇,y,z\n".encode())
    assert line_errors(path).lines() == [f"{path}:2: wrong number of fields: expected 3, got 5"]


def test_every_bad_row_is_reported(tmp_path):
    text = "code,name,type\nA01,a,乡镇,x\nB02,b,街道\n\nC03,c,其他,y,z\n"
    err = line_errors(write(tmp_path, text.encode()))
    assert [line for _p, line, _e in err.problems] == [2, 5]


@pytest.mark.parametrize("row", ["A01,城关镇人民政府", "A01"])
def test_too_few_fields(tmp_path, row):
    """A row missing a required column is a wrong number of fields, reported on its line."""
    text = f"code,name,type\nB02,东城街道办事处,街道\n{row}\n"
    path = write(tmp_path, text.encode())
    err = line_errors(path)
    assert [line for _p, line, _e in err.problems] == [3]
    assert "列数不对" in err.lines()[0]


def test_unterminated_quote(tmp_path):
    text = 'code,name,type\nA01,"城关镇人民政府,乡镇\nB02,东城街道办事处,街道\n'
    path = write(tmp_path, text.encode())
    err = line_errors(path)
    assert len(err.problems) == 1
    assert 2 <= err.problems[0][1] <= 4
    assert "CSV" in err.lines()[0]


def test_junk_after_closing_quote(tmp_path):
    path = write(tmp_path, 'code,name,type\nA01,"城关镇"人民政府,乡镇\n'.encode())
    err = line_errors(path)
    assert len(err.problems) == 1 and err.problems[0][1] == 2
    assert err.lines()[0].startswith(f"{path}:2: CSV 格式错误：")


def test_very_long_field_is_a_line_error(tmp_path):
    path = write(tmp_path, ("code,name,type\nA01," + "长" * 200_000 + ",乡镇\n").encode())
    line_errors(path)


# --------------------------------------------------------------------------- empty and undecodable files


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n\r\n", b"code,name,type\n", b"code,name,type",
                                  "\ufeff单位代码,单位名称,类型\r\n\r\n".encode("utf-8"), b"code,name,type\n,,\n  \n"])
def test_empty_file_or_header_only(tmp_path, data):
    path = write(tmp_path, data)
    with pytest.raises(BadInput) as info:
        read_rows(path, REQUIRED, OPTIONAL)
    assert info.value.exit_code == 2
    assert info.value.render() == f"文件没有数据行：{path}"


def test_empty_file_english(tmp_path, en):
    path = write(tmp_path, b"")
    with pytest.raises(BadInput) as info:
        read_rows(path, REQUIRED, OPTIONAL)
    assert info.value.render() == f"no data rows in {path}"


@pytest.mark.parametrize(("data", "line"), [(b"code,name,type\nA01,\xff\xfe,x\n", 2), (b"\x80\x80\x80", 1),
                                            (b"code\x00,name,type\n", 1)])
def test_undecodable_bytes(tmp_path, data, line):
    path = write(tmp_path, data)
    err = line_errors(path)
    assert err.lines() == [f"{path}:{line}: 无法识别文件编码（应为 UTF-8 或 GB18030）"]


def test_undecodable_bytes_english(tmp_path, en):
    path = write(tmp_path, b"\xff\xff\xff")
    assert line_errors(path).lines() == [f"{path}:1: unknown encoding (use UTF-8 or GB18030)"]


def test_missing_file(tmp_path):
    path = str(tmp_path / "nope.csv")
    with pytest.raises(BadInput) as info:
        read_rows(path, REQUIRED, OPTIONAL)
    assert info.value.exit_code == 2
    assert path in info.value.render()


# --------------------------------------------------------------------------- fuzzing

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TOKENS = st.sampled_from(["code", "name", "type", "contact", "phone", "单位代码", "代码", "名称", "类型",
                          "x", "城关镇", ",", ",", "\n", "\r\n", "\r", '"', '""', " ", "\t", "\x00", "\ufeff",
                          "\u2028", "\x85"])


def _check_result(rows, required=REQUIRED, optional=OPTIONAL):
    assert isinstance(rows, list) and rows
    lines = [line for line, _ in rows]
    assert all(isinstance(n, int) and n >= 2 for n in lines)
    assert lines == sorted(set(lines))
    for _line, row in rows:
        assert set(required) <= set(row) <= set(required + optional)
        assert all(isinstance(v, str) for v in row.values())


def _parse(text, required=REQUIRED, optional=OPTIONAL):
    try:
        rows = parse_rows(text, "fuzz.csv", required, optional)
    except ModelUnitError as e:
        assert isinstance(e, (BadInput, LineErrors))
        e.render()
        if isinstance(e, LineErrors):
            assert all(line >= 1 for _p, line, _e in e.problems)
            e.lines()
        return
    _check_result(rows, required, optional)


@FUZZ
@given(st.text())
def test_fuzz_parse_rows_arbitrary_text(text):
    _parse(text)


@FUZZ
@given(st.lists(TOKENS, max_size=40).map("".join))
@example("单位代码,单位名称,类型,代码\nA01,x,乡镇,A01\n")
@example('code,name,type\n"A01\n')
def test_fuzz_parse_rows_csv_like_text(text):
    _parse(text)


@FUZZ
@given(st.lists(TOKENS, max_size=30).map("".join))
@example("code,code\nA,B\n")
def test_fuzz_parse_rows_nothing_required(text):
    _parse(text, required=(), optional=("code", "name"))


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("csv-fuzz"))


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_read_rows_arbitrary_bytes(fuzz_dir, data):
    path = os.path.join(fuzz_dir, "fuzz.csv")
    with open(path, "wb") as fh:
        fh.write(data)
    try:
        rows = read_rows(path, REQUIRED, OPTIONAL)
    except ModelUnitError as e:
        assert isinstance(e, (BadInput, LineErrors))
        e.render()
        return
    _check_result(rows)


@FUZZ
@given(st.lists(TOKENS, max_size=30).map("".join), st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_fuzz_read_rows_encoded_text(fuzz_dir, text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    path = os.path.join(fuzz_dir, "enc.csv")
    with open(path, "wb") as fh:
        fh.write(data)
    try:
        rows = read_rows(path, REQUIRED, OPTIONAL)
    except ModelUnitError as e:
        assert isinstance(e, (BadInput, LineErrors))
        return
    _check_result(rows)
