"""Chinese text wrapped as Chinese typography wants it: no line begins with a closing mark
(，。、；：）…) and none ends with an opening one (（《“…).  Rich folds a run of CJK
characters at whatever cell the width falls on; item texts are read line by line."""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

NO_START = frozenset("，。、；：？！）》」』】〕〉”’…％·—～,.;:?!)]}%")
NO_END = frozenset("（《「『【〔〈“‘([{")
# A Latin word or a number stays whole (100%, C1.2, ISO9001); anything else is one character.
TOKEN = re.compile(r"[A-Za-z0-9_.%/+\-]+|\s+|.")


def wrap_cjk(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells (a line may run one mark over rather than
    start the next with it)."""
    width = max(width, 2)
    lines: list[str] = []
    for para in text.split("\n"):
        line: list[str] = []
        for token in TOKEN.findall(para):
            if line and cell_len("".join(line)) + cell_len(token) > width and not token.isspace():
                carry: list[str] = []
                # Take characters down with a closing mark, and an opening mark down to what it opens.
                while len(line) > 1 and ((carry[0] if carry else token)[0] in NO_START or line[-1][-1] in NO_END):
                    carry.insert(0, line.pop())
                lines.append("".join(line).rstrip())
                line = carry
            if line or not token.isspace():
                line.append(token)
        lines.append("".join(line).rstrip())
    return lines


class WrappedText(Static):
    """Plain user text (never markup), wrapped by :func:`wrap_cjk` to the widget's width."""

    def __init__(self, text: str, **kwargs) -> None:
        super().__init__(Text(text), **kwargs)
        self.text = text

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(wrap_cjk(self.text, width))

    def render(self) -> Text:
        width = self.content_size.width
        return Text("\n".join(wrap_cjk(self.text, width))) if width else Text(self.text)
