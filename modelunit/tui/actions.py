"""Every key of the dashboard in one table.

A row says which screens offer an action, under which key, in which words (the catalogue's
``key.NAME`` in the footer, ``tip.NAME`` as tooltip and in the help, ``cmd.NAME`` in the
command palette where it has a longer name), which permission it needs and which
``action_HANDLER`` runs it.  The bindings, ``check_action``, the help lines and the palette
entries are all made from this table; whether the actor may act is the domain's answer
(:func:`modelunit.domain.views.offer`), never a rule written here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode
from textual.screen import Screen

from modelunit.catalogue import MESSAGES
from modelunit.domain.views import Offer
from modelunit.i18n import t

APP, DASHBOARD, UNIT, TALLY, AUDIT, HELP = "app", "dashboard", "unit", "tally", "audit", "help"
PROGRESS = "progress"
TITLES = "titles"
IMPORT = "import"  # any of the bulk imports (modelunit.imports), asked of views.bulk_import_offer
DEMO = "demo"  # switching accounts: only in the demo, which hands the app its accounts


@dataclass(frozen=True)
class Action:
    name: str  # catalogue suffix, and the binding id after the screen's name
    key: str
    screens: tuple[str, ...]
    handler: str  # runs as action_HANDLER of the screen (or of the app, for APP)
    permission: str | None = None  # a domain permission (or IMPORT, DEMO, "save"); None: always offered
    show: bool = True  # in the footer (hidden ones are still in the help and the palette)
    priority: bool = False
    palette: bool = True

    def binding_id(self, screen: str) -> str:
        return self.name if screen == APP else f"{screen}.{self.name}"

    def label(self) -> str:
        return t(f"key.{self.name}")

    def title(self) -> str:
        """The palette's name for the action: its longer ``cmd.`` name where there is one."""
        return t(f"cmd.{self.name}") if f"cmd.{self.name}" in MESSAGES else self.label()

    def tip(self) -> str:
        return t(f"tip.{self.name}")

    def names(self) -> list[str]:
        """What the palette matches a query against: every name in both languages, so a
        Chinese user may type ``export`` and an English one ``导出``."""
        keys = [f"key.{self.name}", f"cmd.{self.name}"]
        return [text for key in keys if key in MESSAGES for text in MESSAGES[key]]


ACTIONS: tuple[Action, ...] = (
    Action("open", "enter", (DASHBOARD,), "open", show=False),
    Action("tally", "t", (DASHBOARD,), "tally", "tally.view"),
    Action("progress", "g", (DASHBOARD,), "progress", "campaign.view"),
    Action("missing", "m", (PROGRESS,), "missing"),
    Action("reminders", "x", (PROGRESS,), "export_reminders", "export"),
    Action("import", "i", (DASHBOARD,), "import_csv", IMPORT),
    Action("export", "x", (DASHBOARD,), "export", "export"),
    Action("sheets", "b", (DASHBOARD,), "score_sheets", "export", show=False),  # F1 and the palette
    Action("audit", "a", (DASHBOARD,), "audit", "audit.view"),
    Action("advance", "n", (DASHBOARD,), "advance", "campaign.advance"),
    Action("publicity", "p", (DASHBOARD,), "start_publicity", "publicity.start"),
    Action("award", "w", (DASHBOARD,), "award", "award"),
    Action("titles", "l", (DASHBOARD,), "titles", "title.view"),
    Action("campaigns", "c", (DASHBOARD,), "campaigns", "campaign.pick", show=False),  # F1 and the palette
    Action("switch", "u", (DASHBOARD,), "switch_user", DEMO),
    Action("search", "slash", (DASHBOARD,), "search"),
    Action("password", "k", (DASHBOARD,), "change_password", show=False),  # F1 and the palette
    # Sorting and reloading stay off the footer (it must fit 120 columns); F1 and the palette list them.
    Action("sort", "s", (DASHBOARD,), "sort", show=False),
    Action("refresh", "r", (DASHBOARD,), "refresh", show=False),
    Action("save", "ctrl+s", (UNIT,), "save", "save"),
    Action("report", "f2", (UNIT,), "unit_report"),  # a function key: the page's score fields take letters
    Action("revoke", "v", (TITLES,), "revoke", "title.revoke"),
    Action("rectified", "f", (TITLES,), "rectified", "title.rectified"),
    Action("back", "escape", (UNIT, TALLY, AUDIT, PROGRESS, TITLES), "back"),
    Action("close", "escape", (HELP,), "close"),
    Action("help", "f1", (APP,), "help"),
    Action("palette", "ctrl+p", (APP,), "command_palette", show=False, priority=True, palette=False),
    Action("quit", "ctrl+q", (APP,), "quit", priority=True),
)


def actions_of(screen: str) -> list[Action]:
    return [a for a in ACTIONS if screen in a.screens]


def binding(action: Action, screen: str) -> Binding:
    return Binding(action.key, action.handler, action.label(), show=action.show, tooltip=action.tip(),
                   id=action.binding_id(screen), priority=action.priority)


def bindings(screen: str) -> list[Binding]:
    return [binding(a, screen) for a in actions_of(screen)]


def install(node: DOMNode, screen: str) -> None:
    """Rebuild ``node``'s bindings in the current language.  Class-level BINDINGS are made once,
    when the module is imported; the language may have been set after that (``--lang``, tests)."""
    fresh = BindingsMap(bindings(screen))
    for key, key_bindings in fresh.key_to_bindings.items():
        node._bindings.key_to_bindings[key] = key_bindings


CHECK = {Offer.NOW: True, Offer.NOT_NOW: None, Offer.NEVER: False}


class ActionScreen(Screen):
    """A screen whose keys come from :data:`ACTIONS`.  ``check_action`` greys out (``None``) what
    the actor's role may do but not now, and hides (``False``) what their role never may."""

    SCREEN: ClassVar[str]

    def __init__(self) -> None:
        super().__init__()
        install(self, self.SCREEN)

    def offer(self, permission: str) -> Offer:
        """The domain's answer for ``permission`` on this screen (screens with permissions override this)."""
        return Offer.NEVER

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        spec = next((a for a in actions_of(self.SCREEN) if a.handler == action), None)
        if spec is None or spec.permission is None:
            return True
        return CHECK[self.offer(spec.permission)]

    def action_back(self) -> None:
        self.app.pop_screen()


def offered(screen: Screen) -> Iterator[tuple[Action, DOMNode]]:
    """The actions ``screen`` and the app offer right now, with the node that runs each: what the
    palette lists (an action greyed or hidden in the footer is not offered)."""
    own = actions_of(getattr(screen, "SCREEN", ""))
    for spec in own + actions_of(APP):
        node: DOMNode = screen.app if APP in spec.screens else screen
        if spec.palette and node.check_action(spec.handler, ()) is True:
            yield spec, node


def state(screen: Screen, spec: Action) -> bool | None:
    """``check_action``'s answer for ``spec`` on ``screen`` (or the app)."""
    node: DOMNode = screen.app if APP in spec.screens else screen
    return node.check_action(spec.handler, ())


def normalise_query(query: str) -> str:
    """What a user types, as the palette should match it.  An input method gives full-width
    letters (``ｅｘｐｏｒｔ``) and ideographic spaces; Chinese names have no spaces between
    words, so ``导 出`` must still find 导出.  The fuzzy matcher looks for the query's characters
    in order, so dropping spaces loses no English match either."""
    return "".join(unicodedata.normalize("NFKC", query).split())
