"""The command palette: the main actions by name (Ctrl+P)."""

from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider

from modelunit.i18n import t

ACTIONS = [("cmd.tally", "screen.tally"), ("cmd.export", "screen.export"), ("cmd.audit", "screen.audit"),
           ("cmd.advance", "screen.advance"), ("cmd.switch", "screen.switch_user"), ("cmd.help", "app.help")]


class MainCommands(Provider):
    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        screen = self.app.screen
        for key, action in ACTIONS:
            label = t(key)
            score = matcher.match(label) or matcher.match(action)
            namespace, name = action.split(".", 1)
            if namespace == "screen" and (not hasattr(screen, f"action_{name}")
                                          or screen.check_action(name, ()) is False):
                continue
            if score > 0:
                yield Hit(score, matcher.highlight(label), partial(self.app.run_action, action), help=name)
