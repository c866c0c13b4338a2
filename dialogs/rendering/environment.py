"""One Jinja environment per (language, markup), with gettext from the compiled catalogs.

The same templates serve Telegram HTML and plain text: markup goes through filters (`bold`,
`italic`, `code`) that wrap in HTML and do nothing in text, and the HTML environment
autoescapes every inserted value while the text one inserts values verbatim. Translated
strings are trusted (they come from our catalogs); their parameters are escaped in HTML
because the newstyle gettext formats into `Markup`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal, cast

import jinja2
from babel.lists import format_list
from babel.support import Translations
from markupsafe import Markup as SafeHTML
from markupsafe import escape

import locales
from dialogs.rendering.formatting import format_date, format_money
from dialogs.rendering.languages import Lang, Markup, normalise_lang
from dialogs.rendering.script import to_traditional
from policies.catalog import load_catalog

log = logging.getLogger("dialogs.rendering")

TEMPLATES_DIR: Final = Path(__file__).resolve().parent.parent / "templates"
LOCALES_DIR: Final = Path(locales.__file__).resolve().parent
DOMAIN: Final = "messages"
PARAGRAPH: Final = "\u2029"  # Unicode PARAGRAPH SEPARATOR: never in policy data

# Tags Telegram accepts in HTML parse mode (a subset; we only emit these).
_WRAPPERS: Final = {"bold": "b", "italic": "i", "code": "code", "underline": "u"}


ListStyle = Literal["standard", "or"]  # "A、B和C" / "A、B或C"


class MissingCatalogError(FileNotFoundError):
    """A shipped language has no compiled catalog: the package is broken, say so loudly."""


@cache
def translations(lang: Lang) -> Translations:
    """The compiled catalog for `lang`, read once per process."""
    path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not path.is_file():
        raise MissingCatalogError(f"{path} is missing; run `make i18n`")
    with path.open("rb") as handle:
        return Translations(handle, domain=DOMAIN)


def unknown(kind: str, code: object) -> str:
    """Called by templates for a code they have no sentence for.

    The user still gets an answer (the raw code), but the warning makes the grid test fail, so
    a new engine code cannot ship without its sentence.
    """
    log.warning("no template for %s %r", kind, code)
    return str(code)


def _wrapper(tag: str, markup: Markup) -> Callable[[object], object]:
    if markup == "text":
        return lambda value: value
    open_close = SafeHTML(f"<{tag}>%s</{tag}>")
    return lambda value: open_close % (value,)


def _label(markup: Markup) -> Callable[[str], str]:
    """A bold field label ("Amount due:", "应缴金额："), then a space unless the label ends
    with a full-width colon, which carries its own spacing."""
    bold = _wrapper("b", markup)

    def label(text: str) -> str:
        gap = "" if str(text).endswith("：") else " "
        return cast(str, bold(text)) + gap

    return label


def _term(lang: Lang) -> Callable[[str, str | None], str]:
    """A policy term stays Chinese; English readers get their translation in brackets."""

    def term(zh: str, en: str | None = None) -> str:
        if lang == "en" and en:
            return f"{zh} ({en})"
        return zh

    return term


def _localized(lang: Lang) -> Callable[[Mapping[str, str] | None], str]:
    """A data-defined label {zh_Hans, zh_Hant, en}: Chinese wording, English in brackets."""
    term = _term(lang)

    def localized(label: Mapping[str, str] | None) -> str:
        if not label:
            return ""
        if lang == "en":
            return term(label.get("zh_Hans", ""), label.get("en"))
        return label.get(lang) or label.get("zh_Hans", "")

    return localized


def _identity(lang: Lang) -> Callable[[str], str]:
    term = _term(lang)

    def identity(code: str) -> str:
        registry = load_catalog().identities
        if code not in registry:
            return unknown("identity", code)
        entry = registry[code]
        return term(entry.zh, entry.en)

    return identity


def _identity_en(code: str) -> str | None:
    """The registry's English for an identity code, for term(label, en) pairs."""
    entry = load_catalog().identities.get(code)
    return entry.en if entry is not None else None


def _join_list(lang: Lang, markup: Markup) -> Callable[..., str]:
    """Babel's list pattern: "A、B和C" / "A, B, and C"; style "or" for alternatives."""

    def join_list(items: Iterable[object], style: ListStyle = "standard") -> str:
        parts = [str(escape(i)) if markup == "html" else str(i) for i in items]
        joined = format_list(parts, style=style, locale=lang) if parts else ""
        return SafeHTML(joined) if markup == "html" else joined

    return join_list


def _money(lang: Lang) -> Callable[[Decimal | int | str], str]:
    return lambda amount: format_money(Decimal(amount), lang)


def _date(lang: Lang) -> Callable[[date | str], str]:
    """Dates from results, or ISO strings from note params."""

    def fmt(day: date | str) -> str:
        return format_date(day if isinstance(day, date) else date.fromisoformat(day), lang)

    return fmt


@cache
def environment(lang: Lang, markup: Markup) -> jinja2.Environment:
    """The environment for one language and markup; built once per process."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
        autoescape=markup == "html",
        undefined=jinja2.StrictUndefined,
        # Control lines leave empty lines behind (no trim_blocks: it would also eat the
        # newline of content lines ending in {% endtrans %}); tidy() drops them, and a
        # template asks for a real blank line with {{ paragraph }}.
        trim_blocks=False,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # The templates ship with the package and never change under a running process; with
        # auto_reload every render would stat its template file (and each one it includes).
        auto_reload=False,
    )
    # Multi-line {% trans %} blocks become one-line msgids (babel.cfg sets the same).
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    for name, tag in _WRAPPERS.items():
        env.filters[name] = _wrapper(tag, markup)
    env.filters["label"] = _label(markup)
    env.filters["money"] = _money(lang)
    env.filters["date"] = _date(lang)
    env.filters["identity"] = _identity(lang)
    env.filters["localized"] = _localized(lang)
    env.filters["identity_en"] = _identity_en
    env.filters["join_list"] = _join_list(lang, markup)
    env.globals["term"] = _term(lang)
    env.globals["unknown"] = unknown
    env.globals["paragraph"] = PARAGRAPH
    env.globals["lang"] = lang
    env.globals["markup"] = markup
    env.globals["escape"] = escape if markup == "html" else str
    return env


def tidy(text: str) -> str:
    """Drop the empty lines control tags leave; keep one blank line per {{ paragraph }}."""
    lines: list[str] = []
    for raw in text.split("\n"):
        if raw.strip(" \t") == PARAGRAPH:  # before rstrip(): U+2029 counts as whitespace
            if lines and lines[-1]:
                lines.append("")
            continue
        line = raw.rstrip()
        if line:
            lines.append(line)
    return "\n".join(lines).strip("\n")


def render_template(name: str, lang: str, markup: Markup, **context: Any) -> str:
    """Render any template under dialogs/templates/ for a language and markup.

    In zh_Hant the policy data inserted into the text (Simplified, as the notices print it)
    is converted to Traditional, except the notice's own words in “…” (`script`)."""
    language = normalise_lang(lang)
    template = environment(language, markup).get_template(name)
    text = tidy(template.render(**context))
    return to_traditional(text) if language == "zh_Hant" else text
