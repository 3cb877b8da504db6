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
    """Tracks the widest cell of each column of a sheet, within sensible bounds."""

    def __init__(self, minimum: int = 6, maximum: int = 60) -> None:
        self.minimum, self.maximum = minimum, maximum
        self.widths: dict[int, int] = {}
        self.fixed: dict[int, float] = {}

    def fix(self, col: int, width: float) -> None:
        """A width chosen by the sheet (e.g. a wrapped text column) that measuring must not undo."""
        self.fixed[col] = width

    def see(self, col: int, value: object) -> None:
        text = "" if value is None else str(value)
        longest = max((display_width(line) for line in text.splitlines() or [""]), default=0)
        self.widths[col] = max(self.widths.get(col, 0), longest)

    def apply(self, ws) -> None:
        for col, width in self.widths.items():
            if col not in self.fixed:
                ws.set_column(col, col, min(self.maximum, max(self.minimum, width + 2)))
        for col, width in self.fixed.items():
            ws.set_column(col, col, width)
