"""The command palette (Ctrl+P): every action the screen's footer offers, found by its name.

The entries come from :data:`modelunit.tui.actions.ACTIONS`, filtered by the screen's own
``check_action``: the palette never offers what the footer greys out or hides.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from modelunit.i18n import t
from modelunit.tui.actions import Action, binding, normalise_query, offered


class ActionCommands(Provider):
    def _entry(self, spec: Action, node: DOMNode) -> tuple[Callable[[], object], str]:
        key = self.app.get_key_display(binding(spec, ""))
        run = partial(self.app.run_action, spec.handler, node)
        return run, t("tui.palette_help", key=key, tip=spec.tip())

    async def discover(self) -> Hits:
        for spec, node in offered(self.screen):
            run, help_text = self._entry(spec, node)
            yield DiscoveryHit(spec.title(), run, text=spec.title(), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(normalise_query(query))
        for spec, node in offered(self.screen):
            # Chinese labels are one "word" to the matcher (no spaces), so a hit inside them scores
            # below an English word start: take the best over every name, both languages.
            score = max(matcher.match(name) for name in spec.names())
            if score > 0:
                run, help_text = self._entry(spec, node)
                title = spec.title()
                yield Hit(score, matcher.highlight(title), run, text=title, help=help_text)
