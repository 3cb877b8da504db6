"""The audit log for the office: whether the hash chain is intact, then the entries in words
(提交评分表, not ``score.submit``), local time, the change as ``状态：… → …``, narrowed by who did it,
which unit or object, and which operation, as the office types."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Header, Input, Static

from modelunit.domain import audit, users
from modelunit.domain.permissions import require
from modelunit.errors import ModelUnitError
from modelunit.i18n import t
from modelunit.tui import actions
from modelunit.tui.actions import AUDIT, ActionScreen
from modelunit.tui.widgets.keys_footer import KeysFooter

SHOWN = 500
FILTERS = ("user", "target", "action")


def operation(name: str) -> str:
    """An audit entry's action in words where the catalogue has them, else its stored name."""
    return audit.operation_words(name)


class AuditScreen(ActionScreen):
    SCREEN = AUDIT
    BINDINGS = actions.bindings(AUDIT)
    DEFAULT_CSS = """
    AuditScreen #audit-filters { height: 3; }
    AuditScreen #audit-filters Input { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="audit-status")
        with Horizontal(id="audit-filters"):
            for name in FILTERS:
                yield Input(placeholder=t(f"tui.audit.filter_{name}"), id=f"filter-{name}")
        yield Static("", id="audit-count")
        yield DataTable(id="audit", cursor_type="row", zebra_stripes=True)
        yield KeysFooter()

    def on_mount(self) -> None:
        ctx = self.app.ctx
        status = self.query_one("#audit-status", Static)
        self.rows: list[tuple[tuple[str, ...], str]] = []  # the cells shown, and the operation as stored
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
        self.rows = [((str(e["seq"]), audit.local_time(e["at"]), people.get(e["user"], e["user"]),
                       operation(e["action"]), str(e.get("target") or ""), audit.readable_change(e, 100)),
                       e["action"]) for e in reversed(audit.entries(tx))]
        self.fill()
        table.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.fill()

    def fill(self) -> None:
        """The newest entries that match every filter typed (in words or as stored, any case)."""
        wanted = {name: self.query_one(f"#filter-{name}", Input).value.strip().casefold() for name in FILTERS}
        column = {"user": 2, "action": 3, "target": 4}

        def matches(cells: tuple[str, ...], stored: str) -> bool:
            return all(not text or text in cells[column[name]].casefold() or (name == "action" and text in stored)
                       for name, text in wanted.items())

        matching = [cells for cells, stored in self.rows if matches(cells, stored)]
        table = self.query_one("#audit", DataTable)
        table.clear()
        for row in matching[:SHOWN]:  # Text cells: names, targets and values are user text, never markup
            table.add_row(*(Text(cell) for cell in row))
        self.query_one("#audit-count", Static).update(
            Text(t("tui.audit.shown", shown=min(len(matching), SHOWN), total=len(self.rows))))
