"""CSV in and out, the way Chinese offices produce it.

Reading accepts UTF-8 (with or without BOM) and GB18030 (what Chinese Excel
saves), maps Chinese header names to the contract's column names, and returns
``(line, row)`` pairs so every problem can be reported as ``FILE:LINE``.
Writing uses UTF-8 with a BOM so Excel opens the file correctly.
"""

from __future__ import annotations

import csv
import io
import re

from modelunit.domain.rows import Row
from modelunit.errors import BadInput, LineErrors
from modelunit.storage.files import read_regular

MAX_BYTES = 200 * 1024 * 1024

# The one table of the Chinese headers an office types, per import and column (DESIGN §6 names the
# columns in English; both are accepted).  The first name of each column is the one messages show
# beside the English.  A name means a column only within its import: 单位代码 is the code of the
# unit being imported in ``units`` and the unit a row is about everywhere else.
_UNIT = ("单位代码", "单位", "代码")
_ITEM = ("考核要点", "要点", "要点编号", "考核要点编号")
_INSPECTOR = ("考察组成员", "评分人", "考察人员", "考察人")
_NOTE = ("说明", "备注")
HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "units": {"code": ("单位代码", "代码"), "name": ("单位名称", "名称"), "type": ("类型", "单位类型"),
              "contact": ("联系人",), "phone": ("电话", "联系电话")},
    "selfcheck": {"unit": _UNIT, "item": _ITEM, "score": ("自评分", "分数", "得分", "自评得分"), "note": _NOTE,
                  "indicator": ("指标实际值", "指标值", "指标")},
    "materials": {"unit": _UNIT, "criterion": ("标准", "依据", "验收标准", "标准编号"),
                  "path": ("路径", "文件", "文件路径"), "title": ("标题", "材料名称"),
                  "document": ("申报材料", "申报材料名称")},
    "teams": {"unit": _UNIT, "inspector": _INSPECTOR},
    "scores": {"unit": _UNIT, "inspector": _INSPECTOR, "item": _ITEM, "score": ("分数", "得分", "评分"),
               "note": _NOTE},
    "satisfaction": {"unit": _UNIT, "score": ("满意度", "满意度得分", "分数", "得分")},
    "users": {"name": ("用户名", "账号", "登录名"), "real_name": ("姓名", "真实姓名"), "role": ("角色",),
              "unit": ("所属单位", "单位代码", "单位"), "contact": ("联系方式", "联系电话", "电话", "联系人")},
}


def _names_for(columns: tuple[str, ...], kind: str | None) -> dict[str, tuple[str, ...]]:
    """The Chinese names of ``kind``'s columns; with no import named, those of the import that reads
    exactly these columns (else the first that reads them all)."""
    if kind is None:
        fits = [k for k, table in HEADERS.items() if set(columns) <= set(table)]
        exact = [k for k in fits if set(columns) == set(HEADERS[k])]
        kind = (exact or fits or [None])[0]
    return HEADERS[kind] if kind is not None else {}


def _column_of(text: str, names: dict[str, tuple[str, ...]]) -> str:
    """The column a header cell names: an English name (any case) or one of its Chinese names."""
    for column, aliases in names.items():
        if text in aliases:
            return column
    return text.lower()


def _shown(column: str, names: dict[str, tuple[str, ...]]) -> str:
    aliases = names.get(column)
    return f"{column}/{aliases[0]}" if aliases else column


# What an office types beyond ASCII: general and CJK punctuation, ideographs, full-width forms.
_OFFICE_TEXT = ((0x2000, 0x206F), (0x3000, 0x303F), (0x3400, 0x9FFF), (0xFF00, 0xFFEF))


def _utf8_line(line: bytes) -> bool:
    """True when a line with non-ASCII bytes reads as UTF-8 text an office would type.

    A GB18030 line is valid UTF-8 only by accident, and then it mostly reads as Latin, Greek or
    Arabic letters or rare symbols: only CJK ideographs and punctuation and full-width forms count.
    """
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ord(ch) < 0x80 or any(lo <= ord(ch) <= hi for lo, hi in _OFFICE_TEXT) for ch in text)


_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


def mixed_encoding(raw: bytes) -> tuple[int, str, int, str] | None:
    """For a file that is not UTF-8 as a whole: ``(line, encoding, first_line, first_encoding)`` of
    the first line whose encoding differs from the first non-ASCII line's, or None if it is one
    encoding throughout."""
    first: tuple[int, str] | None = None
    for number, line in enumerate(_LINE_BREAK.split(raw), start=1):  # the lines the CSV reader counts
        if line.isascii():
            continue
        encoding = "UTF-8" if _utf8_line(line) else "GB18030"
        if first is None:
            first = (number, encoding)
        elif encoding != first[1]:
            return number, encoding, first[0], first[1]
    return None


def _undecodable_line(raw: bytes) -> int:
    """The first line that is neither UTF-8 nor GB18030 (1 if the fault spans lines)."""
    for number, line in enumerate(_LINE_BREAK.split(raw), start=1):
        if not line.isascii() and not _utf8_line(line):
            try:
                line.decode("gb18030")
            except UnicodeDecodeError:
                return number
    return 1


def _strip_bom(raw: bytes) -> bytes:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:]
    if raw.startswith(b"\x84\x31\x95\x33"):  # GB18030's own byte-order mark
        return raw[4:]
    return raw


def decode(raw: bytes) -> str | None:
    """The file's text, read as UTF-8 or else GB18030; None if it is neither."""
    raw = _strip_bom(raw)
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def read_rows(path: str, required: tuple[str, ...], optional: tuple[str, ...] = (),
              kind: str | None = None) -> list[Row]:
    """Read a CSV file whose header names ``required`` (and maybe ``optional``) columns, in English
    or by the Chinese names :data:`HEADERS` gives them for the import ``kind``."""
    raw = read_regular(path, MAX_BYTES)  # a FIFO or a device is refused, never waited on
    if len(raw) > MAX_BYTES:
        raise BadInput("file.too_large", path=path)
    raw = _strip_bom(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Not UTF-8 as a whole: GB18030, unless some lines were saved as UTF-8 (they would import as
        # mojibake) or some are neither.
        mixed = mixed_encoding(raw)
        if mixed is not None:
            line, encoding, first_line, first_encoding = mixed
            raise LineErrors([(path, line, BadInput("csv.mixed_encoding", encoding=encoding, first=first_line,
                                                    first_encoding=first_encoding))]) from None
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise LineErrors([(path, _undecodable_line(raw), BadInput("csv.encoding"))]) from None
    if "\x00" in text:
        raise LineErrors([(path, 1, BadInput("csv.encoding"))])
    return parse_rows(text, path, required, optional, kind)


def parse_rows(text: str, path: str, required: tuple[str, ...], optional: tuple[str, ...] = (),
               kind: str | None = None) -> list[Row]:
    names = _names_for(required + optional, kind)
    expected = ", ".join(_shown(c, names) for c in required + optional)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems: list = []
    rows: list[Row] = []
    header: list[str] | None = None
    last_line = 0
    try:
        for fields in reader:
            line = last_line + 1
            last_line = reader.line_num
            if not fields or all(not f.strip() for f in fields):
                continue
            if header is None:
                while fields and not fields[-1].strip():  # Excel leaves empty cells after the last column
                    fields = fields[:-1]
                header = [_column_of(f.strip(), names) or "(空)" for f in fields]
                missing = [c for c in required if c not in header]
                unknown = [f.strip() or "(空)" for f, c in zip(fields, header) if c not in required + optional]
                if missing:
                    raise LineErrors([(path, line, BadInput("csv.missing_columns",
                                                            columns=", ".join(_shown(c, names) for c in missing),
                                                            expected=expected))])
                if unknown:
                    raise LineErrors([(path, line, BadInput("csv.unknown_columns", columns=", ".join(unknown),
                                                            expected=expected))])
                if len(set(header)) != len(header):
                    raise LineErrors([(path, line, BadInput("row.duplicate", key=", ".join(header)))])
                continue
            if len(fields) != len(header):
                # Trailing empty fields from Excel, or optional columns left off the end of a
                # row, are harmless; anything else is a broken row.
                extra_blank = all(not f.strip() for f in fields[len(header):])
                missing_optional = all(c in optional for c in header[len(fields):])
                if not (extra_blank and missing_optional):
                    problems.append((path, line, BadInput("csv.bad_row", expected=len(header), got=len(fields))))
                    continue
                fields = fields[:len(header)] + [""] * (len(header) - len(fields))
            rows.append((line, dict(zip(header, fields))))
    except csv.Error as e:
        raise LineErrors([(path, reader.line_num or 1, BadInput("csv.syntax", detail=str(e)))]) from None
    if problems:
        raise LineErrors(problems)
    if header is None or not rows:
        raise BadInput("csv.empty", path=path)
    return rows


# A spreadsheet reads a cell beginning with one of these as a formula (DESIGN §6).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral_cell(value: object) -> object:
    """User text as data: a leading apostrophe keeps a spreadsheet from running it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(stream, header: list[str], rows: list[list[object]]) -> None:
    """Write CSV text; callers writing a file open it with ``encoding="utf-8-sig"``."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else neutral_cell(v) for v in row])
