"""Whole conversations with the real bot over HTTP: buttons, free text, languages, commands.

Expectations come from the calculator (policies.engine.quote) and the dialog's own templates,
not from copied strings, so a wording change in a template does not break these tests while
a wrong amount or a missing citation does.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.telegram.callback_data import PLAIN_TEXT_OPTION
from dialogs.rendering import format_date, format_money, render_template
from dialogs.rendering.script import to_traditional
from policies.catalog import load_catalog
from policies.engine import quote
from policies.result import QuoteRequest, QuoteResult
from tests.e2e.conftest import TODAY, BotRunner, last, option_data, texts
from tests.e2e.fake_bot_api import FakeBotApi, parse_html

CHAT = 4242
CHANGTU_DOCUMENT = "昌图县政府办通知（2024年10月18日）"
# (Telegram language_code, the language the bot should answer in)
LANGUAGES = [("zh-hans", "zh_Hans"), ("zh-hant", "zh_Hant"), ("en", "en")]


def changtu_ordinary(payment_date: date = TODAY) -> QuoteResult:
    request = QuoteRequest(
        region="changtu", identities=frozenset(), payment_date=payment_date,
        lapsed_years=0, repaid_years=0,
    )  # fmt: skip
    return quote(request)


def assert_answer(text: str, result: QuoteResult, lang: str) -> None:
    """The answer names the region, the amount due and the notice it comes from."""
    assert result.amount is not None and result.document is not None
    # zh_Hant prints the data's names in Traditional script (dialogs/rendering/script.py)
    script = to_traditional if lang == "zh_Hant" else str
    assert script(result.region_name) in text
    assert format_money(result.amount.due, lang) in text
    assert script(result.document) in text
    assert format_date(result.request.payment_date, lang) in text


async def test_known_case_changtu_ordinary_pays_400() -> None:
    """The case the suite leans on, checked against the notice rather than the code."""
    result = changtu_ordinary()
    assert result.amount is not None
    assert result.amount.due == 400
    assert result.document == CHANGTU_DOCUMENT
    assert not result.document.startswith("后政办字")  # that one is 科左后旗's notice


@pytest.mark.parametrize(("client_lang", "lang"), LANGUAGES)
async def test_full_dialog_by_buttons(
    bot: BotRunner, api: FakeBotApi, client_lang: str, lang: str
) -> None:
    await bot.say(CHAT, "/start", language_code=client_lang)
    question = last(api, CHAT)
    assert render_template("dialog/ask_region.j2", lang, "text", regions=[])[:8] in question[
        "text"
    ]
    # Each answer to a question edits that question message in place.
    for option in ("r:changtu", "i:none"):
        await bot.click(CHAT, question["message_id"], option)
        assert len(api.sent_messages(CHAT)) == 1
    assert "d:today" in option_data(last(api, CHAT))
    await bot.click(CHAT, question["message_id"], "d:today")

    # The answer is a new message (forwardable), with the change buttons and "plain text".
    messages = api.sent_messages(CHAT)
    assert len(messages) == 2
    answer = messages[-1]
    assert_answer(answer["text"], changtu_ordinary(), lang)
    assert {"c:date", PLAIN_TEXT_OPTION} <= set(option_data(answer))
    # the region and identity presses each edited the question in place
    assert len(api.requests_for("editMessageText")) == 2
    # Every button press was acknowledged.
    assert len(api.callback_answers) == 3

    # "Plain text": the paste-ready answer, no parse mode, no markup, no keyboard.
    await bot.click(CHAT, answer["message_id"], PLAIN_TEXT_OPTION)
    plain = last(api, CHAT)
    sent = api.requests_for("sendMessage")[-1]
    assert "parse_mode" not in sent and "reply_markup" not in plain
    assert "<b>" not in plain["text"] and "entities" not in plain
    assert_answer(plain["text"], changtu_ordinary(), lang)


@pytest.mark.parametrize(
    ("client_lang", "lang", "turns"),
    [
        ("zh-hans", "zh_Hans", ["昌图", "普通居民", "是", "2024年10月10日"]),
        ("zh-hant", "zh_Hant", ["昌图县", "普通居民", "是", "今天"]),
        ("en", "en", ["changtu", "ordinary", "yes", "2024-10-10"]),
    ],
)
async def test_full_dialog_by_free_text(
    bot: BotRunner, api: FakeBotApi, client_lang: str, lang: str, turns: list[str]
) -> None:
    await bot.say(CHAT, "/start", language_code=client_lang)
    for turn in turns:
        await bot.say(CHAT, turn, language_code=client_lang)
    # Typed answers never edit: every reply is a new message, the last one the answer.
    assert len(api.sent_messages(CHAT)) == 1 + len(turns)
    assert api.requests_for("editMessageText") == []
    assert_answer(last(api, CHAT)["text"], changtu_ordinary(), lang)


async def test_language_chosen_with_lang_buttons(bot: BotRunner, api: FakeBotApi) -> None:
    await bot.say(CHAT, "/start changtu")  # client reports zh-hans
    await bot.say(CHAT, "/lang")
    menu = last(api, CHAT)
    await bot.click(CHAT, menu["message_id"], "l:en")
    assert render_template("dialog/language_set.j2", "en", "text") in last(api, CHAT)["text"]
    # The choice sticks although the client still says zh-hans.
    for text in ("普通居民", "是", "2024-10-10"):
        await bot.say(CHAT, text)
    assert_answer(last(api, CHAT)["text"], changtu_ordinary(), "en")


async def test_deep_link_preselects_the_region(bot: BotRunner, api: FakeBotApi) -> None:
    await bot.say(CHAT, "/start changtu")
    question = last(api, CHAT)
    assert "昌图县" in question["text"]
    options = option_data(question)
    assert "i:dibao" in options and "i:none" in options
    assert not any(option.startswith("r:") for option in options)


async def test_table_and_compare(bot: BotRunner, api: FakeBotApi) -> None:
    catalog = load_catalog()
    await bot.say(CHAT, "/table changtu")
    table = last(api, CHAT)["text"]
    assert "昌图县" in table
    assert format_money(changtu_ordinary().amount.due, "zh_Hans") in table  # type: ignore[union-attr]

    await bot.say(CHAT, "/compare")
    question = last(api, CHAT)
    assert "x:dibao" in option_data(question)
    await bot.click(CHAT, question["message_id"], "x:dibao")
    comparison = last(api, CHAT)["text"]
    for slug in catalog.regions():
        assert catalog.latest(slug).data.region.name in comparison


async def test_stale_and_forged_buttons_get_the_current_question(
    bot: BotRunner, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    stale = render_template("dialog/stale.j2", "zh_Hans", "text")
    await bot.say(CHAT, "/start")
    region_question = last(api, CHAT)
    await bot.say(CHAT, "昌图")  # typed: the region question stays on screen with its buttons
    assert len(api.sent_messages(CHAT)) == 2

    # A button of the old question: "moved on" plus the current (identities) question.
    await bot.click(CHAT, region_question["message_id"], "r:kezuohouqi")
    reply = last(api, CHAT)
    assert stale in reply["text"]
    assert "昌图县" in reply["text"] and "i:dibao" in option_data(reply)

    # Forged, truncated or future-version data: the same, never an exception.
    for data in ("v2|1|r:changtu", "garbage", "v1|x|r:changtu", "v1|99999|i:dibao"):
        before = len(api.sent_messages(CHAT))
        await bot.press_raw(CHAT, region_question["message_id"], data)
        assert len(api.sent_messages(CHAT)) == before + 1
        assert stale in last(api, CHAT)["text"]
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(api.callback_answers) == 5


async def test_forget_deletes_the_stored_row(bot: BotRunner, api: FakeBotApi) -> None:
    await bot.say(CHAT, "/start changtu")
    await bot.say(CHAT, "低保")
    assert bot.stored_keys() == [str(CHAT)]
    await bot.say(CHAT, "/forget")
    assert bot.stored_keys() == []
    assert render_template("dialog/forgotten.j2", "zh_Hans", "text") in last(api, CHAT)["text"]


async def test_restart_mid_dialog_loses_nothing(bot: BotRunner, api: FakeBotApi) -> None:
    await bot.say(CHAT, "/start changtu")
    question = last(api, CHAT)
    await bot.click(CHAT, question["message_id"], "i:none")

    await bot.stop()  # the process goes away between two messages ...
    await bot.start()  # ... and a new one starts on the same database

    await bot.click(CHAT, question["message_id"], "n:back")  # still edits in place
    assert len(api.sent_messages(CHAT)) == 1
    await bot.click(CHAT, question["message_id"], "i:none")
    await bot.say(CHAT, "2024-10-10")
    assert_answer(last(api, CHAT)["text"], changtu_ordinary(), "zh_Hans")


async def test_command_menus_are_set_per_language(bot: BotRunner, api: FakeBotApi) -> None:
    default = api.commands()
    english = api.commands(language_code="en")
    chinese = api.commands(language_code="zh")
    names = ["start", "help", "cancel", "lang", "table", "compare", "glossary", "sources", "forget"]
    for menu in (default, english, chinese):
        assert [c["command"] for c in menu] == names
    assert default == chinese
    assert english != default


async def test_every_message_is_valid_telegram_html(bot: BotRunner, api: FakeBotApi) -> None:
    """The fake already refuses invalid HTML; this also walks the reference views."""
    for text in ("/help", "/sources", "/table 双清", "/table 科左后旗", "/compare 低保", "<b>&"):
        await bot.say(CHAT, text)
    for params in api.requests_for("sendMessage"):
        if params.get("parse_mode") == "HTML":
            parse_html(params["text"])
    assert len(texts(api, CHAT)) >= 6


async def test_no_notice_for_the_date_comes_first_in_the_reference_answer(
    bot: BotRunner, api: FakeBotApi
) -> None:
    """No notice on file governs 2026-01-10: the answer says so first and plainly, then gives
    the answer under the latest notice, labelled as reference, in the same message (so a
    forwarded answer keeps the warning); buttons and "plain text" under it."""
    assert changtu_ordinary(date(2026, 1, 10)).status == "no_policy"
    for text in ("/start changtu", "普通居民", "是"):
        await bot.say(CHAT, text)
    before_answer = len(api.sent_messages(CHAT))
    await bot.say(CHAT, "2026-01-10")
    [reference] = api.sent_messages(CHAT)[before_answer:]
    assert {"c:date", PLAIN_TEXT_OPTION} <= set(option_data(reference))
    assert CHANGTU_DOCUMENT in reference["text"]
    warning, _, rest = reference["text"].partition("2025年度规定")
    assert "昌图县" in warning and "2026" in warning and rest  # the warning comes first

    before = len(api.requests_for("sendMessage"))
    await bot.click(CHAT, reference["message_id"], PLAIN_TEXT_OPTION)
    sent = api.requests_for("sendMessage")[before:]
    assert sent and all("parse_mode" not in params for params in sent)
    plain = "\n".join(params["text"] for params in sent)
    assert "<b>" not in plain and CHANGTU_DOCUMENT in plain
