"""CSV in and out, the way Chinese offices produce it.

Reading accepts UTF-8 (with or without BOM) and GB18030 (what Chinese Excel
saves), maps Chinese header names to the contract's column names, and returns
``(line, row)`` pairs so every problem can be reported as ``FILE:LINE``.
Writing uses UTF-8 with a BOM so Excel opens the file correctly.
"""

from __future__ import annotations

import csv
import io

from modelunit.domain.rows import Row
from modelunit.errors import BadInput, LineErrors
from modelunit.storage.files import read_regular

MAX_BYTES = 200 * 1024 * 1024

# Chinese headers an office is likely to type, mapped to the contract's names.
ALIASES = {
    "单位代码": "code", "代码": "code", "单位名称": "name", "名称": "name", "类型": "type", "单位类型": "type",
    "联系人": "contact", "电话": "phone", "联系电话": "phone", "单位": "unit", "考核要点": "item", "要点": "item",
    "分数": "score", "得分": "score", "备注": "note", "考察人员": "inspector", "标准": "criterion",
    "路径": "path", "文件": "path", "标题": "title", "指标": "indicator", "满意度": "score",
    "申报材料": "document",
}


def decode(raw: bytes) -> str | None:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith(b"\x84\x31\x95\x33"):  # GB18030's own byte-order mark
        raw = raw[4:]
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def read_rows(path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[Row]:
    """Read a CSV file whose header names ``required`` (and maybe ``optional``) columns."""
    raw = read_regular(path, MAX_BYTES)  # a FIFO or a device is refused, never waited on
    if len(raw) > MAX_BYTES:
        raise BadInput("file.too_large", path=path)
    text = decode(raw)
    if text is None:
        raise LineErrors([(path, 1, BadInput("csv.encoding"))])
    if "\x00" in text:
        raise LineErrors([(path, 1, BadInput("csv.encoding"))])
    return parse_rows(text, path, required, optional)


def parse_rows(text: str, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[Row]:
    expected = ", ".join(required + optional)
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
                header = [ALIASES.get(f.strip(), f.strip().lower()) or "(空)" for f in fields]
                missing = [c for c in required if c not in header]
                unknown = [c for c in header if c not in required + optional]
                if missing:
                    raise LineErrors([(path, line, BadInput("csv.missing_columns", columns=", ".join(missing),
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
