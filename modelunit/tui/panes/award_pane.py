"""授牌: the award result and the certificate number."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Button, Static

from modelunit.domain import models, publicity
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
        from modelunit.tui.dialogs.confirm_dialog import ConfirmDialog

        def awarded(done) -> None:
            for code, certificate in done or []:
                self.app.notify(t("award.done", unit=code, certificate=certificate))

        def go(ok: bool | None) -> None:
            if ok:
                self.act("award", publicity.award, self.ctx, then=awarded)

        self.app.push_screen(ConfirmDialog(t("tui.confirm_award", count="…")), go)
