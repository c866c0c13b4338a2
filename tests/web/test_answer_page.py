"""The full-answer page (/answer): its language links show the same answer in the other
language (the same region, identity and date, the calculator's same figures)."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from decimal import Decimal
from urllib.parse import urljoin

import pytest
from starlette.testclient import TestClient

from bot.cli.quote import answer
from bot.web.api import quote_parser
from dialogs.rendering import format_date, format_money
from tests.web.conftest import TODAY
from tests.web.pages import Page
from tests.web.test_chat_http import label, press

_LANG_LINK = re.compile(r'<a href="([^"]*)" hreflang="([^"]+)"')
_HTML_LANG = re.compile(r'<html lang="([^"]+)">')


def cli_figures(lang: str) -> tuple[str, str]:
    """The amount and the day cover starts, as `yibao quote` states them."""
    args = quote_parser().parse_args(["--region", "changtu", "--identity", "dibao_edge",
                                      "--date", TODAY.isoformat(), "--format", "json"])
    code, text = answer(args)
    assert code == 0
    data = json.loads(text)
    assert data["status"] == "ok"
    amount = format_money(Decimal(str(data["amount_due_cny"])), lang)
    # 昌图 一、3: paid outside the collection period, cover starts after 90 days
    starts = format_date(date.fromisoformat(data["coverage_start"]), lang)
    return amount, starts


def answered(client: TestClient) -> None:
    page = Page(client.get("/").text)
    page = press(client, page, label("region", region_name="昌图县"))
    page = press(client, page, label("identity", code="dibao_edge", selected=False))
    page = press(client, page, label("identities_done", count=1))
    if label("history_yes") in page.buttons:
        page = press(client, page, label("history_yes"))
    press(client, page, label("today", day=TODAY))


def html_lang(source: str) -> str:
    match = _HTML_LANG.search(source)
    assert match is not None
    return match.group(1)


def language_links(source: str) -> dict[str, str]:
    return {lang: html.unescape(href) for href, lang in _LANG_LINK.findall(source)}


@pytest.mark.parametrize("lang", ["zh_Hant", "en", "zh_Hans"])
def test_the_answer_pages_language_links_keep_the_answer(client: TestClient, lang: str) -> None:
    answered(client)
    full = client.get("/answer")
    assert full.status_code == 200
    # resolved against the page's address, as a browser does ("?lang=en" on /answer)
    link = urljoin(str(full.url), language_links(full.text)[lang])
    switched = client.get(link, follow_redirects=True)
    assert switched.status_code == 200
    assert str(switched.url).split("?")[0].endswith("/answer"), switched.url
    assert html_lang(switched.text) == {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant",
                                        "en": "en"}[lang]
    amount, starts = cli_figures(lang)
    text = html.unescape(switched.text)
    assert amount in text and starts in text
    assert 'class="full-answer"' in switched.text
    # and the chat carries on in that language
    chat = client.get("/").text
    assert html_lang(chat) == html_lang(switched.text)
