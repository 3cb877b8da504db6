"""Keys and how to use the dashboard."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from modelunit.i18n import t

KEYS = [("enter", "open"), ("t", "tally"), ("i", "import"), ("x", "export"), ("a", "audit"), ("n", "advance"),
        ("p", "publicity"), ("w", "award"), ("u", "switch"), ("/", "search"), ("s", "sort"), ("r", "refresh"),
        ("ctrl+s", "save"), ("escape", "back"), ("ctrl+p", None), ("ctrl+q", "quit")]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "dismiss_help", t("tui.close"), tooltip=t("tui.close"), id="help.close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Static(t("tui.help_title"), classes="dialog-title")
            yield Static(t("tui.help_body"))
            lines = []
            for key, name in KEYS:
                label = t(f"key.{name}") if name else "Command palette / 命令面板"
                tip = t(f"tip.{name}") if name else ""
                lines.append(f"[b]{key:>8}[/b]  {label}　{tip}")
            yield Static("\n".join(lines), id="keys")
            yield Button(t("tui.close"), id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
