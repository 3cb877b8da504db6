"""The campaign at a glance: header, the five-stage pipeline, and the units table."""

from __future__ import annotations

import os

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Header, Input, Select, Static
from textual.widgets.data_table import CellDoesNotExist
from textual.worker import get_current_worker

from modelunit.domain import campaigns, publicity, views
from modelunit.domain.models import STAGES, STATUSES, UNIT_TYPES
from modelunit.domain.views import Offer
from modelunit.errors import ModelUnitError
from modelunit.i18n import t
from modelunit.numbers import fmt
from modelunit.tui import actions
from modelunit.tui.actions import DASHBOARD, DEMO, IMPORT, ActionScreen
from modelunit.tui.app import Step
from modelunit.tui.widgets.keys_footer import KeysFooter
from modelunit.tui.widgets.pipeline import StagePipeline

COLUMNS = ("code", "name", "type", "status", "selfcheck", "materials", "score", "rank")
# type, status and self-check: as wide as their longest word
WIDTHS = {"code": 10, "name": 30, "materials": 6, "score": 7, "rank": 5}
INLINE_LOAD_BYTES = 2_000_000  # below this a reload takes a few milliseconds: no worker needed


class DashboardScreen(ActionScreen):
    SCREEN = DASHBOARD
    BINDINGS = actions.bindings(DASHBOARD)

    def __init__(self) -> None:
        super().__init__()
        self.board: views.Dashboard | None = None
        self.import_offer = Offer.NEVER
        self.sort_column = "code"
        self.sort_reverse = False
        self._stamp: object = None
        self._search_timer = None

    @property
    def ctx(self):
        return self.app.ctx

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="campaign-line")
        yield StagePipeline(id="pipeline")
        with Horizontal(id="filters"):
            yield Input(placeholder=t("tui.search"), id="search")
            yield Select([(t(f"stage.{s}"), s) for s in STAGES], prompt=t("tui.all_stages"), id="stage-filter")
            yield Select([(t(f"type.{s}"), s) for s in UNIT_TYPES], prompt=t("tui.all_types"), id="type-filter")
            yield Select([(t(f"status.{s}"), s) for s in STATUSES], prompt=t("tui.all_statuses"),
                         id="status-filter")
        yield DataTable(id="units", cursor_type="row", zebra_stripes=True)
        yield Static("", id="count-line")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one("#units", DataTable)
        labels = {"code": t("col.code"), "name": t("col.name"), "type": t("col.type"), "status": t("col.status"),
                  "selfcheck": t("col.selfcheck_short"), "materials": t("col.materials_short"),
                  "score": t("col.total"), "rank": t("col.rank")}
        for key, width in column_widths(labels).items():
            # Fixed widths: DataTable then need not measure 2,000 rows on every refill.
            table.add_column(labels[key], key=key, width=width)
        self.reload()
        self.set_interval(2.0, self.poll_changes)
        table.focus()

    # -- data ------------------------------------------------------------------------

    def _file_stamp(self) -> object:
        try:
            return self.ctx.db.stamp()
        except ModelUnitError:
            return None

    def poll_changes(self) -> None:
        """Pick up changes other users made to the shared database."""
        if self._file_stamp() != self._stamp:
            self.reload()

    def reload(self) -> None:
        """Read the campaign again; a large database is read in a worker so the screen never freezes."""
        self._stamp = self._file_stamp()
        size = self.ctx.db.read_size()  # unknown (a server database, read in round trips): off the thread too
        if size is None or size > INLINE_LOAD_BYTES:
            self.query_one("#count-line", Static).update(t("tui.loading"))
            self.load_in_worker()
        else:
            self.show_board(self.read_board())

    def read_board(self) -> views.Dashboard | ModelUnitError:
        try:
            return views.dashboard(self.ctx)
        except ModelUnitError as err:
            return err

    @work(thread=True, exclusive=True, group="dashboard-load")
    def load_in_worker(self) -> None:
        board = self.read_board()
        if not get_current_worker().is_cancelled:  # cancelled: the screen was closed meanwhile
            self.app.call_from_thread(self.show_board, board)

    def show_board(self, board: views.Dashboard | ModelUnitError) -> None:
        # A read in a worker (a server database; the poll every two seconds) may finish after the user quit or
        # switched accounts: this screen is then being taken down, and there is nothing left to show it on.
        if not self.is_attached:
            return
        if isinstance(board, ModelUnitError):
            self.query_one("#campaign-line", Static).update(Text(board.render()))
            self.board = None
            self.refresh_bindings()
            return
        from modelunit.imports import IMPORTS

        self.board = board
        self.import_offer = views.bulk_import_offer(self.ctx.actor, board.campaign,
                                                    [spec.action for spec in IMPORTS.values()])
        c = board.campaign
        line = t("tui.campaign_line", title=c.title, issuer=c.issuer, ref=c.approval_ref, criteria=board.criteria.id)
        if c.kind == "recheck":  # the sample with its seed, so anyone can re-draw it
            line += "　" + (t("tui.sample_line", units=", ".join(c.sample), seed=c.seed, percent=c.sample_percent)
                           if c.sample else t("tui.sample_pending", percent=c.sample_percent))
        self.query_one("#campaign-line", Static).update(Text(line))
        self.query_one("#pipeline", StagePipeline).show(board)
        self.fill_table()
        self.refresh_bindings()

    def visible_rows(self) -> list[views.UnitRow]:
        if self.board is None:
            return []
        query = self.query_one("#search", Input).value.strip().lower()
        stage = self.query_one("#stage-filter", Select).value
        kind = self.query_one("#type-filter", Select).value
        status = self.query_one("#status-filter", Select).value
        rows = []
        for r in self.board.rows:
            if query and query not in r.name.lower() and query not in r.code.lower():
                continue
            if stage is not Select.NULL and views.STATUS_STAGE.get(r.status) != stage:
                continue
            if kind is not Select.NULL and r.type != kind:
                continue
            if status is not Select.NULL and r.status != status:
                continue
            rows.append(r)
        key = {"code": lambda r: r.code, "name": lambda r: r.name, "type": lambda r: r.type,
               "status": lambda r: STATUSES.index(r.status),
               "selfcheck": lambda r: (r.selfcheck_submitted, r.selfcheck_entered),
               "materials": lambda r: r.materials_done,
               "score": lambda r: (r.total is None, -(r.total or 0)), "rank": lambda r: (r.rank is None, r.rank or 0)}
        rows.sort(key=key[self.sort_column], reverse=self.sort_reverse)
        return rows

    def fill_table(self) -> None:
        table = self.query_one("#units", DataTable)
        selected = self.selected_code()
        table.clear()
        rows = self.visible_rows()
        types = {k: t(f"type.{k}") for k in UNIT_TYPES}
        statuses = {k: t(f"status.{k}") for k in STATUSES}
        for r in rows:
            # Text cells: a string cell would be read as markup, and names and codes are user text.
            table.add_row(Text(r.code), Text(r.name), Text(types.get(r.type, r.type)),
                          Text(t("tui.not_eligible") if r.blocked else statuses.get(r.status, r.status),
                               style="dim" if r.blocked else ""),
                          Text(selfcheck_cell(r.selfcheck_entered, r.selfcheck_total, r.selfcheck_submitted)),
                          Text(f"{r.materials_done}/{r.materials_needed}"),
                          Text(fmt(r.total) if r.total is not None else ""), Text(str(r.rank) if r.rank else ""),
                          key=r.code)
        if selected and selected in {r.code for r in rows}:
            table.move_cursor(row=table.get_row_index(selected))
        total = len(self.board.rows) if self.board else 0
        self.query_one("#count-line", Static).update(t("tui.shown", shown=len(rows), total=total))

    def selected_code(self) -> str | None:
        table = self.query_one("#units", DataTable)
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except CellDoesNotExist:
            return None

    @on(Input.Changed, "#search")
    def search_changed(self) -> None:
        # Typing refills the table once the user pauses, not on every key (2,000 rows take a moment).
        if self._search_timer is not None:
            self._search_timer.stop()
        delay = 0.25 if self.board and len(self.board.rows) > 500 else 0
        if delay:
            self._search_timer = self.set_timer(delay, self.fill_table)
        else:
            self.fill_table()

    @on(Select.Changed)
    def filters_changed(self) -> None:
        self.fill_table()

    @on(DataTable.HeaderSelected)
    def header_selected(self, event: DataTable.HeaderSelected) -> None:
        column = str(event.column_key.value)
        self.sort_reverse = not self.sort_reverse if column == self.sort_column else False
        self.sort_column = column
        self.fill_table()

    @on(DataTable.RowSelected)
    def row_selected(self, event: DataTable.RowSelected) -> None:
        self.open_unit(str(event.row_key.value))

    # -- actions ---------------------------------------------------------------------

    def offer(self, permission: str) -> Offer:
        if permission == DEMO:
            return Offer.NOW if self.app.demo_accounts else Offer.NEVER
        if self.board is None:
            return Offer.NOT_NOW
        if permission == IMPORT:
            return self.import_offer
        return self.board.offers.get(permission, Offer.NEVER)

    def open_unit(self, code: str) -> None:
        from modelunit.tui.screens.unit_screen import UnitScreen

        self.app.push_screen(UnitScreen(code), lambda _: self.reload())

    def action_open(self) -> None:
        code = self.selected_code()
        if code:
            self.open_unit(code)

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_sort(self) -> None:
        table = self.query_one("#units", DataTable)
        column = COLUMNS[table.cursor_column] if table.cursor_type == "cell" else None
        order = list(COLUMNS)
        self.sort_column = column or order[(order.index(self.sort_column) + 1) % len(order)]
        self.fill_table()

    def action_refresh(self) -> None:
        self.reload()

    def action_tally(self) -> None:
        from modelunit.tui.screens.tally_screen import TallyScreen

        self.app.push_screen(TallyScreen())

    def action_progress(self) -> None:
        from modelunit.tui.screens.progress_screen import ProgressScreen

        self.app.push_screen(ProgressScreen(), lambda _: self.reload())

    def action_titles(self) -> None:
        from modelunit.tui.screens.titles_screen import TitlesScreen

        self.app.push_screen(TitlesScreen(), lambda _: self.reload())

    def action_campaigns(self) -> None:
        from modelunit.tui.dialogs.form_dialog import Field, FormDialog

        if self.board is None:
            return
        current = self.board.campaign.id
        choices = [(f"{cid}　{title}", cid) for cid, title in self.board.others]

        def go(values: dict | None) -> None:
            if values and values["campaign"] != current:
                self.app.switch_campaign(values["campaign"])

        self.app.push_screen(FormDialog(t("tui.pick_campaign"),
                                        [Field("campaign", t("col.campaign"), value=current, choices=choices)]), go)

    def action_audit(self) -> None:
        from modelunit.tui.screens.audit_screen import AuditScreen

        self.app.push_screen(AuditScreen())

    def action_import_csv(self) -> None:
        from modelunit.tui.dialogs.import_dialog import ImportDialog

        self.app.push_screen(ImportDialog(self.ctx, self.board.campaign), lambda _: self.reload())

    def action_export(self) -> None:
        from modelunit.tui.dialogs.export_dialog import ExportDialog

        c = self.board.campaign
        self.app.push_screen(ExportDialog(self.ctx, os.path.abspath(f"{c.id}-汇总.xlsx")))

    def action_score_sheets(self) -> None:
        from modelunit.tui.delivery import write_score_sheets
        from modelunit.tui.dialogs.export_dialog import ExportDialog

        folder = t("tui.sheets_folder", id=self.board.campaign.id)
        self.app.push_screen(ExportDialog(self.ctx, os.path.abspath(folder), write=write_score_sheets,
                                          title=t("tui.sheets_title"), download=folder + ".zip"))

    def action_advance(self) -> None:
        """The dry run first (in a worker: at the publicity step it is a whole tally), then its list
        of moves to confirm; the advance asks for the very stage shown, so nothing else opens."""
        from modelunit.tui.dialogs.advance_dialog import AdvanceDialog

        def advanced(result) -> None:
            if result:
                self.notify(t("campaign.advanced", id=result.campaign, stage=t(f"stage.{result.stage}")))
                for status, codes in sorted(result.changed.items()):
                    self.notify(t("campaign.moved", status=t(f"status.{status}"), units=", ".join(codes)))
            self.reload()

        def ask(plan: campaigns.AdvancePlan | None) -> None:
            if not plan:
                return
            names = {r.code: r.name for r in self.board.rows} if self.board else {}

            def go(reason: str | None) -> None:
                if reason is not None:
                    self.app.perform([Step("campaign advance", campaigns.advance, (self.ctx,),
                                           {"reason": reason, "to": plan.target})], then=advanced)

            self.app.push_screen(AdvanceDialog(plan, names), go)

        self.app.perform([Step("campaign advance --dry-run", campaigns.preview_advance, (self.ctx,))], then=ask)

    def action_start_publicity(self) -> None:
        from modelunit.tui.dialogs.confirm_dialog import ConfirmDialog

        def started(result) -> None:
            if result:
                start, end, moved = result
                self.notify(t("publicity.started", start=start, end=end, units=", ".join(moved)))
            self.reload()

        def go(ok: bool | None) -> None:
            if ok:
                self.app.perform([Step("publicity start", publicity.start_publicity, (self.ctx,))], then=started)

        self.app.push_screen(ConfirmDialog(t("tui.confirm_publicity")), go)

    def action_award(self) -> None:
        from modelunit.tui.dialogs.form_dialog import FormDialog
        from modelunit.tui.panes.award_pane import decision_fields

        count = self.board.to_award

        def awarded(done) -> None:
            for code, certificate in done or []:
                self.notify(t("award.done", unit=code, certificate=certificate))
            self.reload()

        def go(values: dict | None) -> None:
            if values:  # 审定: the decision is recorded with the naming
                self.app.perform([Step("award", publicity.award, (self.ctx, values["decided_by"],
                                                                  values["decision_ref"]))], then=awarded)

        self.app.push_screen(FormDialog(t("tui.confirm_award", count=count), decision_fields()), go)

    def action_change_password(self) -> None:
        from modelunit.tui.dialogs.password_dialog import PasswordDialog

        name = self.ctx.actor.name

        def done(user) -> None:
            if user is not None:
                self.app.notify(t("tui.password.changed", name=name), markup=False)

        self.app.push_screen(PasswordDialog(self.ctx.db, name), done)

    def action_switch_user(self) -> None:
        from modelunit.tui.dialogs.form_dialog import Field, FormDialog

        choices = [(account_label(a), a.name) for a in views.accounts(self.ctx, self.app.demo_accounts)]

        def go(values: dict | None) -> None:
            if values:
                self.app.switch_user(values["user"])

        self.app.push_screen(FormDialog(t("tui.switch_user"), [Field("user", t("col.user"), choices=choices)]), go)


def column_widths(labels: dict[str, str]) -> dict[str, int]:
    """Each column's width in cells: the type and status columns as wide as their longest word
    in the interface language (a CJK character takes two cells), so that none is cut."""
    words = {"type": [t(f"type.{k}") for k in UNIT_TYPES],
             "status": [t(f"status.{k}") for k in STATUSES] + [t("tui.not_eligible")],
             "selfcheck": [selfcheck_cell(99, 99, False), selfcheck_cell(99, 99, True)]}
    return {key: WIDTHS.get(key) or max(cell_len(w) for w in [labels[key], *words[key]]) for key in COLUMNS}


def selfcheck_cell(entered: int, total: int, submitted: bool) -> str:
    """The units table's short self-check: 已提交, 25/25 待提交 (all entered), or 12/25."""
    if submitted:
        return t("tui.self_submitted")
    if entered == total:
        return t("tui.self_ready", entered=entered, total=total)
    return f"{entered}/{total}"


def account_label(account: views.Account) -> Text:
    """Users have no real names: the login name with the role, and the unit for a clerk."""
    role = t(f"role.{account.role}")
    if account.unit:
        return Text(t("tui.account_unit", name=account.name, role=role, unit=account.unit_name or account.unit))
    return Text(t("tui.account", name=account.name, role=role))
