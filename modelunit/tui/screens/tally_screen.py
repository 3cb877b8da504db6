"""The ranking with the pass line and quota line drawn, vetoed and incomplete units marked,
per-criterion averages as bars and each unit's self-vs-inspected difference.

Rank, code, name, 总分 and 结论 are pinned on the left, so that a unit's result is read
without scrolling; the criterion columns scroll beside them.  The pass and quota lines are
rules across the whole table, not rows of a column: the table has no cell padding, every
cell carries its own, so a rule is unbroken from edge to edge.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Header, Static

from modelunit.domain import standings
from modelunit.domain.records import criteria_of
from modelunit.domain.tally import TallyRow
from modelunit.errors import ModelUnitError
from modelunit.export.report import criterion_averages
from modelunit.i18n import t
from modelunit.numbers import fmt, plain, r2
from modelunit.tui import actions
from modelunit.tui.actions import TALLY, ActionScreen
from modelunit.tui.widgets.keys_footer import KeysFooter

BAR_WIDTH = 30
PINNED = 5  # rank, code, name, total, conclusion
NAME_MAX, CONCLUSION_MAX = 28, 40  # cells: a longer name or reason ends in "…"
RULES = ("quota-line", "pass-line")


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, ending in "…" when it was longer."""
    if cell_len(text) <= width:
        return text
    out = Text(text)
    out.truncate(width, overflow="ellipsis")
    return out.plain


def split_cells(line: str, widths: list[int]) -> list[str]:
    """``line`` cut into pieces of ``widths`` cells.  A wide character that would straddle two
    columns starts the next one (the piece before it ends in a space)."""
    pieces, i = [], 0
    for width in widths:
        used, start = 0, i
        while i < len(line) and used + cell_len(line[i]) <= width:
            used += cell_len(line[i])
            i += 1
        pieces.append(line[start:i] + " " * (width - used))
    return pieces


def rule_line(label: str, widths: list[int]) -> str:
    """A rule as wide as the table with ``label`` near its start, placed so that no wide
    character of the label straddles two columns (which would open a gap in it)."""
    total = sum(widths)
    line = ""
    for lead in range(widths[0], widths[0] + 4):
        line = f"{'─' * lead} {label} "
        line += "─" * max(0, total - cell_len(line))
        if "".join(split_cells(line, widths)) == line:
            break
    return line


class TallyScreen(ActionScreen):
    SCREEN = TALLY
    BINDINGS = actions.bindings(TALLY)

    def __init__(self) -> None:
        super().__init__()
        self._last_row = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="tally-info")
        yield DataTable(id="tally", cursor_type="row", zebra_stripes=True, cell_padding=0,
                        fixed_columns=PINNED)
        yield Static(t("tally.rounding"), id="tally-rounding")
        yield Static(t("tui.averages"), classes="section")
        yield Static("", id="bars")
        yield KeysFooter()

    def on_mount(self) -> None:
        # Messages raised on the screen below were read there; they would sit over the chart.
        self.app.clear_notifications()
        try:
            campaign, tally = standings.view_tally(self.app.ctx)
        except ModelUnitError as err:
            self.query_one("#tally-info", Static).update(Text(err.render()))
            return
        cs = criteria_of(campaign)
        info = t("tui.pass_quota", pass_line=plain(cs.scoring.pass_line), quota=standings.quota_text(campaign))
        for line in standings.tie_lines(tally):
            info += "　" + line
        self.query_one("#tally-info", Static).update(Text(info))
        self.fill(cs, tally.rows, campaign.quota if not campaign.quota_by_type else None)
        self.show_bars(cs, tally)
        self.query_one("#tally", DataTable).focus()

    def colour(self, name: str) -> str:
        """A theme colour (``$error``, ``$success``…) for Rich text in a cell."""
        return self.app.theme_variables.get(name, "")

    def fill(self, cs, rows: list[TallyRow], quota: int | None) -> None:
        headers = [t("col.rank"), t("col.code"), t("col.name"), t("col.total"), t("col.conclusion")] + [
            c.id for c in cs.criteria] + [t("col.measures"), t("col.effects"), t("col.bonus"), t("tui.self_diff")]
        numeric = [True, False, False, True, False] + [True] * (len(headers) - PINNED)
        lines = [[str(r.rank or ""), r.code, fit(r.name, NAME_MAX), fmt(r.total),
                  fit(standings.conclusion_text(r), CONCLUSION_MAX)]
                 + [fmt(r.criteria[c.id]) for c in cs.criteria]
                 + [fmt(r.measures), fmt(r.effects), fmt(r.bonus),
                    fmt(r.self_total - r.total) if r.self_total is not None and r.complete else ""]
                 for r in rows]
        widths = [max(cell_len(v) for v in [h] + [line[i] for line in lines]) + 2 for i, h in enumerate(headers)]
        table = self.query_one("#tally", DataTable)
        for h, width, right in zip(headers, widths, numeric):
            # Criterion ids come from the criteria file: Text, never markup.
            table.add_column(Text(f" {h} ", justify="right" if right else "left"), width=width)
        # The quota line falls under the last unit holding a place (places go to eligible units only,
        # quota_rank among them); with per-type quotas there is no single line.
        placed = [i for i, r in enumerate(rows) if r.candidate]
        quota_at = placed[-1] + 1 if quota and placed else None
        pass_line = r2(cs.scoring.pass_line)
        pass_at = next((i for i, r in enumerate(rows) if not r.complete or r.total < pass_line), None)
        for i, (r, line) in enumerate(zip(rows, lines)):
            if i == quota_at:
                self.rule(table, widths, "quota-line", t("tui.quota_line", quota=quota, placed=len(placed)), "error")
            if i == pass_at:
                self.rule(table, widths, "pass-line", t("tui.pass_line", pass_line=plain(cs.scoring.pass_line)),
                          "warning")
            style = "dim" if not r.complete else (self.colour("error") if r.vetoed else
                                                  self.colour("success") if r.candidate else "")
            table.add_row(*[Text(f" {v} ", style=style, justify="right" if right else "left")
                            for v, right in zip(line, numeric)], key=r.code)

    def rule(self, table: DataTable, widths: list[int], key: str, label: str, colour: str) -> None:
        """A labelled line across every column (pinned and scrolling), between two units."""
        style = f"bold {self.colour(colour)}"
        table.add_row(*[Text(piece, style=style) for piece in split_cells(rule_line(label, widths), widths)],
                      key=key)

    def show_bars(self, cs, tally) -> None:
        lines = Text()
        for c, avg in criterion_averages(tally, cs):
            filled = int(BAR_WIDTH * avg / c.points) if c.points else 0
            lines.append(f"{c.id:>4} ", style="bold")
            lines.append("█" * filled, style=self.colour("success"))
            lines.append("░" * (BAR_WIDTH - filled), style="dim")
            lines.append(f" {fmt(avg)} / {plain(c.points)}  {c.title}\n")
        self.query_one("#bars", Static).update(lines)

    @on(DataTable.RowHighlighted, "#tally")
    def skip_rules(self, event: DataTable.RowHighlighted) -> None:
        """The cursor steps over the pass and quota lines, on in the direction it was going."""
        table, row = event.data_table, event.cursor_row
        if event.row_key.value in RULES:
            step = 1 if row >= self._last_row else -1
            target = row + step if 0 <= row + step < table.row_count else row - step
            table.move_cursor(row=target, animate=False)
            return
        self._last_row = row
