"""Score inputs validated as typed, by the domain's own rule (range and step)."""

from __future__ import annotations

import re

from textual.validation import ValidationResult, Validator
from textual.widgets import Input

from modelunit.domain.criteria import CriteriaSet
from modelunit.domain.selfcheck import check_score
from modelunit.errors import BadInput, ModelUnitError
from modelunit.i18n import t
from modelunit.numbers import parse_number, plain


def safe_id(item_id: str) -> str:
    """Textual ids allow letters, digits, - and _ only."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", item_id)


class ScoreValidator(Validator):
    def __init__(self, cs: CriteriaSet, item_id: str, allow_bonus: bool) -> None:
        super().__init__()
        self.cs, self.item_id, self.allow_bonus = cs, item_id, allow_bonus

    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success()
        try:
            check_score(self.cs, self.item_id, value, self.allow_bonus)
        except ModelUnitError as err:
            return self.failure(err.render())
        return self.success()


class NumberValidator(Validator):
    def validate(self, value: str) -> ValidationResult:
        if value.strip() and parse_number(value) is None:
            return self.failure(BadInput("indicator.not_number", value=value.strip()).render())
        return self.success()


class ScoreInput(Input):
    """An input for one item's score; ``item_id`` says which.  The placeholder shows the range and step."""

    def __init__(self, cs: CriteriaSet, item_id: str, value: str, prefix: str, allow_bonus: bool = False,
                 disabled: bool = False) -> None:
        item = cs.item(item_id)
        points = item.points if item is not None else cs.bonus(item_id).points
        super().__init__(value=value, id=f"{prefix}-{safe_id(item_id)}", classes="score",
                         placeholder=t("tui.score_placeholder", points=plain(points), step=plain(cs.scoring.step)),
                         validators=[ScoreValidator(cs, item_id, allow_bonus)], valid_empty=True,
                         disabled=disabled)
        self.item_id = item_id
        self.rule = self.validators[0]

    def check(self, value: str) -> ValidationResult:
        """The domain's verdict on ``value``, without touching the field's look."""
        return self.rule.validate(value)
