"""What every stage pane shares: the unit's detail and a way to act and redraw."""

from __future__ import annotations

from textual.containers import VerticalScroll

from modelunit.domain.views import UnitDetail


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

    def act(self, action: str, fn, *args, done: str | None = None, **kwargs):
        """Run a domain action for this unit, then redraw the whole unit page."""
        result = self.app.attempt(action, fn, *args, done=done, **kwargs)
        self.screen.run_worker(self.screen.changed, exclusive=True, group="redraw")
        return result
