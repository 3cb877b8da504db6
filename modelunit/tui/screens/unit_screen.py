"""A unit's page: one tab per stage, opened on the campaign's current stage."""

from __future__ import annotations

import os
import time

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Header, Static, TabbedContent, TabPane

from modelunit.domain import views
from modelunit.domain.models import Stage, entry_key
from modelunit.domain.views import Offer
from modelunit.errors import ModelUnitError
from modelunit.i18n import t
from modelunit.tui import actions
from modelunit.tui.actions import UNIT, ActionScreen
from modelunit.tui.panes.award_pane import AwardPane
from modelunit.tui.panes.base import Pane
from modelunit.tui.panes.history_pane import HistoryPane
from modelunit.tui.panes.inspection_pane import InspectionPane
from modelunit.tui.panes.nomination_pane import NominationPane
from modelunit.tui.panes.publicity_pane import PublicityPane
from modelunit.tui.panes.selfcheck_pane import SelfcheckPane
from modelunit.tui.widgets.keys_footer import KeysFooter

PANES = ((Stage.SELFCHECK, SelfcheckPane), (Stage.NOMINATION, NominationPane), (Stage.INSPECTION, InspectionPane),
         (Stage.PUBLICITY, PublicityPane), (Stage.AWARD, AwardPane))
PANE_OF_TAB = {f"tab-{stage}": pane for stage, pane in PANES} | {"tab-history": HistoryPane}
# The tabs whose pane saves typed-in values (Ctrl+S), with the permission the save needs.
SAVES = {Stage.SELFCHECK: "selfcheck.edit", Stage.INSPECTION: "score.edit"}


class UnitScreen(ActionScreen):
    SCREEN = UNIT
    BINDINGS = actions.bindings(UNIT)

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code
        self.detail: views.UnitDetail | None = None
        self.upload_until = 0.0  # while a one-time upload link it offered may still be used
        self.upload_seen: list = []
        self.upload_timer = None

    @property
    def ctx(self):
        return self.app.ctx

    def load(self) -> views.UnitDetail | None:
        try:
            self.detail = views.unit_detail(self.ctx, self.code)
        except ModelUnitError as err:
            self.app.notify(err.render(), severity="error")
            self.detail = None
        return self.detail

    def compose(self) -> ComposeResult:
        yield Header()
        detail = self.load()
        if detail is None:
            yield Static("")
            yield KeysFooter()
            return
        yield Static(self.header_text(), id="unit-header")
        # (a re-check's conclusion has no stage tab of its own: its page opens on the history)
        stage = detail.campaign.stage
        initial = f"tab-{stage}" if stage in dict(PANES) else "tab-history"
        # A tab's pane is built when the tab is first opened (show_pane): a page opens with one stage's
        # forms, not six.
        with TabbedContent(initial=initial):
            for stage, _ in PANES:
                with TabPane(t(f"tui.tab.{stage}"), id=f"tab-{stage}"):
                    if f"tab-{stage}" == initial:
                        yield PANE_OF_TAB[initial](detail)
            with TabPane(t("tui.tab.history"), id="tab-history"):  # titles: the unit across the years
                if initial == "tab-history":
                    yield HistoryPane(detail)
        yield KeysFooter()

    def header_text(self) -> Text:
        d = self.detail
        return Text(t("tui.unit_header", name=d.unit.name, code=d.unit.code, type=t(f"type.{d.unit.type}"),
                 status=t(f"status.{d.entry.status}")))

    async def changed(self) -> None:
        """After an action: reload the unit and redraw every pane from the stored state."""
        if self.load() is None:
            return
        self.query_one("#unit-header", Static).update(self.header_text())
        for pane in self.query(Pane):  # the tabs opened so far; the others are built from the new state
            pane.detail = self.detail
            await pane.recompose()
            pane.populate()
        self.refresh_bindings()

    def active_stage(self) -> str | None:
        tabs = self.query(TabbedContent)
        return tabs.first().active.removeprefix("tab-") if tabs else None

    def offer(self, permission: str) -> Offer:
        need = SAVES.get(self.active_stage() or "")
        if self.detail is None or need is None:
            return Offer.NOT_NOW
        return views.offer(self.ctx.actor, need, self.detail.campaign, self.detail.can[need])

    @on(TabbedContent.TabActivated)
    async def tab_changed(self, event: TabbedContent.TabActivated) -> None:
        await self.show_pane(event.pane)
        self.refresh_bindings()

    async def show_pane(self, tab: TabPane) -> None:
        """Build a tab's pane the first time the tab is opened."""
        if self.detail is not None and not tab.children and tab.id in PANE_OF_TAB:
            await tab.mount(PANE_OF_TAB[tab.id](self.detail))

    def action_save(self) -> None:
        tabs = self.query_one(TabbedContent)
        pane = tabs.get_pane(tabs.active).query_children().first()
        save = getattr(pane, "save", None)
        if save:
            save()

    def action_unit_report(self) -> None:
        from modelunit.export.unit_report import export_unit_report, unit_report_name
        from modelunit.tui.dialogs.export_dialog import ExportDialog

        if self.detail is None:
            return
        code = self.code
        path = os.path.abspath(unit_report_name(self.detail.campaign.id, code))
        self.app.push_screen(ExportDialog(self.ctx, path, title=t("tui.unit_report_title"),
                                          write=lambda ctx, target, _: export_unit_report(ctx, code, target)))

    # -- a file arriving through an upload link ------------------------------------------

    def watch_for_upload(self) -> None:
        """An upload link is out: the server files the file, not this session, so the page looks
        at the unit's stored materials until one arrives or the link has expired, then redraws."""
        from modelunit.uploads import LINK_MINUTES

        self.upload_until = time.monotonic() + LINK_MINUTES * 60
        self.upload_seen = self.stored_materials()
        if self.upload_timer is None:
            self.upload_timer = self.set_interval(1.0, self.poll_upload)

    def stored_materials(self) -> list:
        """The unit's materials as stored now (a cached read while the file is unchanged)."""
        if self.detail is None:
            return []
        doc = self.ctx.db.snapshot().entries.get(entry_key(self.detail.campaign.id, self.code)) or {}
        return doc.get("materials") or []

    def poll_upload(self) -> None:
        try:
            stored = self.stored_materials()
        except ModelUnitError:
            stored = self.upload_seen
        if stored != self.upload_seen:
            names = "、".join(m.get("name", "") for m in stored if m not in self.upload_seen)
            self.upload_seen = stored
            if names:
                self.app.notify(t("upload.arrived", names=names), markup=False)
            self.run_worker(self.changed, exclusive=True, group="redraw")
        if time.monotonic() > self.upload_until and self.upload_timer is not None:
            self.upload_timer.stop()
            self.upload_timer = None

    def close_if_gone(self) -> None:
        if self.detail is None:
            self.app.pop_screen()
