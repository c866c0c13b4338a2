"""Tests of the fake Bot API server, driven by PTB's own Bot/Application and by raw HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    Update,
)
from telegram.error import BadRequest, Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.e2e.fake_bot_api import (
    BOT_ID,
    DEFAULT_GROUP_USER_ID,
    EntityParseError,
    FakeBotApi,
    parse_html,
)

TOKEN = "123:ABC"
CHAT = 42


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as client:
        yield client


async def raw_call(
    api: FakeBotApi,
    method: str,
    *,
    form: dict[str, str] | None = None,
    json_body: dict[str, Any] | None = None,
    token: str = TOKEN,
) -> tuple[int, Any]:
    """POST like a non-PTB client; returns (status, decoded JSON or text)."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{api.base_url}{token}/{method}", data=form, json=json_body) as response,
    ):
        text = await response.text()
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, text


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


# ----------------------------------------------------------------------------- basics


async def test_get_me_round_trip(api: FakeBotApi, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username, me.first_name) == (
        BOT_ID,
        True,
        "yibao_test_bot",
        "yibao",
    )
    assert me.can_join_groups is True
    assert me.can_read_all_group_messages is False
    assert me.supports_inline_queries is False
    # Bot.initialize() and the explicit call; PTB posts urlencoded forms.
    assert [m for m, _ in api.requests] == ["getMe", "getMe"]


async def test_wrong_token_is_401_and_unknown_method_404(api: FakeBotApi) -> None:
    assert await raw_call(api, "getMe", token="999:NOPE") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert await raw_call(api, "launchRockets") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    status, body = await raw_call(api, "GETME")  # method names are case-insensitive
    assert status == 200 and body["result"]["id"] == BOT_ID

    with pytest.raises(InvalidToken):
        async with Bot("999:NOPE", base_url=api.base_url):
            pass


async def test_send_message_with_valid_html(api: FakeBotApi, bot: Bot) -> None:
    await api.user_sends_text(CHAT, "hi")
    html = (
        '<b>缴费</b> &amp; <i>截止</i> <a href="https://example.org/?a=1&amp;b=2">链接</a> '
        '<tg-spoiler>x</tg-spoiler> <pre><code class="language-python">print(1)</code></pre>'
    )
    sent = await bot.send_message(CHAT, html, parse_mode="HTML", reply_markup=keyboard("pay"))

    assert sent.text == "缴费 & 截止 链接 x print(1)"
    assert sent.from_user is not None and sent.from_user.id == BOT_ID
    assert sent.chat.id == CHAT
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 2),
        ("italic", 5, 2),
        ("text_link", 8, 2),
        ("spoiler", 11, 1),
        ("pre", 13, 8),
    ]
    assert sent.entities[2].url == "https://example.org/?a=1&b=2"
    assert sent.entities[4].language == "python"
    assert sent.reply_markup == keyboard("pay")

    (stored,) = api.sent_messages(CHAT)
    assert stored["message_id"] == sent.message_id and stored["text"] == sent.text
    method, params = api.requests[-1]
    assert method == "sendMessage" and params["text"] == html and params["chat_id"] == CHAT
    pay_button = {"text": "pay", "callback_data": "pay"}
    assert params["reply_markup"] == {"inline_keyboard": [[pay_button]]}
    assert api.calls[-1].content_type == "application/x-www-form-urlencoded"


async def test_json_and_multipart_bodies_are_accepted(api: FakeBotApi) -> None:
    await api.user_sends_text(CHAT, "hi")
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}
    status, body = await raw_call(
        api, "sendMessage", json_body={"chat_id": CHAT, "text": "json", "reply_markup": markup}
    )
    assert status == 200 and body["result"]["reply_markup"] == markup

    form = aiohttp.FormData()
    form.add_field("chat_id", str(CHAT))
    form.add_field("text", "multipart")
    form.add_field("reply_markup", json.dumps(markup))
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{api.base_url}{TOKEN}/sendMessage", data=form) as response,
    ):
        assert response.status == 200
    assert [m["text"] for m in api.sent_messages(CHAT)] == ["json", "multipart"]


# ----------------------------------------------------------------------------- rejections


@pytest.mark.parametrize(
    ("text", "description"),
    [
        pytest.param(
            "<b>申报</b><div>x</div>",
            'Bad Request: can\'t parse entities: Unsupported start tag "div" at byte offset 13',
            id="unsupported-tag",
        ),
        pytest.param(
            "1 < 2",
            'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2',
            id="bare-lt",
        ),
        pytest.param(
            "a <b",
            "Bad Request: can't parse entities: Unclosed start tag at byte offset 2",
            id="lt-at-end",
        ),
        pytest.param(
            "<b>bold",
            "Bad Request: can't parse entities: "
            'Can\'t find end tag corresponding to start tag "b"',
            id="unclosed-tag",
        ),
        pytest.param(
            "<b><i>x</b></i>",
            "Bad Request: can't parse entities: Unmatched end tag at byte offset 7, "
            'expected "</i>", found "</b>"',
            id="mismatched-tag",
        ),
        pytest.param(
            "x</b>",
            "Bad Request: can't parse entities: Unexpected end tag at byte offset 1",
            id="stray-end-tag",
        ),
        pytest.param(
            '<span class="bold">x</span>',
            'Bad Request: can\'t parse entities: Tag "span" must have class "tg-spoiler" '
            "at byte offset 0",
            id="span-without-spoiler",
        ),
        pytest.param("", "Bad Request: message text is empty", id="empty"),
        pytest.param("<b> </b>\n", "Bad Request: message text is empty", id="empty-after-parse"),
        pytest.param("a" * 4097, "Bad Request: message is too long", id="too-long"),
        pytest.param("😀" * 2049, "Bad Request: message is too long", id="too-long-utf16"),
    ],
)
async def test_send_message_rejections(
    api: FakeBotApi, bot: Bot, text: str, description: str
) -> None:
    await api.user_sends_text(CHAT, "hi")
    status, body = await raw_call(
        api, "sendMessage", form={"chat_id": str(CHAT), "text": text, "parse_mode": "HTML"}
    )
    assert (status, body) == (400, {"ok": False, "error_code": 400, "description": description})

    with pytest.raises(BadRequest) as caught:
        await bot.send_message(CHAT, text, parse_mode="HTML")
    # PTB strips "Bad Request: " and .capitalize()s the rest (lower-casing everything else).
    assert caught.value.message == description.removeprefix("Bad Request: ").capitalize()
    assert api.sent_messages(CHAT) == []


async def test_bare_ampersand(api: FakeBotApi, bot: Bot) -> None:
    await api.user_sends_text(CHAT, "hi")
    with pytest.raises(BadRequest, match="Can't parse entities") as caught:
        await bot.send_message(CHAT, "医保 A&B 缴费", parse_mode="HTML")
    assert 'character "&" at byte offset 8' in caught.value.message
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(CHAT, '<a href="https://x.org/?a=1&b=2">x</a>', parse_mode="HTML")
    # Real Telegram keeps such a "&" as text; the fake can be told to do the same.
    assert parse_html("A&B &nbsp; &lt", strict_ampersand=False).text == "A&B &nbsp; <"
    # Without parse_mode nothing is parsed at all.
    sent = await bot.send_message(CHAT, "A&B <not a tag>")
    assert sent.text == "A&B <not a tag>"


async def test_length_limit_counts_visible_text(api: FakeBotApi, bot: Bot) -> None:
    await api.user_sends_text(CHAT, "hi")
    sent = await bot.send_message(CHAT, "<b>" + "a" * 4095 + "</b>&amp;", parse_mode="HTML")
    assert len(sent.text or "") == 4096
    sent = await bot.send_message(CHAT, "\n" + "医" * 4096 + "\n")  # trimmed like Telegram
    assert sent.text == "医" * 4096


async def test_keyboard_rejections(api: FakeBotApi, bot: Bot) -> None:
    await api.user_sends_text(CHAT, "hi")
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(CHAT, "x", reply_markup=keyboard("x" * 65))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(CHAT, "x", reply_markup=keyboard("医" * 22))  # 66 bytes
    await bot.send_message(CHAT, "x", reply_markup=keyboard("x" * 64))  # the limit is fine

    malformed = "Bad Request: can't parse reply keyboard markup JSON object"
    cases = {
        "{not json": malformed,
        '{"inline_keyboard": {"a": 1}}': malformed,
        '{"inline_keyboard": [{"text": "a"}]}': malformed,
        "[1, 2]": malformed,
        '{"inline_keyboard": [[{"text": "a"}]]}': (
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard"
        ),
        '{"inline_keyboard": [[{"callback_data": "a"}]]}': (
            'Bad Request: can\'t parse inline keyboard button: Field "text" must be of type String'
        ),
        '{"inline_keyboard": [[{"text": "a", "callback_data": ""}]]}': (
            "Bad Request: BUTTON_DATA_INVALID"
        ),
    }
    for markup, description in cases.items():
        status, body = await raw_call(
            api, "sendMessage", form={"chat_id": str(CHAT), "text": "x", "reply_markup": markup}
        )
        assert (status, body["description"]) == (400, description), markup
    assert len(api.sent_messages(CHAT)) == 1


async def test_chat_not_found_and_blocked(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "hello?")
    await api.user_sends_text(CHAT, "hi")
    api.user_blocks_bot(CHAT)
    with pytest.raises(Exception, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "hello?")


# ----------------------------------------------------------------------------- edits, callbacks


async def test_edit_message(api: FakeBotApi, bot: Bot) -> None:
    await api.user_sends_text(CHAT, "hi")
    sent = await bot.send_message(CHAT, "<b>v1</b>", parse_mode="HTML", reply_markup=keyboard("a"))

    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<b>v1</b>", CHAT, sent.message_id, parse_mode="HTML", reply_markup=keyboard("a")
        )
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=keyboard("a"))
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("v2", CHAT, 999)

    edited = await bot.edit_message_text(
        "v2", CHAT, sent.message_id, reply_markup=keyboard("a", "b")
    )
    assert isinstance(edited, type(sent)) and edited.text == "v2" and edited.edit_date
    await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=None)
    (current,) = api.sent_messages(CHAT)
    assert current["text"] == "v2" and "reply_markup" not in current

    # editMessageText without reply_markup drops the keyboard, like Telegram.
    await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=keyboard("c"))
    await bot.edit_message_text("v3", CHAT, sent.message_id)
    assert "reply_markup" not in api.sent_messages(CHAT)[0]

    assert await bot.delete_message(CHAT, sent.message_id)
    assert api.sent_messages(CHAT) == []
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(CHAT, sent.message_id)


async def test_callback_query_answers(api: FakeBotApi, bot: Bot) -> None:
    await api.user_sends_text(CHAT, "hi")
    sent = await bot.send_message(CHAT, "choose", reply_markup=keyboard("yes", "no"))
    with pytest.raises(ValueError, match="no button"):
        await api.user_clicks(CHAT, sent.message_id, "maybe")

    query_id = await api.user_clicks(CHAT, sent.message_id, "yes")
    updates = await bot.get_updates()
    query = updates[-1].callback_query
    assert query is not None and query.id == query_id and query.data == "yes"
    assert query.message is not None and query.message.message_id == sent.message_id
    assert query.from_user.id == CHAT

    assert await bot.answer_callback_query(query_id, text="ok")
    assert api.callback_answers[query_id]["text"] == "ok"
    expired = "Query is too old and response timeout expired or query id is invalid"
    with pytest.raises(BadRequest, match=expired):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=expired):
        await bot.answer_callback_query("12345")


# ----------------------------------------------------------------------------- getUpdates


async def test_long_poll_returns_as_soon_as_a_user_writes(api: FakeBotApi, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await api.wait_for(lambda a: a.waiting_get_updates == 1, timeout=2)
    assert not poll.done()

    update_id = await api.user_sends_text(CHAT, "你好")
    updates = await asyncio.wait_for(poll, timeout=2)
    assert [u.update_id for u in updates] == [update_id]
    assert updates[0].message is not None and updates[0].message.text == "你好"
    assert loop.time() - started < 1.0


async def test_long_poll_returns_empty_after_timeout(api: FakeBotApi, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=timedelta(seconds=0.3)) == ()
    assert 0.25 <= loop.time() - started < 1.0


async def test_offset_confirms_updates(api: FakeBotApi, bot: Bot) -> None:
    ids = [await api.user_sends_text(CHAT, f"m{n}") for n in range(3)]
    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates()] == ids  # nothing confirmed yet
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert [u.update_id for u in await bot.get_updates(limit=1)] == ids[1:2]
    assert await bot.get_updates(offset=ids[-1] + 1) == ()
    assert api.pending_updates == []

    more = [await api.user_sends_text(CHAT, f"n{n}") for n in range(3)]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == more[-1:]
    assert [u["update_id"] for u in api.pending_updates] == more[-1:]


async def test_second_poller_terminates_the_first(api: FakeBotApi, bot: Bot) -> None:
    # A second bot *instance*: one Bot cannot overlap its own polls, because PTB gives
    # getUpdates a dedicated connection pool of size 1.
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await api.wait_for(lambda a: a.waiting_get_updates == 1, timeout=2)
    async with Bot(TOKEN, base_url=api.base_url) as other:
        assert await other.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, timeout=2)


async def test_group_command_matches_command_handler(api: FakeBotApi, bot: Bot) -> None:
    await api.user_sends_text(-100123, "/start@yibao_test_bot 参数", chat_type="supergroup")
    (update,) = await bot.get_updates()
    message = update.message
    assert message is not None and message.from_user is not None
    assert message.chat.type == "supergroup" and message.chat.id == -100123
    assert message.from_user.id == DEFAULT_GROUP_USER_ID != message.chat.id

    async def noop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        return None

    rebuilt = Update.de_json(update.to_dict(), bot)
    assert CommandHandler("start", noop).check_update(rebuilt)
    assert not CommandHandler("help", noop).check_update(rebuilt)


# ----------------------------------------------------------------------------- faults


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_fault_429_is_retry_after_and_not_performed(api: FakeBotApi, bot: Bot) -> None:
    await api.user_sends_text(CHAT, "hi")
    api.inject_fault("sendMessage", "429", retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "x")
    assert caught.value.retry_after in (3, timedelta(seconds=3))
    assert api.calls[-1].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    assert api.sent_messages(CHAT) == []
    await bot.send_message(CHAT, "x")  # the fault was used up
    assert len(api.sent_messages(CHAT)) == 1


async def test_fault_502_is_network_error_and_not_performed(api: FakeBotApi, bot: Bot) -> None:
    await api.user_sends_text(CHAT, "hi")
    api.inject_fault("SENDMESSAGE", "502", times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway") as caught:
            await bot.send_message(CHAT, "x")
        assert not isinstance(caught.value, BadRequest | TimedOut)
    assert api.sent_messages(CHAT) == []
    await bot.send_message(CHAT, "x")
    assert len(api.sent_messages(CHAT)) == 1


@pytest.mark.parametrize("performed", [True, False])
async def test_fault_timeout(api: FakeBotApi, bot: Bot, performed: bool) -> None:
    await api.user_sends_text(CHAT, "hi")
    api.inject_fault("sendMessage", "timeout", performed=performed)  # held until close
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "maybe delivered", read_timeout=0.2)
    # performed=True is the dangerous case: the client saw a timeout, the user got the message.
    assert [m["text"] for m in api.sent_messages(CHAT)] == (
        ["maybe delivered"] if performed else []
    )
    assert api.calls[-1].fault == "timeout" and api.calls[-1].performed is performed


async def test_fault_timeout_with_short_delay_answers_late(api: FakeBotApi, bot: Bot) -> None:
    await api.user_sends_text(CHAT, "hi")
    api.inject_fault("sendMessage", "timeout", delay=0.05, performed=True)
    sent = await bot.send_message(CHAT, "slow but fine", read_timeout=2)
    assert sent.text == "slow but fine"


async def test_wait_for_times_out_with_a_dump(api: FakeBotApi, bot: Bot) -> None:
    await api.user_sends_text(CHAT, "hi")
    await bot.send_message(CHAT, "only one")
    with pytest.raises(TimeoutError, match=r"(?s)sendMessage -> 200.*'only one'"):
        await api.wait_for(lambda a: len(a.sent_messages(CHAT)) == 2, timeout=0.05)


# ----------------------------------------------------------------------------- misc methods


async def test_commands_menu_and_chat_action(api: FakeBotApi, bot: Bot) -> None:
    await api.user_sends_text(CHAT, "hi")
    commands = [BotCommand("start", "开始"), BotCommand("help", "帮助")]
    assert await bot.set_my_commands(commands, language_code="zh")
    assert await bot.set_my_commands(commands[:1], scope=BotCommandScopeAllPrivateChats())
    assert await bot.get_my_commands(language_code="zh") == tuple(commands)
    assert await bot.get_my_commands() == ()
    assert api.commands({"type": "all_private_chats"}) == [
        {"command": "start", "description": "开始"}
    ]
    with pytest.raises(BadRequest, match="Invalid language code"):
        await bot.set_my_commands(commands, language_code="zh-hans")
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "x")])
    assert await bot.delete_my_commands(language_code="zh")
    assert api.commands(language_code="zh") == []

    assert await bot.set_chat_menu_button(CHAT, MenuButtonCommands())
    assert api.menu_buttons[CHAT] == {"type": "commands"}
    assert await bot.send_chat_action(CHAT, "typing")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_chat_action(999, "typing")
    assert await bot.delete_webhook()
    assert await bot.log_out() and await bot.close()


async def test_send_photo_and_document_multipart(api: FakeBotApi, bot: Bot) -> None:
    await api.user_sends_text(CHAT, "hi")
    photo = await bot.send_photo(
        CHAT, b"\x89PNG fake", caption="<b>缴费凭证</b>", parse_mode="HTML", filename="p.png"
    )
    assert photo.photo and photo.caption == "缴费凭证"
    assert api.calls[-1].content_type == "multipart/form-data"
    upload = api.requests_for("sendPhoto")[0]["photo"]
    assert upload.data == b"\x89PNG fake"

    document = await bot.send_document(CHAT, b"%PDF-1.4", filename="guide.pdf")
    assert document.document is not None and document.document.file_name == "guide.pdf"
    file = await bot.get_file(document.document.file_id)
    assert await file.download_as_bytearray() == bytearray(b"%PDF-1.4")

    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(CHAT, photo.photo[-1].file_id, caption="a" * 1025)
    assert len(api.sent_messages(CHAT)) == 2


def test_parse_html_entities_use_utf16_offsets() -> None:
    parsed = parse_html("😀<b>x</b> <blockquote expandable>q</blockquote> &#128512;&#x41;&quot;")
    assert parsed.text == '😀x q 😀A"'
    assert parsed.entities == [
        {"type": "bold", "offset": 2, "length": 1},
        {"type": "expandable_blockquote", "offset": 4, "length": 1},
    ]
    with pytest.raises(EntityParseError, match='Unsupported start tag "br/"'):
        parse_html("a<br/>b")


# ----------------------------------------------------------------------------- a real Application


async def test_application_polls_and_answers(api: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html("<b>欢迎</b>", reply_markup=keyboard("go"))

    async def clicked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"clicked {query.data}")

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(clicked))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=5)
        try:
            await api.user_sends_text(CHAT, "/start")
            await api.wait_for(lambda a: len(a.sent_messages(CHAT)) == 1, timeout=5)
            (welcome,) = api.sent_messages(CHAT)
            assert welcome["text"] == "欢迎"

            query_id = await api.user_clicks(CHAT, welcome["message_id"], "go")
            await api.wait_for(
                lambda a: a.sent_messages(CHAT)[0]["text"] == "clicked go", timeout=5
            )
            await api.wait_for(lambda a: query_id in a.callback_answers, timeout=5)
        finally:
            await app.updater.stop()
            await app.stop()
