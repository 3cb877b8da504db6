"""历程: the unit's campaigns, titles and open rectification items across the years (DESIGN §3a)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from modelunit.domain import history, titles
from modelunit.errors import ModelUnitError
from modelunit.i18n import t
from modelunit.numbers import fmt
from modelunit.tui.panes.base import Pane


def _table(headers: list[str], rows: list[list[object]]) -> Table | Text:
    if not rows:
        return Text(t("history.none"), style="dim")
    table = Table(*headers, box=None, header_style="bold", pad_edge=False)
    for row in rows:
        # Text cells: names and notes typed by users are shown as they are, never as markup.
        table.add_row(*(Text("" if v is None else fmt(v) if not isinstance(v, (str, int)) else str(v))
                        for v in row))
    return table


class HistoryPane(Pane):
    def compose(self) -> ComposeResult:
        try:
            h = history.unit_history(self.ctx, self.detail.unit.code)
        except ModelUnitError as err:  # an inspector's view ends at their assignments (DESIGN §1)
            yield Static(Text(err.render()), id="history-denied")
            return
        yield Static(_table(
            [t("col.campaign"), t("col.kind"), t("col.status"), t("col.conclusion"), t("col.total"), t("col.rank"),
             t("col.sampled"), t("col.certificate")],
            [[p.campaign, t(f"kind.{p.kind}"), t(f"status.{p.status}"),
              t(f"conclusion.{p.conclusion}") if p.conclusion else "", p.total, p.rank,
              t("yes") if p.sampled else "", p.certificate or ""] for p in h.campaigns]), id="history-campaigns")
        yield Static(Text(t("history.titles"), style="bold"))
        yield Static(_table(
            [t("col.certificate"), t("col.campaign"), t("col.awarded"), t("col.valid_until"), t("col.status"),
             t("col.note")],
            [[ti["certificate"], ti["campaign"], ti["awarded"], ti["valid_until"], t(f"title.{ti['status']}"),
              t("title.due", due=ti["rectify_due"]) if ti["status"] == titles.RECTIFYING
              else t("title.ban", until=ti["ban_until"]) if ti["status"] == titles.REVOKED else ""]
             for ti in h.titles]), id="history-titles")
        yield Static(Text(t("history.gaps"), style="bold"))
        yield Static(_table(
            [t("col.campaign"), t("col.item"), t("col.problem"), t("col.measure"), t("col.due")],
            [[g["campaign"], g.get("item", ""), g.get("problem", ""), g.get("measure", ""), g.get("due") or ""]
             for g in h.gaps]), id="history-gaps")
