"""The dashboard application: sign-in, then the campaign at a glance."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from textual.app import App, SystemCommand
from textual.screen import Screen

from modelunit.domain import users
from modelunit.domain.context import Context
from modelunit.errors import ModelUnitError
from modelunit.i18n import t
from modelunit.storage.database import Database
from modelunit.tui import actions
from modelunit.tui.commands import ActionCommands


@dataclass
class Step:
    """One domain action to perform: its name for the refusal log, the function and its arguments."""

    action: str
    fn: Callable[..., Any]
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


class ModelUnitApp(App[None]):
    """Runs on one database; ``ctx`` given means already signed in (the demo, or env credentials)."""

    CSS_PATH = "app.tcss"
    TITLE = "modelunit"
    COMMANDS = App.COMMANDS | {ActionCommands}
    BINDINGS = actions.bindings(actions.APP)

    def __init__(self, db: Database, ctx: Context | None = None, demo_accounts: list[str] | None = None,
                 demo_password: str | None = None) -> None:
        super().__init__()
        actions.install(self, actions.APP)
        self.db = db
        self.ctx = ctx
        self.demo_accounts = demo_accounts or []
        self.demo_password = demo_password
        self.title = t("tui.title")

    def on_mount(self) -> None:
        if self.ctx is None:
            from modelunit.tui.screens.login_screen import LoginScreen

            self.push_screen(LoginScreen(self.db))
        else:
            self.open_dashboard()
            if self.demo_accounts:
                self.notify(t("tui.demo_signed_in", name=self.ctx.actor.name), timeout=8)

    def open_dashboard(self) -> None:
        from modelunit.tui.screens.dashboard_screen import DashboardScreen

        self.sub_title = t("tui.signed_in", name=self.ctx.actor.name, role=t(f"role.{self.ctx.actor.role}"))
        self.switch_screen(DashboardScreen()) if len(self.screen_stack) > 1 else self.push_screen(DashboardScreen())

    def signed_in(self, ctx: Context) -> None:
        self.ctx = ctx
        self.open_dashboard()

    def switch_user(self, name: str) -> None:
        """Demo only: sign in as another demo account and show the dashboard as they see it."""
        try:
            user = users.sign_in(self.db, name, self.demo_password or "")
        except ModelUnitError as err:
            self.notify(err.render(), severity="error")
            return
        self.ctx = Context(self.db, user, self.ctx.campaign_id if self.ctx else None)
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.open_dashboard()
        self.notify(t("tui.switched", name=name, role=t(f"role.{user.role}")))

    def switch_campaign(self, campaign_id: str) -> None:
        """Show another campaign (a batch or a re-check) to the same signed-in user."""
        assert self.ctx is not None
        self.ctx = Context(self.db, self.ctx.actor, campaign_id)
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.open_dashboard()

    def perform(self, steps: list[Step], done: str | None = None,
                then: Callable[[Any], None] | None = None) -> None:
        """Run domain actions one after another in a worker thread, so a save of a large
        database never freezes the screen.  The first refusal stops the rest and becomes a
        notification (and a line in the refusal log); ``then`` gets the last result, or
        ``None`` after a refusal, back on the UI thread."""
        self.run_worker(partial(self._perform, steps, done, then), thread=True, group="actions")

    def _perform(self, steps: list[Step], done: str | None, then: Callable[[Any], None] | None) -> None:
        result: Any = None
        for step in steps:
            try:
                result = step.fn(*step.args, **step.kwargs)
            except ModelUnitError as err:
                if self.ctx is not None:
                    self.ctx.refused(err, step.action)
                self.call_from_thread(self._refused, err)
                result = None
                break
            if result is None:
                result = True
        else:
            if done:
                self.call_from_thread(self.notify, done)
        if then is not None:
            self.call_from_thread(then, result)

    def _refused(self, err: ModelUnitError) -> None:
        lines = err.lines() if hasattr(err, "lines") else [err.render()]
        self.notify("\n".join(lines[:8]), severity="error", timeout=8)

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notification as plain text: they carry unit names, file paths and refusal
        messages quoting user input, and none of it may be read as markup (``[@click=…]``)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's own palette commands, in the interface language (quitting is in the action table)."""
        yield SystemCommand(t("sys.theme"), t("sys.theme_tip"), self.action_change_theme)
        yield SystemCommand(t("sys.keys"), t("sys.keys_tip"),
                            self.action_hide_help_panel if screen.query("HelpPanel") else self.action_show_help_panel)
        yield SystemCommand(t("sys.screenshot"), t("sys.screenshot_tip"),
                            lambda: self.set_timer(0.1, self.deliver_screenshot))

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(placeholder=t("tui.palette_placeholder"), id="--command-palette"))

    def action_help(self) -> None:
        from modelunit.tui.screens.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))


def run_app(db: Database, ctx: Context | None = None, demo_accounts: list[str] | None = None,
            demo_password: str | None = None) -> None:
    ModelUnitApp(db, ctx, demo_accounts, demo_password).run()
