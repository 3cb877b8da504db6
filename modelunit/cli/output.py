"""Printing results: tables (tabulate, CJK-aware), CSV with a BOM, and JSON."""

from __future__ import annotations

import io
import json
import sys
from decimal import Decimal
from fractions import Fraction

from modelunit.csvio import write_csv
from modelunit.numbers import fmt, r2, to_json_number


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def err(line: str) -> None:
    sys.stderr.write(line.replace("\n", " ") + "\n")


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
    if fmt_name == "json":
        sys.stdout.write(json.dumps(json_value(records or []), ensure_ascii=False, indent=2) + "\n")
    elif fmt_name == "csv":
        buf = io.StringIO()
        write_csv(buf, header, [[cell_text(v) if not isinstance(v, str) else v for v in row] for row in rows])
        sys.stdout.write("\ufeff" + buf.getvalue())
    else:
        from tabulate import tabulate  # loaded only for tables: it is the slowest import of the CLI

        text_rows = [[cell_text(v) for v in row] for row in rows]
        out(tabulate(text_rows, headers=header, tablefmt="simple", disable_numparse=True,
                     colalign=None))
