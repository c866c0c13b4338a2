"""The web adapter's fast paths give what the slow ones gave: the page templates' own gettext
(bot/web/rendering.py) renders exactly what Jinja's newstyle gettext renders (the same
translations, the same escaping of their variables), and the CSRF token is the HMAC."""

from __future__ import annotations

from typing import Any

import jinja2
import pytest
from markupsafe import Markup

from bot.web.rendering import TEMPLATES_DIR, Button, WebReply, page_environment, render_page
from dialogs.rendering import translations


def reference_render(name: str, lang: str, **context: Any) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        extensions=["jinja2.ext.i18n"],
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(page_environment(lang).globals | {
        "gettext": env.globals["gettext"], "ngettext": env.globals["ngettext"],
        "_": jinja2.ext._gettext_alias,
    })
    return env.get_template(name).render(**context)


REPLY = WebReply(kind="answer", html=Markup("<p>x</p>"),
                 rows=[[Button("i:dibao", "低保 <b>")]], columns=2, seq=3,
                 buttons_html=Markup('<button name="option" value="i:dibao">低保 &lt;</button>'),
                 plain="短 <script>", full_plain="全 <script>")


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant", "en"])
@pytest.mark.parametrize("notice", [None, "too_long"])
def test_the_chat_page_is_what_jinjas_gettext_renders(lang: str, notice: str | None) -> None:
    # max_text as markup: a trans block's variable must come out escaped, in both
    context = dict(replies=[REPLY], csrf="a" * 32, region="changtu", notice=notice,
                   forgotten=False, max_text="<script>alert(1)</script>")
    ours = render_page("chat.j2", lang, **context)
    assert ours == reference_render("chat.j2", lang, **context)
    assert "<script>alert" not in ours
    assert render_page("expired.j2", lang) == reference_render("expired.j2", lang)
    assert render_page("answer.j2", lang, reply=REPLY, region=None) == reference_render(
        "answer.j2", lang, reply=REPLY, region=None)


def test_the_csrf_token_is_hmac_sha256_of_the_session_id() -> None:
    import hashlib
    import hmac

    from bot.web import session

    for sid in (session.new_session_id(), session.new_session_id(), "x" * 100, ""):
        expected = hmac.new(sid.encode(), b"yibao-web-csrf", hashlib.sha256).hexdigest()[:32]
        assert session.csrf_token(sid) == expected
    assert session.csrf_ok("a" * 43, session.csrf_token("a" * 43))
    assert not session.csrf_ok("a" * 43, session.csrf_token("b" * 43))
