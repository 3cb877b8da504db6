"""The workbook's page machinery: a worksheet with typed cell writing, CJK-aware widths and the office's
A4 page setup, and the title block and 落款 of a printed list.

Shared by the campaign workbook (:mod:`modelunit.export.workbook`), its documents
(:mod:`modelunit.export.documents`, :mod:`modelunit.export.notes`) and the reminder list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import xlsxwriter

from modelunit.export import formats
from modelunit.export.columns import Col
from modelunit.export.labels import type_name, yes_no, zh
from modelunit.export.report import Report
from modelunit.export.widths import SAMPLE_ROWS, ColumnWidths, display_width, line_capacity
from modelunit.numbers import r2

LINE_PT = 13.5  # the height of one line of 10 pt text


class Sheet:
    """A worksheet with typed cell writing, CJK-aware column widths and the office's page setup."""

    def __init__(self, book: Book, name: str) -> None:
        self.book = book
        self.ws = book.wb.add_worksheet(name)
        self.title = zh("wb.sheet_title", campaign=book.report.campaign.title, sheet=name)
        self.widths = ColumnWidths()
        self.header_row: int | None = None
        self.last_col = 0

    def cell(self, row: int, col: int, value: object, fmt: str | None = None) -> None:
        ws, f = self.ws, self.book.f
        measure = row < SAMPLE_ROWS
        if value is None or value == "":
            ws.write_blank(row, col, None, f[fmt or "text"])
            return
        if isinstance(value, str):
            ws.write_string(row, col, value, f[fmt or "text"])
            if measure:
                self.widths.see(col, value)
            return
        if isinstance(value, bool):
            self.cell(row, col, yes_no(value), fmt)
            return
        if isinstance(value, (Decimal, Fraction, float)):
            rounded = r2(value) if not isinstance(value, float) else value
            ws.write_number(row, col, float(rounded), f[fmt or "num"])
            if measure:
                self.widths.see(col, f"{rounded:.2f}")
            return
        if isinstance(value, int):
            ws.write_number(row, col, value, f[fmt or "int"])
            if measure:
                self.widths.see(col, str(value))
            return
        self.cell(row, col, str(value), fmt)

    def table(self, row0: int, cols: Sequence[Col[Any]], records: Iterable[Any],
              fmt_of: Callable[[Any, object, str | None], str | None] | None = None) -> int:
        """Write the header at ``row0`` and a row per record below; returns the row after the last."""
        self.header_row = row0
        self.last_col = max(self.last_col, len(cols) - 1)
        for col, spec in enumerate(cols):
            self.ws.write_string(row0, col, spec.header, self.book.f["head"])
            self.widths.header(col, spec.header)
            if spec.width is not None:
                self.widths.fix(col, spec.width)
        row = row0 + 1
        for record in records:
            lines = 1
            for col, spec in enumerate(cols):
                value = spec.value(record)
                fmt = fmt_of(record, value, spec.fmt) if fmt_of else spec.fmt
                self.cell(row, col, value, fmt)
                if spec.width is not None and isinstance(value, str):
                    lines = max(lines, line_count(value, spec.width))
            if lines > 1:
                self.ws.set_row(row, LINE_PT * lines + 2)
            row += 1
        return row

    def note_rows(self, row: int, lines: list[str], fmt: str = "closing_note") -> int:
        """Full-width wrapped lines under a table (inside the print area); returns the row after them."""
        widths = self.widths.final()
        page = sum(widths.get(c, 8.43) for c in range(self.last_col + 1))
        for text in lines:
            if self.last_col:
                self.ws.merge_range(row, 0, row, self.last_col, text, self.book.f[fmt])
            else:
                self.ws.write_string(row, 0, text, self.book.f[fmt])
            self.ws.set_row(row, LINE_PT * line_count(text, page, font_pt=11) + 4)
            row += 1
        return row

    def finish(self, landscape: bool, key_cols: int = 0, header_note: str = "", repeat_header: bool = True,
               fill_col: int | None = None) -> None:
        """Widths, page setup and print area.  ``key_cols`` columns repeat on each page of a wide sheet;
        ``fill_col`` widens to fill the page across (a list with its title and closing lines)."""
        ws = self.ws
        if fill_col is not None:
            widths = self.widths.final()
            spare = formats.page_units(landscape) - sum(formats.column_px(widths.get(c, 8.43)) / 7
                                                       for c in range(self.last_col + 1))
            if spare > 0:
                self.widths.fix(fill_col, widths.get(fill_col, 8.43) + int(spare))
        widths = self.widths.apply(ws)
        if self.header_row is not None and self.widths.headers:
            ws.set_row(self.header_row, LINE_PT * self.widths.header_lines(widths) + 4)
        span = [widths.get(c, 8.43) for c in range(self.last_col + 1)]
        fits = formats.print_scale(span, landscape) * formats.BODY_PT >= formats.MIN_PRINT_PT
        drill = self.book.report.drill
        head = formats.header_text(f"{self.book.drill_mark}{self.title}　{header_note}".strip())
        # A space after the size code: "&11" followed by "2026年…" would read as size 112026.
        footer = (f"&L{formats.header_text(zh('wb.footer.audit', hash=self.book.report.audit_head[:16]))}"
                  + (f"&C{zh('wb.drill_footer')}" if drill else "") + f"&R{zh('wb.footer.page')}")
        formats.page_setup(ws, landscape=landscape, header=f'&C&"黑体,Bold"&11 {head}', footer=footer,
                           header_row=self.header_row if repeat_header else None, fit_width=fits,
                           repeat_cols=(0, key_cols - 1) if key_cols and not fits else None)
        ws.print_area(0, 0, max(self.header_row or 0, ws.dim_rowmax or 0),
                      max(self.last_col, ws.dim_colmax or 0))


def line_count(text: str, width: float, font_pt: float = formats.BODY_PT) -> int:
    """Lines ``text`` takes wrapped in a column ``width`` units wide (rather one too many than text cut off)."""
    capacity = max(1, line_capacity(width, font_pt) - 2)
    return sum(max(1, -(-display_width(part) // capacity)) for part in (text or "").split("\n"))


class Book:
    def __init__(self, path: str, report: Report) -> None:
        self.report = report
        self.wb = xlsxwriter.Workbook(path, {**formats.WORKBOOK_OPTIONS, "constant_memory": False})
        # A drill's every title, page header and footer says so (DESIGN §6).
        self.drill_mark = zh("wb.drill") if report.drill else ""
        self.wb.set_properties({"title": self.drill_mark + report.campaign.title, "subject": zh("wb.subject"),
                                "comments": f"audit {report.audit_head}"})
        self.f = formats.Formats(self.wb)

    def sheet(self, name: str) -> Sheet:
        return Sheet(self, name)


def title_block(book: Book, sh: Sheet, title: str, lines: list[str], width: int) -> int:
    """The list's title and subtitle lines over a portrait page (the title wraps rather than runs off)."""
    title = book.drill_mark + title
    sh.ws.merge_range(0, 0, 0, width - 1, title, book.f["title"])
    sh.ws.set_row(0, 24 * line_count(title, formats.page_units(False), font_pt=16) + 8)
    for i, line in enumerate(lines, start=1):
        sh.ws.merge_range(i, 0, i, width - 1, line, book.f["subtitle"])
    return len(lines) + 2  # one empty row before the header


def campaign_lines(rep: Report) -> list[str]:
    c = rep.campaign
    parts = [p for p in (c.issuer, c.approval_ref) if p]
    return ["　".join(parts)] if parts else []


def closing(book: Book, sh: Sheet, row: int, lines: list[str], notes: Sequence[str] = ()) -> int:
    """Notes (wrapped, full width) and the 落款 lines under a printed list, one empty row below it."""
    row = sh.note_rows(row + 1, list(notes)) if notes else row + 1
    row += 1 if notes else 0
    for line in lines:
        sh.ws.merge_range(row, 0, row, sh.last_col, line, book.f["closing"])
        row += 1
    return row


def type_of(rep: Report, code: str) -> str:
    unit = rep.units.get(code)
    return type_name(unit.type) if unit else ""
