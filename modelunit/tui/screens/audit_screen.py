"""The audit log for the office: whether the hash chain is intact, then the newest entries."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Header, Static

from modelunit.catalogue import MESSAGES
from modelunit.domain import audit, users
from modelunit.domain.permissions import require
from modelunit.errors import ModelUnitError
from modelunit.i18n import t
from modelunit.tui import actions
from modelunit.tui.actions import AUDIT, ActionScreen

SHOWN = 500


def operation(name: str) -> str:
    """An audit entry's action in words where the catalogue has them, else its stored name."""
    return t(f"action.{name}") if f"action.{name}" in MESSAGES else name


class AuditScreen(ActionScreen):
    SCREEN = AUDIT
    BINDINGS = actions.bindings(AUDIT)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="audit-status")
        yield DataTable(id="audit", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        ctx = self.app.ctx
        status = self.query_one("#audit-status", Static)
        try:
            require(ctx.actor, "audit.view")
        except ModelUnitError as err:
            status.update(Text(err.render()))
            return
        tx = ctx.db.snapshot()
        result = audit.verify(tx)
        if result.ok:
            status.update(Text(t("audit.ok", count=result.count, head=result.head)))
        else:
            status.update(Text(t("audit.broken", seq=result.broken_at, reason=t(result.reason))))
            status.add_class("warning")
        people = users.shown_names(tx)  # zhang（张伟）: who did it, as the office knows them
        table = self.query_one("#audit", DataTable)
        for label in (t("col.seq"), t("col.at"), t("col.user"), t("col.action"), t("col.target"), t("col.change")):
            table.add_column(label)
        # Text cells: user names, targets and changed values are user text, never markup.
        for e in reversed(audit.entries(tx, limit=SHOWN)):
            table.add_row(Text(str(e["seq"])), Text(e["at"]), Text(people.get(e["user"], e["user"])),
                          Text(operation(e["action"])), Text(e["target"]), Text(audit.describe(e, 100)))
        table.focus()
