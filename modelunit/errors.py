"""Errors raised by the domain layer, carrying a message key instead of text.

The command line and the dashboard render them through :mod:`modelunit.i18n`,
so a rule is written once and shown in the user's language.
"""

from __future__ import annotations


class ModelUnitError(Exception):
    """Base class: ``key`` names a catalogue message, ``params`` fill it in."""

    exit_code = 1

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def render(self) -> str:
        from modelunit.i18n import t

        return t(self.key, **self.params)

    def __str__(self) -> str:  # pragma: no cover - debugging aid
        return self.render()


class Refused(ModelUnitError):
    """A rule, a permission or a wrong password refused the action (exit 1)."""

    exit_code = 1


class BadInput(ModelUnitError):
    """The input itself is wrong: usage, an unreadable file, an unknown name (exit 2)."""

    exit_code = 2


class LineErrors(ModelUnitError):
    """Several problems in one file, each ``(file, line, message)``.

    ``exit_code`` is 2 when any problem is bad input, else 1 (all refusals).
    """

    def __init__(self, problems: list[tuple[str, int, ModelUnitError]]) -> None:
        super().__init__("errors.several", count=len(problems))
        self.problems = problems
        self.exit_code = 2 if any(e.exit_code == 2 for _, _, e in problems) else 1

    def lines(self) -> list[str]:
        from modelunit.i18n import one_line

        return [f"{one_line(path)}:{line}: {' '.join(err.render().split())}" for path, line, err in self.problems]


class ItemErrors(ModelUnitError):
    """Problems with some items of one form (a self-check, a score sheet), each ``(item id, error)``.

    Nothing of the form was stored.  The dashboard marks each named field;
    ``exit_code`` is 2 when any problem is bad input, else 1.
    """

    def __init__(self, problems: list[tuple[str, ModelUnitError]]) -> None:
        super().__init__("errors.several", count=len(problems))
        self.problems = problems
        self.exit_code = 2 if any(e.exit_code == 2 for _, e in problems) else 1

    def lines(self) -> list[str]:
        from modelunit.i18n import t

        return [t("errors.item", item=item, message=err.render()) for item, err in self.problems]

    def render(self) -> str:
        lines = self.lines()
        return lines[0] if len(lines) == 1 else super().render() + "：" + lines[0] + "……"


class Msg:
    """A catalogue message to render later, usable as a parameter of another message."""

    def __init__(self, key: str, /, **params: object) -> None:
        self.key = key
        self.params = params

    def render(self) -> str:
        from modelunit.i18n import t

        return t(self.key, **self.params)
