"""What every stage pane shares: the unit's detail and a way to act and redraw."""

from __future__ import annotations

from textual.containers import VerticalScroll

from modelunit.domain.views import UnitDetail
from modelunit.errors import ItemErrors
from modelunit.i18n import t
from modelunit.tui.app import Step
from modelunit.tui.widgets.score_sheet import ScoreSheetForm


class Pane(VerticalScroll):
    def __init__(self, detail: UnitDetail) -> None:
        super().__init__()
        self.detail = detail

    @property
    def ctx(self):
        return self.app.ctx

    def on_mount(self) -> None:
        self.populate()

    def populate(self) -> None:
        """Fill tables and totals once the widgets exist (after mount and after each redraw)."""

    def act(self, action: str, fn, *args, done: str | None = None, then=None, **kwargs) -> None:
        """Run a domain action for this unit off the UI thread, then redraw the whole unit page."""
        self.act_steps([Step(action, fn, args, kwargs)], done=done, then=then)

    def act_steps(self, steps: list[Step], done: str | None = None, then=None) -> None:
        """After a refusal the page is left as it is (what was typed stays); after success it is redrawn."""
        screen = self.screen
        self.item_errors: ItemErrors | None = None

        def finished(result) -> None:
            if result is None:
                self.refused(self.item_errors)
            else:
                screen.run_worker(screen.changed, exclusive=True, group="redraw")
            if then is not None:
                then(result)

        self.app.perform([self.watched(step) for step in steps], done=done, then=finished)

    def watched(self, step: Step) -> Step:
        """The same step, remembering a refusal that names fields so that the page can mark them."""
        def run(*args, **kwargs):
            try:
                return step.fn(*args, **kwargs)
            except ItemErrors as err:
                self.item_errors = err
                raise

        return Step(step.action, run, step.args, step.kwargs)

    def refused(self, err: ItemErrors | None) -> None:
        """A step was refused (the app has told the user why)."""


class FormPane(Pane):
    """A pane of typed-in values: saved as domain steps, submitted after a confirmation."""

    def on_show(self) -> None:
        # Opening the tab puts the cursor in the first field, ready to type.
        form = next(iter(self.query(ScoreSheetForm)), None)
        field = form.first_field() if form is not None else None
        focused = self.screen.focused
        if field is not None and (focused is None or self not in focused.ancestors):
            # Not scrolled to: it is near the top, and scrolling would hide the total line above it.
            field.focus(scroll_visible=False)

    def refused(self, err: ItemErrors | None) -> None:
        form = next(iter(self.query(ScoreSheetForm)), None)
        if err is not None and form is not None:
            form.mark(err.problems)

    def save_steps(self) -> list[Step]:
        """The steps that store what was changed on the page (none when nothing was)."""
        return []

    def save(self) -> None:
        steps = self.save_steps()
        if not steps:
            self.notify(t("tui.nothing_to_save"))
            return
        self.act_steps(steps, done=t("tui.saved"))

    def submit(self, question: str, step: Step, done: str) -> None:
        """Ask, then save what is on the page and submit it, in that order, as one worker."""
        from modelunit.tui.dialogs.confirm_dialog import ConfirmDialog

        def go(ok: bool | None) -> None:
            if ok:
                self.act_steps(self.save_steps() + [step], done=done)

        self.app.push_screen(ConfirmDialog(question), go)
