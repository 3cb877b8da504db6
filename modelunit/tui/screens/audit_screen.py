"""The audit log for the office: the newest entries and whether the hash chain is intact."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from modelunit.domain import audit
from modelunit.domain.permissions import require
from modelunit.errors import ModelUnitError
from modelunit.i18n import t

SHOWN = 500


class AuditScreen(Screen):
    BINDINGS = [Binding("escape", "app.pop_screen", t("key.back"), tooltip=t("tip.back"), id="audit.back")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="audit-status")
        yield DataTable(id="audit", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        ctx = self.app.ctx
        status = self.query_one("#audit-status", Static)
        try:
            require(ctx.actor, "audit.view")
        except ModelUnitError as err:
            status.update(err.render())
            return
        tx = ctx.db.snapshot()
        result = audit.verify(tx)
        if result.ok:
            status.update(t("audit.ok", count=result.count, head=result.head))
        else:
            status.update(t("audit.broken", seq=result.broken_at, reason=t(result.reason)))
            status.add_class("warning")
        table = self.query_one("#audit", DataTable)
        for label in (t("col.seq"), t("col.at"), t("col.user"), t("col.action"), t("col.target"), t("col.change")):
            table.add_column(label)
        for e in reversed(audit.entries(tx, limit=SHOWN)):
            table.add_row(str(e["seq"]), e["at"], e["user"], e["action"], e["target"], audit.describe(e, 100))
