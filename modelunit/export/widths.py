"""Column widths for CJK text: a wide character takes two columns in Excel as in a terminal."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

SAMPLE_ROWS = 400  # widths are measured on the first rows; a column's content is alike below


@lru_cache(maxsize=65536)
def display_width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


class ColumnWidths:
    """Tracks the widest cell of each column of a sheet, within sensible bounds.

    A header is not measured like content: it may wrap (at a point Chinese typography
    allows, see :func:`header_width`) rather than widen its column to its full length.
    """

    def __init__(self, minimum: int = 6, maximum: int = 60) -> None:
        self.minimum, self.maximum = minimum, maximum
        self.widths: dict[int, int] = {}
        self.fixed: dict[int, float] = {}
        self.headers: dict[int, str] = {}

    def fix(self, col: int, width: float) -> None:
        """A width chosen by the sheet (e.g. a wrapped text column) that measuring must not undo."""
        self.fixed[col] = width

    def see(self, col: int, value: object) -> None:
        text = "" if value is None else str(value)
        longest = max((display_width(line) for line in text.splitlines() or [""]), default=0)
        self.widths[col] = max(self.widths.get(col, 0), longest)

    def header(self, col: int, text: str) -> None:
        self.headers[col] = text

    def final(self) -> dict[int, float]:
        out: dict[int, float] = {}
        for col in sorted(set(self.widths) | set(self.headers) | set(self.fixed)):
            if col in self.fixed:
                out[col] = self.fixed[col]
                continue
            width = float(min(self.maximum, max(self.minimum, self.widths.get(col, 0) + 2)))
            if col in self.headers:
                width = max(width, header_width(self.headers[col], width))
            out[col] = width
        return out

    def header_lines(self, widths: dict[int, float]) -> int:
        return max((len(wrap(text, line_capacity(widths[col]))) for col, text in self.headers.items()), default=1)

    def apply(self, ws) -> dict[int, float]:
        widths = self.final()
        for col, width in widths.items():
            ws.set_column(col, col, width)
        return widths


# Chinese typography (禁则): no line may begin with closing punctuation or end with an opening one.
NO_LINE_START = set("，、。．：；！？）》」』】〕〉”’…—·%,.:;!?)]}")
NO_LINE_END = set("（《「『【〔〈“‘([{")
_CJK_UNITS_PER_PT = 96 / 72 / 2  # one display unit is half a CJK character of the font size, in px per pt


def line_capacity(width: float, font_pt: float = 10) -> int:
    """Display units that fit on one line of a cell ``width`` Excel units wide (7 px a unit + 5 px, less padding)."""
    return max(1, int((7 * width + 1) / (font_pt * _CJK_UNITS_PER_PT)))


def wrap(text: str, capacity: int) -> list[str]:
    """Lines as a renderer that breaks between any two characters would draw them."""
    lines: list[str] = []
    for part in text.split("\n"):
        line, used = "", 0
        for ch in part:
            w = display_width(ch)
            if line and used + w > capacity:
                lines.append(line)
                line, used = "", 0
            line, used = line + ch, used + w
        lines.append(line)
    return lines


def breaks_well(lines: list[str]) -> bool:
    return (all(line[:1] not in NO_LINE_START for line in lines[1:])
            and all(line[-1:] not in NO_LINE_END for line in lines[:-1]))


def header_width(text: str, minimum: float, shortest_line: int = 8, lines: int = 2, font_pt: float = 10) -> float:
    """The narrowest width from ``minimum`` at which the header ``text`` wraps well.

    At most ``lines`` lines of at least ``shortest_line`` display units (4 Chinese characters:
    a short header stays on one line), and no line breaks a typography rule, whether the
    program that prints it fits as many characters on a line as Excel with 宋体 does or one or
    two more (LibreOffice with a substitute font fits more).
    """
    longest = max(display_width(part) for part in text.split("\n"))
    need = min(longest, max(shortest_line, -(-longest // lines)))
    width = minimum
    while True:
        capacity = line_capacity(width, font_pt)
        if capacity > longest or (capacity >= need and all(
                breaks_well(wrap(text, capacity + extra)) for extra in (0, 2, 4))):
            return width
        width += 1
