"""The ranking with the pass line and quota line drawn, vetoed and incomplete units marked,
per-criterion averages as bars and each unit's self-vs-inspected difference."""

from __future__ import annotations

from fractions import Fraction

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Header, Static

from modelunit.domain import standings
from modelunit.domain.records import criteria_of
from modelunit.errors import ModelUnitError
from modelunit.i18n import t
from modelunit.numbers import fmt, plain, r2
from modelunit.tui import actions
from modelunit.tui.actions import TALLY, ActionScreen

BAR_WIDTH = 30


class TallyScreen(ActionScreen):
    SCREEN = TALLY
    BINDINGS = actions.bindings(TALLY)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="tally-info")
        yield DataTable(id="tally", cursor_type="row", zebra_stripes=True)
        yield Static(t("tally.rounding"), id="tally-rounding")
        yield Static(t("tui.averages"), classes="section")
        yield Static("", id="bars")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        try:
            campaign, tally = standings.view_tally(self.app.ctx)
        except ModelUnitError as err:
            self.query_one("#tally-info", Static).update(Text(err.render()))
            return
        cs = criteria_of(campaign)
        quota = campaign.quota
        info = t("tui.pass_quota", pass_line=plain(cs.scoring.pass_line), quota=standings.quota_text(campaign))
        for line in standings.tie_lines(tally):
            info += "　" + line
        self.query_one("#tally-info", Static).update(Text(info))
        table = self.query_one("#tally", DataTable)
        for label in [t("col.rank"), t("col.code"), t("col.name")] + [c.id for c in cs.criteria] + [
                t("col.measures"), t("col.effects"), t("col.bonus"), t("col.total"), t("tui.self_diff"),
                t("col.conclusion")]:
            table.add_column(Text(label))  # criterion ids come from the criteria file: not markup
        pass_line = r2(cs.scoring.pass_line)
        drawn_quota = drawn_pass = False
        # The quota line falls under the last unit given a place (per-type quotas have no single line).
        placed = [i for i, r in enumerate(tally.rows) if r.candidate]
        quota_line_at = placed[-1] + 1 if quota and placed else None
        for i, r in enumerate(tally.rows):
            if quota_line_at is not None and not drawn_quota and i >= quota_line_at:
                table.add_row("", Text(t("tui.quota_line"), style="bold red"), key="quota-line")
                drawn_quota = True
            if not drawn_pass and (not r.complete or r.total < pass_line):
                table.add_row("", Text(t("tui.pass_line", pass_line=plain(cs.scoring.pass_line)), style="bold yellow"),
                              key="pass-line")
                drawn_pass = True
            style = "dim" if not r.complete else ("red" if r.vetoed else ("green" if r.candidate else ""))
            diff = fmt(r.self_total - r.total) if r.self_total is not None and r.complete else ""
            cells = [str(r.rank or ""), r.code, r.name] + [fmt(r.criteria[c.id]) for c in cs.criteria] + [
                fmt(r.measures), fmt(r.effects), fmt(r.bonus), fmt(r.total), diff,
                standings.conclusion_text(r)]
            table.add_row(*[Text(c, style=style) for c in cells], key=r.code)
        complete = [r for r in tally.rows if r.complete]
        lines = Text()
        for c in cs.criteria:
            avg = sum((Fraction(r.criteria[c.id]) for r in complete), Fraction(0)) / len(complete) if complete else 0
            filled = int(BAR_WIDTH * avg / c.points) if c.points else 0
            lines.append(f"{c.id:>4} ", style="bold")
            lines.append("█" * filled, style="green")
            lines.append("░" * (BAR_WIDTH - filled), style="dim")
            lines.append(f" {fmt(Fraction(avg))} / {plain(c.points)}  {c.title}\n")
        self.query_one("#bars", Static).update(lines)
