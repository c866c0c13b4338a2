"""Sentences for the engine's notes: one macro per code in dialogs/templates/notes.j2.

To add a code: write `{% macro note_<code>(p) %}…{% endmacro %}` in notes.j2 using English
msgids, run `make i18n`, translate the new entries in locales/*/messages.po. The grid test
fails until then, because a code without a macro logs a warning and renders as the bare code.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, Final, cast

from markupsafe import Markup as SafeHTML
from markupsafe import escape

from dialogs.rendering.environment import environment, tidy, unknown
from dialogs.rendering.languages import Lang, Markup, normalise_lang
from dialogs.rendering.script import to_traditional
from policies.result import Note, QuoteResult

NOTES_TEMPLATE: Final = "notes.j2"
DATA: Final = "data"  # a note whose sentences live in the policy data, per language
_PREFIX: Final = "note_"


@cache
def _module(lang: Lang, markup: Markup) -> Any:
    return environment(lang, markup).get_template(NOTES_TEMPLATE).module


@cache
def note_codes() -> frozenset[str]:
    """Every engine note code the templates have a sentence for (plus "data")."""
    module = _module("en", "text")
    names = {name.removeprefix(_PREFIX) for name in dir(module) if name.startswith(_PREFIX)}
    return frozenset({*names, DATA})


def note_fragment(note: Note, lang: str, markup: Markup) -> str:
    """One note as a sentence; in HTML a `Markup` that templates insert without re-escaping."""
    language = normalise_lang(lang)
    if note.code == DATA:
        texts = note.text or {}
        text = texts.get(language) or texts.get("zh_Hans")
        if text is None:
            text = unknown("data note text", note.params.get("id", "?"))
        return escape(text) if markup == "html" else text
    macro = cast(
        "Callable[[dict[str, str]], str] | None",
        getattr(_module(language, markup), _PREFIX + note.code, None),
    )
    if macro is None:
        fallback = unknown("note", note.code)
        return escape(fallback) if markup == "html" else fallback
    sentence = tidy(str(macro(note.params)))
    # The macro's output is already escaped; tidy() only touched whitespace.
    return SafeHTML(sentence) if markup == "html" else sentence


def render_note(note: Note, lang: str, markup: Markup) -> str:
    """One note as a sentence in `lang` (HTML-escaped when `markup` is "html"), as plain str;
    in zh_Hant, data inserted into it is Traditional too (quotes stay as printed)."""
    text = str(note_fragment(note, lang, markup))
    return to_traditional(text) if normalise_lang(lang) == "zh_Hant" else text


def completed(note: Note, result: QuoteResult) -> Note:
    """The note with what its sentence needs from the answer it belongs to: the assumed tier
    as the notice names it ("一档", QuoteResult.tier_label), so the answer's header, its
    notes and the dialog say the tier in one wording."""
    if note.code == "tier_assumed" and result.tier_label and "label" not in note.params:
        return note.model_copy(update={"params": {**note.params, "label": result.tier_label}})
    return note
