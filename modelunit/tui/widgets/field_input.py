"""An input whose Enter moves on to the next field at once, before the next key is read.

``Input`` answers Enter with a ``Submitted`` message, handled after the keys already typed: a
form that moved the focus on that message let a fast typist's (or a pasted) next characters land in
the field just left.  Here Enter moves the focus inside the key's own handling; only the form's last
field submits.
"""

from __future__ import annotations

from textual.widgets import Input


class FieldInput(Input):
    def __init__(self, *args, last: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.last = last

    async def action_submit(self) -> None:
        if self.last:
            await super().action_submit()
        else:
            self.screen.focus_next()
