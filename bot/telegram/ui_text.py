"""The few Telegram-only words: the "plain text" button and the command menu descriptions.

They come from dialog templates like every other sentence (`dialog/option/plain_text.j2`,
`dialog/command/<name>.j2`), rendered as plain text and translated in the catalogs.
"""

from __future__ import annotations

from functools import cache
from typing import Final

from dialogs.rendering import normalise_lang, render_template

PLAIN_TEXT_TEMPLATE: Final = "dialog/option/plain_text.j2"
COMMAND_TEMPLATE: Final = "dialog/command/{name}.j2"


@cache
def _render(template: str, lang: str) -> str:
    return render_template(template, lang, "text").strip()


def plain_text_label(lang: str) -> str:
    return _render(PLAIN_TEXT_TEMPLATE, normalise_lang(lang))


def command_description(name: str, lang: str) -> str:
    return _render(COMMAND_TEMPLATE.format(name=name), normalise_lang(lang))
