"""User text shown as itself: Textual parses plain strings as markup (``[/oops]`` would crash a
table, ``[@click=app.quit]`` would plant an action), so every user-typed text passes through here."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content


def plain_text(value: object) -> Content:
    """A label (a choice in a picker, a line) shown exactly as written."""
    return Content(str(value))


def plain_cells(*values: object) -> list[Text]:
    """A table row's cells, every one shown as plain text."""
    return [Text(str(v)) for v in values]
