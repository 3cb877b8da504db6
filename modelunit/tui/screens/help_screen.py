"""F1: the keys of the screen it was opened on, in the interface language, from the action table."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Static

from modelunit.catalogue import MESSAGES
from modelunit.i18n import t
from modelunit.tui import actions
from modelunit.tui.actions import APP, HELP, actions_of, binding, install, state


def help_lines(screen: Screen) -> Text:
    """One line per key ``screen`` and the app offer this actor; what their role never may is left out,
    what they may not do now is marked."""
    lines = Text()
    for spec in actions_of(getattr(screen, "SCREEN", "")) + actions_of(APP):
        answer = state(screen, spec)
        if answer is False:
            continue
        key = screen.app.get_key_display(binding(spec, ""))
        lines.append(f"{key:>8}  ", style="bold")
        lines.append(spec.label(), style="dim" if answer is None else "")
        lines.append(f"　{spec.tip()}", style="dim")
        if answer is None:
            lines.append(t("help.unavailable"), style="dim italic")
        lines.append("\n")
    lines.rstrip()
    return lines


class HelpScreen(ModalScreen[None]):
    BINDINGS = actions.bindings(HELP)

    def __init__(self, for_screen: Screen) -> None:
        super().__init__()
        install(self, HELP)
        self.for_screen = for_screen

    def compose(self) -> ComposeResult:
        name = getattr(self.for_screen, "SCREEN", "")
        with VerticalScroll(classes="dialog wide"):
            yield Static(t("tui.help_title"), classes="dialog-title")
            body = t(f"help.{name}") if f"help.{name}" in MESSAGES else ""
            yield Static(Text("\n".join(filter(None, [body, t("help.common")]))), id="help-body")
            yield Static(help_lines(self.for_screen), id="keys")
            yield Button(t("tui.close"), id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
