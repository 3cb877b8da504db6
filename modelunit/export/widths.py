"""Column widths for CJK text: a wide character takes two columns in Excel as in a terminal."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


class ColumnWidths:
    """Tracks the widest cell of each column of a sheet, within sensible bounds."""

    def __init__(self, minimum: int = 6, maximum: int = 60) -> None:
        self.minimum, self.maximum = minimum, maximum
        self.widths: dict[int, int] = {}

    def see(self, col: int, value: object) -> None:
        text = "" if value is None else str(value)
        longest = max((display_width(line) for line in text.splitlines() or [""]), default=0)
        self.widths[col] = max(self.widths.get(col, 0), longest)

    def apply(self, ws) -> None:
        for col, width in self.widths.items():
            ws.set_column(col, col, min(self.maximum, max(self.minimum, width + 2)))
