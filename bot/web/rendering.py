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

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import jinja2
from markupsafe import Markup

from dialogs.render import render_paste_ready, render_reply
from dialogs.rendering import Lang, normalise_lang, translations
from dialogs.replies import Block, Reply

TEMPLATES_DIR: Final = Path(__file__).resolve().parent / "templates"
PARAGRAPH_BREAK: Final = "\n\n"

# The <html lang> of each language (BCP 47), so browsers pick the right CJK glyphs.
HTML_LANG: Final[dict[str, str]] = {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}


@dataclass(frozen=True)
class Button:
    option: str
    label: str


@dataclass(frozen=True)
class WebReply:
    kind: str  # the dialog's reply kind: question, answer, info, error
    html: Markup  # the reply's text as HTML paragraphs
    rows: list[list[Button]]
    columns: int
    seq: int
    plain: str | None  # answers only: the short paste-ready text the copy button copies
    full_plain: str | None  # answers only: the whole answer as plain text


def paragraphs(telegram_html: str) -> Markup:
    """Telegram HTML (escaped text, a few inline tags, newlines) as <p> and <br>."""
    parts = [p for p in telegram_html.split(PARAGRAPH_BREAK) if p.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup(part.strip("\n").replace("\n", "<br>\n")))
        for part in parts
    )


def render_web(reply: Reply) -> WebReply:
    """One dialog reply for the chat page."""
    html = render_reply(reply, "html")
    answer = reply.kind == "answer"
    full_plain = render_reply(reply, "text").text if answer else None
    # the same text as Telegram's "plain text" button: the short answer, one SMS long
    plain = render_paste_ready(reply) if answer else None
    return WebReply(
        kind=html.kind,
        html=paragraphs(html.text),
        rows=[[Button(option, label) for option, label in row] for row in html.buttons],
        columns=max(1, min(3, reply.columns)),
        seq=html.seq,
        plain=plain,
        full_plain=full_plain,
    )


def render_blocks(blocks: list[Block], lang: str) -> Markup:
    """Dialog blocks (a view: identity table, FAQ, sources, comparison) as HTML paragraphs,
    through the same reply renderer as the chat."""
    reply = Reply(kind="info", lang=normalise_lang(lang), blocks=blocks)
    return paragraphs(render_reply(reply, "html").text)


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
    env.globals["lang"] = lang
    env.globals["html_lang"] = HTML_LANG[lang]
    return env


def render_page(name: str, lang: str, **context: Any) -> str:
    return page_environment(normalise_lang(lang)).get_template(name).render(**context)
