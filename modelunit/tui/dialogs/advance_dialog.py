"""Before the next stage opens: the dry run's list of units that will change status and why,
and the reason the office must give when the stage closes early or with sheets unsubmitted."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static, TextArea

from modelunit.domain.campaigns import AdvancePlan
from modelunit.i18n import t
from modelunit.tui.dialogs.ok_cancel_dialog import OkCancelDialog


class AdvanceDialog(OkCancelDialog[str | None]):
    """Dismisses with the reason typed ("" when none is needed), or None when cancelled."""

    DEFAULT_CSS = """
    AdvanceDialog #moves { height: auto; max-height: 14; border: round $panel; padding: 0 1; }
    AdvanceDialog #reason { height: 4; }
    """

    def __init__(self, plan: AdvancePlan, names: dict[str, str]) -> None:
        super().__init__()
        self.plan, self.names = plan, names

    def compose(self) -> ComposeResult:
        plan = self.plan
        with Vertical(classes="dialog"):
            yield Static(t("tui.confirm_advance", stage=t(f"stage.{plan.target}")), classes="dialog-title",
                         markup=False)
            if plan.moves:
                yield Static(t("tui.advance_moves", count=len(plan.moves)), markup=False)
                # One Text for the whole list: a province moves thousands of units at once.
                lines = "\n".join(t("campaign.would_move", unit=self.unit(m.unit), status=t(f"status.{m.status}"),
                                    why=m.why.render()) for m in plan.moves)
                with VerticalScroll(id="moves"):
                    yield Static(Text(lines), id="move-list")
            else:
                yield Static(t("campaign.would_move_none"), id="move-list", markup=False)
            if plan.needs_reason:
                for why in plan.needs_reason:
                    yield Static(t("tui.advance_reason_needed", why=why.render()), classes="warning", markup=False)
                yield Static(t("tui.reason"), markup=False)
                yield TextArea(id="reason", soft_wrap=True, show_line_numbers=False)
            with Horizontal(classes="buttons"):
                yield Button(t("tui.confirm"), variant="primary", id="ok")
                yield Button(t("tui.cancel"), id="cancel")

    def unit(self, code: str) -> str:
        name = self.names.get(code)
        return f"{code} {name}" if name else code

    def on_mount(self) -> None:
        target = self.query("#reason") or self.query("#ok")
        target.first().focus()

    def finish(self) -> None:
        reason = self.query_one("#reason", TextArea).text.strip() if self.plan.needs_reason else ""
        if self.plan.needs_reason and not reason:
            self.query_one("#reason", TextArea).focus()
            self.notify(t("row.missing_fields", fields=t("tui.reason")), severity="warning", markup=False)
            return
        self.dismiss(reason)
