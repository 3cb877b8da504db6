"""申报: evidence per criterion with completeness at a glance, nomination, recommendation, late acceptance."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Static

from modelunit.domain import models, nomination
from modelunit.domain.calendar import is_past
from modelunit.i18n import t
from modelunit.tui.delivery import in_browser
from modelunit.tui.panes.base import Pane
from modelunit.tui.widgets.plain import plain_cells

DOC = "doc:"  # row keys and choices of application documents, beside the criterion ids


class NominationPane(Pane):
    def compose(self) -> ComposeResult:
        d = self.detail
        e = d.entry
        if e.nominated_at:
            late = t("tui.late_mark") if e.nomination_late else ""
            by = t("tui.by_mark", by=e.recommended_by) if e.recommended_by else ""
            yield Static(t("tui.nominated_info", date=e.nominated_at, late=late, by=by), classes="totals", markup=False)
        if d.blocked:  # a held title or a reapply ban: the unit may not nominate, and is told why
            yield Static(d.blocked, id="nomination-blocked", classes="section warning", markup=False)
        if e.status == models.RETURNED:
            # The office's words are shown as they were written: plain text, never markup.
            yield Static(t("tui.review_request", due=e.review_due or d.campaign.nomination_due or "—"),
                         classes="section")
            yield Static(e.review_request, id="review-request", markup=False)
        yield Static(t("tui.evidence", need=d.criteria.evidence_required), classes="section")
        yield DataTable(id="evidence", cursor_type="row")
        nominated = e.status in models.NOMINATED_STATUSES
        can_add = d.can["material.supplement"] if nominated else d.can["material.add"]
        can_nominate = d.can["nominate"] and e.status in (models.SELFCHECK_SUBMITTED, models.RETURNED) and not d.blocked
        late = is_past((e.review_due if e.status == models.RETURNED else None) or d.campaign.nomination_due)
        is_admin = self.ctx.actor.role == "admin"
        with Horizontal(classes="buttons"):
            yield Button(t("tui.add_material"), id="mat-add", disabled=not can_add)
            # Before the nomination freezes them, a wrong file can be taken off the list again.
            yield Button(t("tui.remove_material"), id="mat-remove",
                         disabled=nominated or not d.can["material.add"] or not e.materials)
            yield Button(t("tui.nominate"), variant="primary", id="nominate", disabled=not can_nominate or late)
            yield Button(t("tui.recommend"), id="recommend", disabled=not can_nominate or late)
            yield Button(t("tui.late_accept"), id="late", disabled=not (can_nominate and late and is_admin))

    def populate(self) -> None:
        d = self.detail
        table = self.query_one("#evidence", DataTable)
        for key in ("tui.criterion", "col.title", "col.status", "col.materials", "tui.material_titles"):
            table.add_column(t(key))
        need = d.criteria.evidence_required
        counts = d.entry.evidence_counts()
        for c in d.criteria.criteria:
            count = counts.get(c.id, 0)
            status = t("tui.evidence_ok") if count >= need else t("tui.evidence_missing", count=need - count)
            names = "、".join(m.title for m in d.entry.materials if m.criterion == c.id)
            table.add_row(*plain_cells(c.id, c.title, status, t("tui.evidence_count", count=count), names), key=c.id)
        filed = d.entry.documents_filed()
        for name in d.criteria.documents:
            files = [m for m in d.entry.materials if m.document == name]
            status = t("tui.evidence_ok") if name in filed else t("tui.evidence_missing", count=1)
            table.add_row(*plain_cells(t("tui.document"), name, status, t("tui.evidence_count", count=len(files)),
                                       "、".join(m.name for m in files)), key=DOC + name)

    @on(Button.Pressed, "#mat-add")
    def add_material(self) -> None:
        from modelunit.tui.dialogs.file_dialog import FileDialog
        from modelunit.tui.dialogs.form_dialog import Field, FormDialog

        table = self.query_one("#evidence", DataTable)
        current = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value if table.row_count else None
        choices = [(f"{c.id} {c.title}", c.id) for c in self.detail.criteria.criteria]
        choices += [(f"{t('tui.document')} {name}", DOC + name) for name in self.detail.criteria.documents]
        supplement = self.detail.entry.status in models.NOMINATED_STATUSES

        browser = in_browser(self.app)  # the file is on the user's machine: an upload link, not a server path

        def picked(path: str | None) -> None:
            if not path and not browser:
                return
            fields = [Field("criterion", t("tui.criterion"), value=current or "", choices=choices),
                      Field("title", t("tui.material_title"))]
            if supplement:
                fields.append(Field("reason", t("tui.reason"), required=True))

            def go(values: dict | None) -> None:
                if values:
                    picked_id = values["criterion"]
                    document = picked_id[len(DOC):] if picked_id.startswith(DOC) else ""
                    if browser:
                        self.offer_upload("" if document else picked_id, document, values)
                        return
                    req = nomination.MaterialRequest(self.detail.unit.code, path, "" if document else picked_id,
                                                     values["title"], document=document)
                    self.act("material add", nomination.add_materials, self.ctx, [req],
                             reason=values.get("reason", ""), then=self.told_filed)

            self.app.push_screen(FormDialog(t("tui.add_material"), fields), go)

        if browser:
            picked(None)
        else:
            self.app.push_screen(FileDialog(), picked)

    def told_filed(self, filed: nomination.Filed | None) -> None:
        """Added, or already filed (the same file for the same criterion is not filed twice)."""
        if filed:
            self.app.notify("\n".join(m.render() for m in filed.already) or t("material.added", count=filed.added))

    def offer_upload(self, criterion: str, document: str, values: dict) -> None:
        from modelunit.tui.delivery import upload_link
        from modelunit.tui.dialogs.upload_dialog import UploadLinkDialog

        link = upload_link(self.app, self.ctx.actor.name, self.ctx.campaign_id, self.detail.unit.code, criterion,
                           document, values["title"], values.get("reason", ""))
        self.app.push_screen(UploadLinkDialog(link))
        self.screen.watch_for_upload()  # the file arrives through the server: redraw when it is filed

    @on(Button.Pressed, "#mat-remove")
    def remove_material(self) -> None:
        """Take one filed file off the selected criterion's (or document's) list, after asking which."""
        from modelunit.tui.dialogs.form_dialog import Field, FormDialog

        table = self.query_one("#evidence", DataTable)
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value) if table.row_count else ""
        document = key[len(DOC):] if key.startswith(DOC) else ""
        criterion = "" if document else key
        filed = [m for m in self.detail.entry.materials
                 if (m.document == document if document else m.criterion == criterion and not m.document)]
        if not filed:
            self.app.notify(t("tui.no_material_here"), severity="warning", markup=False)
            return
        code = self.detail.unit.code
        choices = [(f"{m.title or m.name}（{m.name}，{m.sha256[:12]}）", m.sha256) for m in filed]

        def go(values: dict | None) -> None:
            if values:
                self.act("material.remove", nomination.remove_material, self.ctx, code, criterion=criterion,
                         document=document, sha256=values["file"], done=t("tui.material_removed"))

        self.app.push_screen(FormDialog(t("tui.remove_material_title", what=document or criterion),
                                        [Field("file", t("tui.material_file"), choices=choices)],
                                        ok_label=t("tui.remove_material")), go)

    @on(Button.Pressed, "#nominate")
    def nominate(self) -> None:
        from modelunit.tui.dialogs.confirm_dialog import ConfirmDialog

        code = self.detail.unit.code

        def go(ok: bool | None) -> None:
            if ok:
                self.act("nominate", nomination.nominate, self.ctx, [code], done=t("nominate.done", units=code))

        self.app.push_screen(ConfirmDialog(t("tui.confirm_nominate", unit=self.detail.unit.name)), go)

    @on(Button.Pressed, "#recommend")
    def recommend(self) -> None:
        self.nominate_with(t("tui.recommend"), "recommended_by", t("tui.recommended_by"))

    @on(Button.Pressed, "#late")
    def late(self) -> None:
        self.nominate_with(t("tui.late_accept"), "reason", t("tui.reason"))

    def nominate_with(self, title: str, argument: str, label: str) -> None:
        """Nominate after asking for one required text: the recommending body, or the late reason."""
        from modelunit.tui.dialogs.form_dialog import Field, FormDialog

        code = self.detail.unit.code

        def go(values: dict | None) -> None:
            if values:
                self.act("nominate", nomination.nominate, self.ctx, [code], done=t("nominate.done", units=code),
                         **{argument: values[argument]})

        self.app.push_screen(FormDialog(title, [Field(argument, label, required=True)]), go)
