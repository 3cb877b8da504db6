"""Printing results: tables (tabulate, CJK-aware), CSV with a BOM, and JSON.

A drill database's printout opens with a line that says so (:func:`mark_drill`).
User text is data, never an instruction to whoever reads the output: a table
or line printed to a terminal carries no control character, escape sequence
or bidirectional override from it, JSON escapes them, and a CSV cell that
Excel would run as a formula (``= + - @``, tab, CR) is prefixed with ``'``.
"""

from __future__ import annotations

import io
import json
import re
import sys
import unicodedata
from decimal import Decimal
from fractions import Fraction

from modelunit.csvio import write_csv
from modelunit.numbers import fmt, r2, to_json_number

# ESC/CSI sequences (colours, cursor moves), OSC (window titles, hyperlinks) and the C1 CSI.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]")
# Bidirectional embeddings, overrides and isolates, and the marks that reorder what follows.
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def clean(text: str) -> str:
    """Text safe for a terminal: escape sequences removed, other controls and bidi marks dropped."""
    if text.isprintable():
        return text
    text = _ESCAPES.sub("", text)
    return "".join(" " if ch in "\t\n\r\u2028\u2029\x85" else "" if unicodedata.category(ch) == "Cc" or ch in BIDI
                   else ch for ch in text)


def csv_cell(value: str) -> str:
    """A cell Excel will not run as a formula (numbers such as -1.5 stay numbers)."""
    if value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


_JSON_RAW = re.compile("[\x7f-\x9f" + "".join(sorted(BIDI)) + "]")


def _json_safe(text: str) -> str:
    # json.dumps escapes C0 controls but leaves C1 controls and bidi marks raw: escape them too.
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# The line a drill database's report opens with (DESIGN §6: every printout says 演练); set by
# mark_drill for the commands that print a table, CSV or JSON listing, printed once before the
# first output: on stdout before text and tables, on stderr before JSON and CSV, so that what a
# program reads from stdout stays valid JSON or CSV.  Messages ("已提交…", ids) are not marked.
_drill_line: str | None = None


def mark_drill(line: str | None) -> None:
    global _drill_line
    _drill_line = line


def _drill_first(stream) -> None:
    global _drill_line
    if _drill_line is not None:
        stream.write(_drill_line + "\n")
        _drill_line = None


def out(text: str = "") -> None:
    _drill_first(sys.stdout)
    sys.stdout.write("\n".join(clean(line) for line in text.split("\n")) + "\n")


def out_json(value: object) -> None:
    """One JSON document, indented (a drill's mark goes to stderr: stdout stays valid JSON)."""
    _drill_first(sys.stderr)
    sys.stdout.write(_json_safe(json.dumps(json_value(value), ensure_ascii=False, indent=2)) + "\n")


def err(line: str) -> None:
    sys.stderr.write(clean(line.replace("\n", " ")) + "\n")


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        from modelunit.i18n import t

        return t("yes") if value else t("no")
    if isinstance(value, (Decimal, Fraction)):
        return fmt(value)
    return str(value)


def json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return to_json_number(value)
    if isinstance(value, Fraction):
        return to_json_number(r2(value))
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return value


def emit(fmt_name: str, header: list[str], rows: list[list[object]], records: list[dict] | None = None,
         align_numbers: bool = True) -> None:
    """Print rows as a table, as CSV (UTF-8 with BOM) or as JSON ``records``."""
    if fmt_name in ("json", "csv"):
        _drill_first(sys.stderr)
    if fmt_name == "json":
        # One element a line: readable, and json's C encoder does it (indent= would use the slow
        # pure-Python one, a tenth of a second on a province's tally).
        items = [json.dumps(item, ensure_ascii=False) for item in json_value(records or [])]
        sys.stdout.write(_json_safe("[\n" + ",\n".join(items) + "\n]") + "\n" if items else "[]\n")
    elif fmt_name == "csv":
        buf = io.StringIO()
        write_csv(buf, [csv_cell(h) for h in header],
                  [[csv_cell(cell_text(v)) for v in row] for row in rows])
        sys.stdout.write("\ufeff" + buf.getvalue())
    else:
        from tabulate import tabulate  # loaded only for tables: it is the slowest import of the CLI

        text_rows = [[clean(cell_text(v)) for v in row] for row in rows]
        out(tabulate(text_rows, headers=header, tablefmt="simple", disable_numparse=True,
                     colalign=None))
