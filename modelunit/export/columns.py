"""A sheet described as columns: each column's header, how its value is read from a record, its format and width."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

R = TypeVar("R")


@dataclass(frozen=True)
class Col(Generic[R]):
    header: str
    value: Callable[[R], Any]
    fmt: str | None = None  # a name in formats.SPECS; None: chosen by the value's type
    width: float | None = None  # a fixed width, the text wrapping inside; None: measured from the content
