"""The five stages as a pipeline: which one is open, its deadline, how many units are at each,
and, counted apart, the units out of the running (未申报, 未入选, 已撤销)."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from modelunit.domain.models import Stage, Status
from modelunit.domain.views import Dashboard
from modelunit.i18n import t

MARKS = "①②③④⑤"
GAP = "   "


def stages_text(board: Dashboard) -> Text:
    text = Text()
    current = board.campaign.stage
    stages = board.campaign.stages
    for i, stage in enumerate(stages):
        if i:
            text.append(" → ", style="dim")
        label = f"{MARKS[i]} {t(f'stage.{stage}')} ({board.stage_counts.get(stage, 0)})"
        if stage == current:
            text.append(f" {label} ", style="bold reverse")
            if board.due is not None:
                key = "tui.due_workdays" if stage == Stage.PUBLICITY else "tui.due"
                days = board.days_left or 0
                if days < 0:
                    key, days = "tui.overdue", -days
                text.append(" " + t(key, date=board.due.isoformat(), days=days), style="bold")
        else:
            text.append(label, style="" if i < stages.index(Stage(current)) else "dim")
    return text


def out_text(board: Dashboard) -> Text:
    """未申报 (never applied) apart from the units out after applying (未入选, 取消拟命名资格, 已撤销命名)."""
    never = board.out_counts.get(Status.NOT_NOMINATED, 0)
    after = {status: count for status, count in board.out_counts.items() if count and status != Status.NOT_NOMINATED}
    parts = [f"{t('status.not_nominated')} {never}"] if never else []
    if after:
        parts.append(t("tui.out_after", count=sum(after.values()),
                       parts="　".join(f"{t(f'status.{status}')} {count}" for status, count in after.items())))
    return Text("　│　".join(parts), style="dim")


def pipeline_text(board: Dashboard, width: int | None = None) -> Text:
    """The stages, then the counts of units out of the running: on the same line where
    ``width`` leaves room, else on a second line (never cut off at the right edge)."""
    stages, out = stages_text(board), out_text(board)
    if not out:
        return stages
    fits = width is None or stages.cell_len + len(GAP) + out.cell_len <= width
    return Text.assemble(stages, GAP if fits else "\n", out)


class StagePipeline(Widget):
    """Rendered from a :class:`~modelunit.domain.views.Dashboard`; one line, or two on a narrow terminal."""

    DEFAULT_CSS = "StagePipeline { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.board: Dashboard | None = None

    def show(self, board: Dashboard) -> None:
        self.board = board
        self.refresh(layout=True)

    def render(self) -> Text:
        return pipeline_text(self.board, self.content_size.width) if self.board else Text()

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(pipeline_text(self.board, width).plain.splitlines()) if self.board else 1
