"""Dialog replies as web HTML: the web's one rendering, beside Telegram's.

The dialog's templates already render every reply to Telegram HTML: every inserted value
escaped, and only <b>, <i>, <u> and <code> emitted (tests/dialogs checks that grid). That is
valid HTML too, so the web takes that text and adds only what a page needs: paragraphs and
line breaks. No sentence, figure or policy decision is made here. The paste-ready text (the
copy button) is the dialog's short answer, as the Telegram "plain text" button sends it; the
full-answer page has the whole answer as plain text too.

The pages themselves (chat, answer, reference, comparison) are Jinja templates under
bot/web/templates/, translated from the same catalogs as the dialog (locales/).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Final, NamedTuple

import jinja2
from markupsafe import Markup, escape

from dialogs.render import render_paste_ready, render_reply
from dialogs.rendering import Lang, normalise_lang, translations
from dialogs.replies import Block, Reply

TEMPLATES_DIR: Final = Path(__file__).resolve().parent / "templates"
PARAGRAPH_BREAK: Final = "\n\n"

# The <html lang> of each language (BCP 47), so browsers pick the right CJK glyphs.
HTML_LANG: Final[dict[str, str]] = {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}


class Button(NamedTuple):
    # a tuple: a question has up to 28 and a page's are built on every request (a frozen
    # dataclass's __init__ was most of reading a stored page back)
    option: str
    label: str


@dataclass(frozen=True)
class WebReply:
    kind: str  # the dialog's reply kind: question, answer, info, error
    html: Markup  # the reply's text as HTML paragraphs
    rows: list[list[Button]]
    buttons_html: Markup  # the rows' <button> elements, one a line
    columns: int
    seq: int
    plain: str | None  # answers only: the short paste-ready text the copy button copies
    full_plain: str | None  # answers, if asked for (the full-answer page): the whole text


def paragraphs(telegram_html: str) -> Markup:
    """Telegram HTML (escaped text, a few inline tags, newlines) as <p> and <br>."""
    # plain string operations on text that is already safe HTML, marked safe once at the end
    # (Markup.format escapes through a Python-level formatter: ~14 % of rendering an answer)
    return Markup("".join(
        "<p>" + part.strip("\n").replace("\n", "<br>\n") + "</p>"
        for part in telegram_html.split(PARAGRAPH_BREAK)
        if part.strip()
    ))


@lru_cache(maxsize=4096)
def buttons_html(rows: tuple[tuple[tuple[str, str], ...], ...]) -> Markup:
    """A reply's buttons as <button> elements: a function of the options and their labels
    only (the form's seq and CSRF token are outside it), so one question's buttons are built
    once for everyone (in the template, a 28-button question was a third of the page)."""
    return Markup("\n".join(
        f'      <button type="submit" name="option" value="{escape(option)}">'
        f"{escape(label)}</button>"
        for row in rows
        for option, label in row
    ))


def render_web(reply: Reply, full_plain: bool = False) -> WebReply:
    """One dialog reply for a page; the whole answer as plain text too when `full_plain`
    (the full-answer page shows it; the chat page does not, and it is a second render)."""
    html = render_reply(reply, "html")
    answer = reply.kind == "answer"
    # the same text as Telegram's "plain text" button: the short answer, one SMS long
    plain = render_paste_ready(reply) if answer else None
    full = render_reply(reply, "text").text if answer and full_plain else None
    return WebReply(
        kind=html.kind,
        html=paragraphs(html.text),
        rows=[[Button(option, label) for option, label in row] for row in html.buttons],
        buttons_html=buttons_html(tuple(map(tuple, html.buttons))),
        columns=max(1, min(3, reply.columns)),
        seq=html.seq,
        plain=plain,
        full_plain=full,
    )


def render_blocks(blocks: list[Block], lang: str) -> Markup:
    """Dialog blocks (a view: identity table, FAQ, sources, comparison) as HTML paragraphs,
    through the same reply renderer as the chat."""
    reply = Reply(kind="info", lang=normalise_lang(lang), blocks=blocks)
    return paragraphs(render_reply(reply, "html").text)


def _page_gettext(lang: Lang) -> tuple[Callable[..., Markup], Callable[..., Markup]]:
    """gettext and ngettext for the page templates, with the newstyle semantics of Jinja's
    i18n extension (the translation is trusted markup, its variables are escaped into it by
    `Markup.__mod__`, and it is always a format string), but plain functions.

    Jinja's own newstyle callables take the template context and go through
    `Context.call` twice per `_()`: about half the cost of rendering the chat page, which
    has some 15 of them. The translations of the page templates are literals, so each
    finished string without variables is remembered (bounded by the templates' msgids).
    """
    catalog = translations(lang)
    finished: dict[str, Markup] = {}

    def gettext(__string: str, **variables: Any) -> Markup:
        if not variables:
            done = finished.get(__string)
            if done is None:
                done = Markup(catalog.gettext(__string)) % {}
                if len(finished) < 1024:  # literals only, but bounded all the same
                    finished[__string] = done
            return done
        return Markup(catalog.gettext(__string)) % variables

    def ngettext(__singular: str, __plural: str, __num: int, **variables: Any) -> Markup:
        variables.setdefault("num", __num)
        return Markup(catalog.ngettext(__singular, __plural, __num)) % variables

    return gettext, ngettext


@cache
def page_environment(lang: Lang) -> jinja2.Environment:
    """The pages' environment: autoescaping, gettext from the dialog's catalogs."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        extensions=["jinja2.ext.i18n"],
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    gettext, ngettext = _page_gettext(lang)
    # `_` is the extension's alias that looks `gettext` up again per call: bind it directly
    env.globals.update(gettext=gettext, _=gettext, ngettext=ngettext)
    env.globals["lang"] = lang
    env.globals["html_lang"] = HTML_LANG[lang]
    return env


def render_page(name: str, lang: str, **context: Any) -> str:
    return page_environment(normalise_lang(lang)).get_template(name).render(**context)
