"""Rendering replies: Jinja templates + Babel, in Telegram HTML or plain text.

Public API (everything a dialog or adapter needs):
    render_quote(result, lang, markup) -> str        the full answer to a QuoteResult
    render_note(note, lang, markup) -> str           one engine Note as a sentence
    render_template(name, lang, markup, **ctx) -> str  any template in dialogs/templates/
    format_money(amount, lang) / format_date(day, lang)
    normalise_lang(code) -> Lang                     Telegram/user language -> shipped one
    check_telegram_html(text) -> list[str]           problems Telegram would reject
"""

from dialogs.rendering.environment import environment, render_template, translations
from dialogs.rendering.formatting import format_date, format_money
from dialogs.rendering.languages import (
    DEFAULT_LANG,
    LANGUAGES,
    MARKUPS,
    Lang,
    Markup,
    normalise_lang,
)
from dialogs.rendering.notes import note_codes, render_note
from dialogs.rendering.quote import MAX_MESSAGE_LENGTH, render_quote
from dialogs.rendering.telegram_html import ALLOWED_TAGS, check_telegram_html

__all__ = [
    "ALLOWED_TAGS",
    "DEFAULT_LANG",
    "LANGUAGES",
    "MARKUPS",
    "MAX_MESSAGE_LENGTH",
    "Lang",
    "Markup",
    "check_telegram_html",
    "environment",
    "format_date",
    "format_money",
    "normalise_lang",
    "note_codes",
    "render_note",
    "render_quote",
    "render_template",
    "translations",
]
