"""The spreadsheet look shared by the workbook and the blank score sheets: cell formats and the A4 page.

Fonts are the ones official documents use (宋体 for text, 黑体 for titles).  Body text is
10 pt, so a page printed at no less than 80 % still reads at 8 pt (see :func:`print_scale`).
"""

from __future__ import annotations

from typing import Any

BODY_PT = 10
MIN_PRINT_PT = 8  # issue 15: nothing printed smaller than this

_BASE = {"font_name": "宋体", "font_size": BODY_PT, "valign": "vcenter", "border": 1}
_QUOTA_RULE = {"bottom": 5, "bottom_color": "#C00000"}  # the red rule under the last unit within a quota

SPECS: dict[str, dict[str, Any]] = {
    "text": _BASE,
    "wrap": {**_BASE, "text_wrap": True},
    "num": {**_BASE, "num_format": "0.00"},
    "num1": {**_BASE, "num_format": "0.0", "align": "center"},
    "int": {**_BASE, "num_format": "0"},
    "pct": {**_BASE, "num_format": "0.0%"},
    "head": {**_BASE, "bold": True, "bg_color": "#D9E1F2", "align": "center", "text_wrap": True},
    "title": {"font_name": "黑体", "font_size": 16, "bold": True, "align": "center", "valign": "vcenter",
              "text_wrap": True},
    "sheet_title": {"font_name": "黑体", "font_size": 15, "bold": True, "align": "center"},
    "subtitle": {"font_name": "宋体", "font_size": 11, "align": "center", "text_wrap": True, "valign": "vcenter"},
    "line": {"font_name": "宋体", "font_size": 11},
    "body": {"font_name": "宋体", "font_size": 12, "text_wrap": True, "valign": "top"},
    "note": {"font_name": "宋体", "font_size": BODY_PT, "italic": True},
    "closing": {"font_name": "宋体", "font_size": 11, "align": "right"},
    "closing_note": {"font_name": "宋体", "font_size": 11, "align": "left", "valign": "top", "text_wrap": True},
    # The 命名决定, a document: 黑体 title, 宋体 12 pt body, the list in light rules.
    "doc_title": {"font_name": "黑体", "font_size": 18, "bold": True, "align": "center", "valign": "vcenter",
                  "text_wrap": True},
    "doc_ref": {"font_name": "宋体", "font_size": 12, "align": "center", "valign": "vcenter"},
    "doc_body": {"font_name": "宋体", "font_size": 12, "text_wrap": True, "valign": "top"},
    "doc_group": {"font_name": "黑体", "font_size": 12, "valign": "vcenter"},
    "doc_cell": {**_BASE, "font_size": 12, "text_wrap": True},
    "doc_cell_c": {**_BASE, "font_size": 12, "align": "center"},
    "doc_sign": {"font_name": "宋体", "font_size": 12, "align": "right", "valign": "vcenter"},
    "num_star": {**_BASE, "num_format": '0.00"*"'},
    "good": {"bg_color": "#E2EFDA"},
    "bad": {"bg_color": "#FCE4D6", "font_color": "#9C0006"},
    "grey": {"font_color": "#808080"},
    "below": {"font_color": "#C00000", "bold": True},
    "text_q": {**_BASE, **_QUOTA_RULE},
    "num_q": {**_BASE, "num_format": "0.00", **_QUOTA_RULE},
    "int_q": {**_BASE, "num_format": "0", **_QUOTA_RULE},
}

# Workbook options for every file we write: text from users is never a formula, link or number.
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}

A4 = 9
A4_MM = (210, 297)
MARGIN_IN = 0.5  # left and right
TOP_BOTTOM_IN = 0.8
PORTRAIT_BODY_PX = int((A4_MM[1] / 25.4 - 2 * TOP_BOTTOM_IN) * 96) - 100  # less the page header and footer
# Excel's column width unit is one '0' of the default 11 pt Calibri: about 7 px at 96 dpi,
# plus 5 px of padding, i.e. (7w + 5) / 96 inch.
_PX_PER_IN = 96


class Formats(dict):
    """The formats of one workbook, created on first use (XlsxWriter writes every format it was given)."""

    def __init__(self, wb) -> None:
        super().__init__()
        self.wb = wb

    def __missing__(self, name: str):
        fmt = self.wb.add_format(SPECS[name])
        self[name] = fmt
        return fmt


def column_px(width: float) -> float:
    return 7 * width + 5 if width > 0 else 0.0


def page_units(landscape: bool) -> float:
    """The width across an A4 page inside the margins, in column width units (7 px)."""
    return ((A4_MM[1] if landscape else A4_MM[0]) / 25.4 - 2 * MARGIN_IN) * _PX_PER_IN / 7


def print_scale(widths: list[float], landscape: bool) -> float:
    """The scale a 1-page-wide fit gives columns of these widths on A4 (1.0 when they fit)."""
    needed = sum(column_px(w) for w in widths) / 7
    return min(1.0, page_units(landscape) / needed) if needed else 1.0


def page_setup(ws, *, landscape: bool, header: str, footer: str, header_row: int | None = None,
               fit_width: bool = True, repeat_cols: tuple[int, int] | None = None) -> None:
    """A4 with the office's margins, a page header and footer, the header row repeated on each page.

    ``fit_width`` squeezes the sheet to one page wide: the caller decides it only where the
    result stays at or above :data:`MIN_PRINT_PT`; otherwise the sheet runs over several pages
    with ``repeat_cols`` (the key columns) repeated on the left of each.
    """
    ws.set_paper(A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=MARGIN_IN, right=MARGIN_IN, top=TOP_BOTTOM_IN, bottom=TOP_BOTTOM_IN)
    if header_row is not None:
        ws.repeat_rows(header_row)
    if repeat_cols is not None:
        ws.repeat_columns(*repeat_cols)
    if fit_width:
        ws.fit_to_pages(1, 0)
    ws.set_header(header)
    ws.set_footer(footer)


def header_text(text: str) -> str:
    """Text for a page header or footer: a literal '&' is doubled, and Excel's limit kept."""
    return text.replace("&", "&&")[:120]
