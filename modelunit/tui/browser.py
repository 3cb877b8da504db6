"""One browser tab's dashboard: the process ``modelunit serve`` starts for each session.

It always opens at the sign-in screen (the demo excepted, which opens signed in as its admin
as it does in a terminal), whatever the environment holds, and it ends itself after a spell
without input, so an abandoned tab neither stays signed in nor holds a process.
Run as ``python -m modelunit.tui.browser --db PATH``; not a command for people.
"""

from __future__ import annotations

import argparse
import sys
import time

from textual import events

from modelunit.i18n import set_lang, t
from modelunit.storage.database import open_database_at
from modelunit.tui.app import ModelUnitApp

IDLE_CHECK_SECONDS = 30.0


class BrowserApp(ModelUnitApp):
    """The dashboard for one browser session: signed out (the process ends) after ``idle_minutes``."""

    def __init__(self, *args, idle_minutes: float, public_url: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.idle_seconds = idle_minutes * 60
        self.public_url = public_url
        self.last_input = time.monotonic()

    def on_mount(self) -> None:
        if self.ctx is None:
            super().on_mount()
        else:
            # Signed in from the start (the demo): open the dashboard once the first frame is out.
            # Pushed during the web driver's start-up, its Header updated a title it had not
            # composed yet (NoMatches: HeaderTitle) and the session died.
            self.set_timer(0.1, super().on_mount)
        self.set_interval(min(IDLE_CHECK_SECONDS, self.idle_seconds / 2), self.sign_out_if_idle)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.Paste)):
            self.last_input = time.monotonic()
        await super().on_event(event)

    def sign_out_if_idle(self) -> None:
        if time.monotonic() - self.last_input >= self.idle_seconds:
            self.exit(message=t("serve.idle_signed_out"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="modelunit-browser-session")
    parser.add_argument("--db", required=True)
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.add_argument("--campaign")
    parser.add_argument("--idle-minutes", type=float, default=30.0)
    parser.add_argument("--public-url", default="")
    parser.add_argument("--demo", action="store_true")
    args = parser.parse_args(argv)
    set_lang(args.lang)
    db = open_database_at(args.db)
    ctx = accounts = password = None
    if args.demo:
        from modelunit.demo import CLERKS, DEMO_ADMIN, DEMO_PASSWORD, INSPECTORS, is_demo
        from modelunit.domain.context import Context
        from modelunit.domain.records import user_of

        if is_demo(db):  # only a database the demo built itself opens without a password
            ctx = Context(db, user_of(db.snapshot(), DEMO_ADMIN), args.campaign)
            accounts = [DEMO_ADMIN] + [name for name, _ in INSPECTORS] + [name for name, _ in CLERKS]
            password = DEMO_PASSWORD
    BrowserApp(db, ctx, accounts, password, idle_minutes=args.idle_minutes, public_url=args.public_url).run()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
