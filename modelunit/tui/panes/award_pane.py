"""授牌: the award result and the certificate number."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Static

from modelunit.domain import models, publicity, units
from modelunit.i18n import t
from modelunit.tui.panes.base import Pane


class AwardPane(Pane):
    def compose(self) -> ComposeResult:
        e = self.detail.entry
        if e.certificate:
            yield Static(t("tui.award_info", certificate=e.certificate, date=e.awarded_at), classes="totals big")
        else:
            yield Static(t("tui.award_none") + "　" + t(f"status.{e.status}"), classes="totals")
        if self.ctx.actor.role == "admin":
            yield Button(t("tui.award_all"), variant="primary", id="award",
                         disabled=not (self.detail.can["award"] and e.status == models.APPROVED))

    @on(Button.Pressed, "#award")
    def award(self) -> None:
        from modelunit.tui.dialogs.form_dialog import FormDialog

        def awarded(done) -> None:
            for code, certificate in done or []:
                self.app.notify(t("award.done", unit=code, certificate=certificate), markup=False)

        def go(values: dict | None) -> None:
            if values:  # 审定: the decision is recorded with the naming
                self.act("award", publicity.award, self.ctx, values["decided_by"], values["decision_ref"],
                         then=awarded)

        count = sum(1 for u in units.list_units(self.ctx) if u.status == models.APPROVED)
        self.app.push_screen(FormDialog(t("tui.confirm_award", count=count), decision_fields()), go)


def decision_fields() -> list:
    """The 审定 decision the award records: the approving body and the decision's document number."""
    from modelunit.tui.dialogs.form_dialog import Field

    return [Field("decided_by", t("tui.decided_by"), required=True),
            Field("decision_ref", t("tui.decision_ref"), required=True)]
