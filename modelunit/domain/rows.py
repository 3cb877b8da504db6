"""Helpers for all-or-nothing bulk imports: collect every row's problem, then apply or refuse."""

from __future__ import annotations

from fractions import Fraction

from modelunit.errors import LineErrors, ModelUnitError

Row = tuple[int, dict[str, str]]  # (line number in the file, column → text)


class RowProblems:
    """Problems found in an imported file; :meth:`raise_if_any` refuses the whole file."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.items: list[tuple[str, int, ModelUnitError]] = []

    def add(self, line: int, err: ModelUnitError) -> None:
        self.items.append((self.label, line, err))

    def raise_if_any(self) -> None:
        if self.items:
            raise LineErrors(self.items)


def cell(row: dict[str, str], key: str) -> str:
    value = row.get(key)
    return value.strip() if isinstance(value, str) else ""


def fmt_fraction(value: Fraction) -> str:
    from modelunit.numbers import plain

    return plain(value)
