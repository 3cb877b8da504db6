"""Exact numbers: parsing user input and rounding half up to 2 decimals.

All arithmetic runs on :class:`fractions.Fraction`; a figure becomes a
:class:`decimal.Decimal` with two places only when it is shown, compared or
ranked (DESIGN §4).  Binary floats never enter a computation.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

_NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
TWO_PLACES = Decimal("0.01")


def parse_number(text: object) -> Fraction | None:
    """Parse a plain decimal number ("3", "3.5", "-1") exactly; None if it is not one.

    Exponents, NaN, infinities and thousands separators are rejected: a score
    sheet never needs them and they hide typing mistakes.
    """
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return Fraction(text)
    if isinstance(text, float):
        # YAML gives floats; their shortest repr is what the user typed.
        if text != text or text in (float("inf"), float("-inf")):
            return None
        text = repr(text)
        if "e" in text or "E" in text:
            return Fraction(Decimal(text))
    if isinstance(text, Decimal):
        return Fraction(text) if text.is_finite() else None
    if not isinstance(text, str):
        return None
    # Full-width digits typed with a Chinese input method ("３．５") mean what they show.
    s = unicodedata.normalize("NFKC", text).strip()
    if len(s) > 40 or not _NUMBER.match(s):
        return None
    return Fraction(Decimal(s))


def r2(value: Fraction | Decimal | int) -> Decimal:
    """Round half up to 2 decimals (3.145 → 3.15, -0.005 → -0.01)."""
    if isinstance(value, Decimal):
        return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    q = Fraction(value)
    if 100 % q.denominator == 0:  # already exact to the cent: no rounding needed
        return (Decimal(q.numerator * (100 // q.denominator)) / 100).quantize(TWO_PLACES)
    sign = -1 if q < 0 else 1
    scaled = abs(q) * 100
    whole = scaled.numerator // scaled.denominator
    if (scaled - whole) * 2 >= 1:
        whole += 1
    return (Decimal(sign * whole) / 100).quantize(TWO_PLACES)


def is_multiple(value: Fraction, step: Fraction) -> bool:
    """True when ``value`` is a whole multiple of ``step``."""
    return (value / step).denominator == 1


def fmt(value: Fraction | Decimal | int | None) -> str:
    """A figure as shown to a user: rounded, without trailing zeros beyond 2 places."""
    if value is None:
        return ""
    d = value if isinstance(value, Decimal) else r2(value)
    return f"{d:.2f}"


def plain(value: Fraction) -> str:
    """An exact stored value as text ("3.5", "4"): used for scores, which are multiples of step."""
    d = Decimal(value.numerator) / Decimal(value.denominator)
    s = format(d.normalize(), "f")
    return s


def to_json_number(value: Decimal) -> int | float:
    """A rounded Decimal as a JSON number (2 decimals survive float repr exactly as text)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)
