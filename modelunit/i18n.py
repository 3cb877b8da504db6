"""The one message catalogue: every user-facing sentence, in Chinese and English.

``t(key, **params)`` renders a message in the current language (Chinese unless
``set_lang("en")``).  Parameters that are themselves errors are rendered too,
so a domain error can carry another as its reason.
"""

from __future__ import annotations

import unicodedata

from modelunit.catalogue import MESSAGES

LANGS = ("zh", "en")
_lang = "zh"


def set_lang(lang: str) -> None:
    global _lang
    _lang = lang if lang in LANGS else "zh"


def get_lang() -> str:
    return _lang


def t(key: str, /, **params: object) -> str:
    return t_in(_lang, key, **params)


def t_in(lang: str, key: str, /, **params: object) -> str:
    """A message in a given language whatever the interface's: official forms are Chinese.
    Switching the global language instead would race with a dashboard that exports in a thread."""
    entry = MESSAGES.get(key)
    if entry is None:
        text = key
    else:
        text = entry[1] if lang == "en" else entry[0]
    rendered = {k: _render(v) for k, v in params.items()}
    try:
        return text.format(**rendered)
    except (KeyError, IndexError, ValueError):
        return text


def _render(value: object) -> object:
    render = getattr(value, "render", None)
    if callable(render):
        return render()
    return one_line(value) if isinstance(value, str) else value


def one_line(text: str) -> str:
    """User-supplied text inside a message: control characters (newline, ESC…) become spaces,
    so every message stays one line and nothing from a file reaches the terminal raw."""
    if text.isprintable():
        return text
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
