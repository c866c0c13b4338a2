"""The web chat in a real browser: Debian's chromium, driven by Playwright, against
`yibao web` on 127.0.0.1 (tests/web/conftest.py). A resident's dialog by taps and by one
typed sentence in each language, the copy button, a deep link, JavaScript off, a server
restart mid-dialog, "删除我的信息", and screenshots at phone and desktop sizes."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.cli.quote import answer
from bot.web.api import quote_parser
from dialogs.rendering import format_money, render_template
from tests.web.conftest import TODAY, WebServer

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium")
# Skipped on a developer machine without chromium; in CI (.ci/run installs it) a missing
# browser is a failure, not a skip.
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does)",
)

LANGS = ("zh_Hans", "zh_Hant", "en")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 20_000  # the machine is shared: generous, never a sleep


def label(template: str, lang: str, **params: object) -> str:
    return render_template(f"dialog/option/{template}.j2", lang, "text", **params).strip()


def cli_json(*argv: str) -> dict[str, Any]:
    code, text = answer(quote_parser().parse_args([*argv, "--format", "json"]))
    assert code == 0, text
    value: dict[str, Any] = json.loads(text)
    return value


def amount_text(answer_json: dict[str, Any], lang: str) -> str:
    assert answer_json["status"] == "ok", answer_json["status"]
    return format_money(Decimal(str(answer_json["amount_due_cny"])), lang)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """A factory of fresh browser contexts (each with its own new user-data dir)."""
    contexts: list[Any] = []
    with playwright_api.sync_playwright() as driver:

        def open_context(javascript: bool = True, viewport: dict[str, int] = PHONE) -> Any:
            profile = tmp_path / f"profile-{len(contexts)}"
            context = driver.chromium.launch_persistent_context(
                str(profile), executable_path=CHROMIUM, headless=True, args=FLAGS,
                java_script_enabled=javascript, viewport=viewport, locale="zh-CN",
            )
            context.set_default_timeout(TIMEOUT_MS)
            contexts.append(context)
            return context

        try:
            yield open_context
        finally:
            for context in contexts:
                context.close()


def tap(page: Any, text: str) -> None:
    page.get_by_role("button", name=text, exact=True).click()


def history_then_today(page: Any, lang: str) -> None:
    """The payment day; first "insured last year" where the dialog asks it (it may assume
    it and say so, pricing the other case in the answer)."""
    history = page.get_by_role("button", name=label("history_yes", lang), exact=True)
    today = page.get_by_role("button", name=label("today", lang, day=TODAY), exact=True)
    history.or_(today).first.wait_for()
    if history.count():
        history.click()
    today.click()
    page.locator("section.reply-answer").wait_for()


def changtu_by_taps(page: Any, lang: str) -> None:
    tap(page, label("region", lang, region_name="昌图县"))
    tap(page, label("identity", lang, code="dibao_edge", selected=False))
    tap(page, label("identities_done", lang, count=1))
    history_then_today(page, lang)


def stored_rows(database: Path) -> int:
    with sqlite3.connect(database) as db:
        count: int = db.execute("SELECT count(*) FROM conversations").fetchone()[0]
        return count


@pytest.mark.parametrize("lang", LANGS)
def test_a_dialog_by_taps(web_server: WebServer, browser: Any, lang: str, tmp_path: Path) -> None:
    page = browser().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(web_server.url) else None)
    page.goto(f"{web_server.url}/?lang={lang}")
    changtu_by_taps(page, lang)
    expected = cli_json("--region", "changtu", "--identity", "dibao_edge",
                        "--date", TODAY.isoformat(), "--lang", lang)
    answer_text = page.locator("section.reply-answer .bubble").inner_text()
    assert amount_text(expected, lang) in answer_text
    # the answer cites its notice, as the command's text answer names it in this language
    _, cli_text = answer(quote_parser().parse_args(
        ["--region", "changtu", "--identity", "dibao_edge", "--date", TODAY.isoformat(),
         "--lang", lang]))
    assert cli_text.splitlines()[0] in answer_text
    assert errors == [] and outside == []  # no script error, no third-party request
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(tmp_path / f"chat-{lang}-360x740.png"), full_page=False)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(tmp_path / f"chat-{lang}-1280x800.png"), full_page=False)
    assert (tmp_path / f"chat-{lang}-360x740.png").stat().st_size > 10_000


SENTENCES = {
    "zh_Hans": "我家孩子4月10号出生的，5月20号去交，科左后旗",
    "zh_Hant": "我家孩子4月10號出生的，5月20號去交，科左後旗",
    "en": "kezuohouqi, baby born on 10 April 2025, paying on 20 May 2025",
}


@pytest.mark.parametrize("lang", LANGS)
def test_a_dialog_by_one_typed_sentence(web_server: WebServer, browser: Any, lang: str) -> None:
    page = browser().new_page()
    page.goto(f"{web_server.url}/?lang={lang}")
    page.locator("#text").fill(SENTENCES[lang])
    page.locator("#text").press("Enter")
    page.locator("section.reply-answer").wait_for()
    expected = cli_json("--region", "kezuohouqi", "--identity", "newborn", "--birth-date",
                        "2025-04-10", "--date", "2025-05-20", "--lang", lang)
    assert amount_text(expected, lang) in page.locator("section.reply-answer").inner_text()


def test_the_copy_button_copies_the_paste_ready_answer(
    web_server: WebServer, browser: Any
) -> None:
    context = browser()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=web_server.url)
    page = context.new_page()
    page.goto(web_server.url + "/")
    changtu_by_taps(page, "zh_Hans")
    plain = page.locator("section.reply-answer textarea").input_value()
    page.get_by_role("button", name="复制答案").click()
    page.get_by_text("已复制").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == plain
    assert "<b>" not in plain and "昌图县" in plain
    expected = cli_json("--region", "changtu", "--identity", "dibao_edge",
                        "--date", TODAY.isoformat())
    assert amount_text(expected, "zh_Hans") in plain
    # the short answer: one SMS-sized paste that still names region, amount and source
    assert len(plain) < len(page.locator("section.reply-answer .bubble").inner_text())
    # the full answer has a page of its own, with the whole text to copy
    page.get_by_role("link", name="完整答案").click()
    full = page.locator("textarea#plain").input_value()
    assert len(full) > len(plain) and "昌图县" in full


def test_a_deep_link_opens_the_chat_on_its_region(web_server: WebServer, browser: Any) -> None:
    page = browser().new_page()
    page.goto(web_server.url + "/r/changtu?lang=en")
    tap(page, label("identity", "en", code="dibao_edge", selected=False))
    page.get_by_role("button", name=label("identity", "en", code="dibao_edge", selected=True),
                     exact=True).wait_for()
    assert "lang" not in page.url.split("?")[0]


def test_with_javascript_off_every_step_is_a_plain_form(
    web_server: WebServer, browser: Any
) -> None:
    page = browser(javascript=False).new_page()
    page.goto(web_server.url + "/")
    changtu_by_taps(page, "zh_Hans")
    copy = page.locator("section.reply-answer button.copy")
    assert copy.count() == 1 and not copy.is_visible()  # needs the script; the text is there
    page.locator("section.reply-answer summary").click()
    assert "昌图县" in page.locator("section.reply-answer textarea").input_value()
    page.locator("#text").fill("/table")
    page.get_by_role("button", name="发送").click()
    assert "低保" in page.locator("#chat").inner_text()


def stored_states(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [state for (state,) in db.execute("SELECT state FROM conversations")]


def test_with_javascript_off_a_reload_does_not_take_a_tap_again(
    web_server: WebServer, browser: Any
) -> None:
    page = browser(javascript=False).new_page()
    page.goto(web_server.url + "/")
    tap(page, label("region", "zh_Hans", region_name="昌图县"))
    tap(page, label("identity", "zh_Hans", code="dibao_edge", selected=False))
    selected = label("identity", "zh_Hans", code="dibao_edge", selected=True)
    page.get_by_role("button", name=selected, exact=True).wait_for()
    before, shown = stored_states(web_server.database), page.locator("#chat").inner_text()
    assert page.url == web_server.url + "/"  # the post was answered by a redirect here
    page.reload()
    page.go_back()
    page.go_forward()
    page.get_by_role("button", name=selected, exact=True).wait_for()
    assert page.locator("#chat").inner_text() == shown  # no "this question has moved on"
    assert stored_states(web_server.database) == before


def test_a_server_restart_mid_dialog_loses_nothing(web_server: WebServer, browser: Any) -> None:
    page = browser().new_page()
    page.goto(web_server.url + "/")
    tap(page, label("region", "zh_Hans", region_name="昌图县"))
    tap(page, label("identity", "zh_Hans", code="dibao_edge", selected=False))
    # the old process has answered the tap (its page is shown) before it stops; otherwise
    # the stop may cut the tap's redirect and the page would not be the one it rendered
    done = page.get_by_role("button", name=label("identities_done", "zh_Hans", count=1),
                            exact=True)
    done.wait_for()
    web_server.stop()
    web_server.start()
    # the page the old process rendered goes on against the new one
    done.click()
    history_then_today(page, "zh_Hans")
    expected = cli_json("--region", "changtu", "--identity", "dibao_edge",
                        "--date", TODAY.isoformat())
    assert amount_text(expected, "zh_Hans") in page.locator("section.reply-answer").inner_text()


def test_delete_my_information(web_server: WebServer, browser: Any) -> None:
    page = browser().new_page()
    page.goto(web_server.url + "/")
    tap(page, label("region", "zh_Hans", region_name="昌图县"))
    tap(page, label("identity", "zh_Hans", code="dibao_edge", selected=False))
    assert stored_rows(web_server.database) == 1
    page.get_by_role("button", name="删除我的信息").click()
    forgotten = render_template("dialog/forgotten.j2", "zh_Hans", "text").strip()
    page.get_by_text(forgotten.splitlines()[0][:12]).wait_for()
    assert stored_rows(web_server.database) == 0
    page.get_by_role("link", name="重新开始").click()
    page.get_by_role("button", name=label("region", "zh_Hans", region_name="昌图县"),
                     exact=True).wait_for()


def test_typed_markup_and_script_stay_text(web_server: WebServer, browser: Any) -> None:
    page = browser().new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(web_server.url + "/")
    for attack in ("<script>alert(1)</script>", '"><img src=x onerror=alert(2)>',
                   "昌图 <b>bold</b> 2025-13-45",
                   # an unknown command is named back to the user: the echo path
                   "/<img/src=x/onerror=alert(3)>", "/<b>bold</b>"):
        page.locator("#text").fill(attack)
        page.locator("#text").press("Enter")
        page.locator("#text").wait_for()
    assert dialogs == []
    assert page.locator("#chat img, #chat script").count() == 0
    assert page.locator("#chat b:text('bold')").count() == 0


def test_screenshot_dates_are_fixed() -> None:
    # The committed screenshots (docs/) were taken with the server's --today at this date.
    assert date(2025, 5, 25) == TODAY
