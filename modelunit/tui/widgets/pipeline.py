"""The five stages as a pipeline: which one is open, its deadline, how many units are at each."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from modelunit.domain.models import STAGES
from modelunit.domain.views import Dashboard
from modelunit.i18n import t

MARKS = "①②③④⑤"


def pipeline_text(board: Dashboard) -> Text:
    text = Text()
    current = board.campaign.stage
    for i, stage in enumerate(STAGES):
        if i:
            text.append(" → ", style="dim")
        label = f"{MARKS[i]} {t(f'stage.{stage}')} ({board.stage_counts.get(stage, 0)})"
        if stage == current:
            text.append(f" {label} ", style="bold reverse")
            if board.due is not None:
                key = "tui.due_workdays" if stage == "publicity" else "tui.due"
                days = board.days_left or 0
                if days < 0:
                    key, days = "tui.overdue", -days
                text.append(" " + t(key, date=board.due.isoformat(), days=days), style="bold")
        else:
            text.append(label, style="" if STAGES.index(stage) < STAGES.index(current) else "dim")
    text.append("   " + t("tui.out", count=board.out_count), style="dim")
    return text


class StagePipeline(Static):
    """Rendered from a :class:`~modelunit.domain.views.Dashboard`."""

    def show(self, board: Dashboard) -> None:
        self.update(pipeline_text(board))
