"""What every stage pane shares: the unit's detail and a way to act and redraw."""

from __future__ import annotations

from textual.containers import VerticalScroll

from modelunit.domain.views import UnitDetail
from modelunit.i18n import t
from modelunit.tui.app import Step


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
        screen = self.screen

        def finished(result) -> None:
            screen.run_worker(screen.changed, exclusive=True, group="redraw")
            if then is not None:
                then(result)

        self.app.perform(steps, done=done, then=finished)


class FormPane(Pane):
    """A pane of typed-in values: saved as domain steps, submitted after a confirmation."""

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
