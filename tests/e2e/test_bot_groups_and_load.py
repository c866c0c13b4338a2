"""Several people at once: two members of one group chat, and 50 private chats in parallel."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from dialogs.engine import Text, step
from dialogs.render import render_reply
from dialogs.rendering import format_date, format_money, render_template
from dialogs.state import DialogState
from policies.catalog import load_catalog
from policies.engine import quote
from policies.result import QuoteRequest
from tests.e2e.conftest import TODAY, BotRunner, last, option_data
from tests.e2e.fake_bot_api import BOT_USERNAME, FakeBotApi, parse_html

GROUP = -100500
ALICE = 501
BOB = 502


def alone(text: str) -> str:
    """What a user sees when this is the first message of a conversation (rendered offline)."""
    _, replies = step(DialogState(), Text(text=text, today=TODAY, client_lang="zh-hans"))
    assert len(replies) == 1
    return parse_html(render_reply(replies[0], "html").text).text


async def test_two_users_in_one_group_keep_their_own_dialogs(
    bot: BotRunner, api: FakeBotApi
) -> None:
    group = {"chat_type": "group"}
    # Chatter not addressed to the bot gets no reply.
    await bot.say(GROUP, "大家好，今年医保什么时候交？", user_id=ALICE, **group)
    assert api.sent_messages(GROUP) == []

    await bot.say(GROUP, f"/start@{BOT_USERNAME} changtu", user_id=ALICE, **group)
    alice_question = last(api, GROUP)
    await bot.say(GROUP, f"@{BOT_USERNAME} 双清区", user_id=BOB, **group)
    bob_question = last(api, GROUP)
    assert "昌图县" in alice_question["text"] and "双清区" in bob_question["text"]
    assert bot.stored_keys() == sorted([f"{GROUP}:{ALICE}", f"{GROUP}:{BOB}"])
    # Each reply quotes the message it answers, so the group sees whom it is for.
    assert alice_question["reply_to_message"]["from"]["id"] == ALICE
    assert bob_question["reply_to_message"]["from"]["id"] == BOB

    # Bob presses Alice's button: it is not his, so he gets his own current question.
    before = len(api.sent_messages(GROUP))
    await bot.click(GROUP, alice_question["message_id"], "i:dibao", user_id=BOB)
    bobs = last(api, GROUP)
    assert len(api.sent_messages(GROUP)) == before + 1
    assert render_template("dialog/stale.j2", "zh_Hans", "text") in bobs["text"]
    assert "双清区" in bobs["text"]
    assert bobs["reply_to_message"]["message_id"] == bob_question["message_id"]  # his, not hers
    assert api.message(GROUP, alice_question["message_id"]) == alice_question  # untouched

    # Alice goes on by buttons (her question is edited in place), Bob by replying to the bot.
    for option in ("i:none", "d:today"):
        await bot.click(GROUP, alice_question["message_id"], option, user_id=ALICE)
    await bot.say(GROUP, "低保，去年参保了，2024年10月12日交", user_id=BOB,
                  reply_to_message_id=bob_question["message_id"], **group)

    answers = [m for m in api.sent_messages(GROUP) if "c:date" in option_data(m)]
    assert len(answers) == 2
    by_user = {m["reply_to_message"]["from"]["id"]: m["text"] for m in answers}
    alice_expected = quote(QuoteRequest(region="changtu", identities=frozenset(),
                                        payment_date=date(2024, 10, 10)))
    bob_expected = quote(QuoteRequest(region="shuangqing", identities=frozenset({"dibao"}),
                                      payment_date=date(2024, 10, 12)))
    for user, expected in ((ALICE, alice_expected), (BOB, bob_expected)):
        assert expected.amount is not None
        assert expected.region_name in by_user[user]
        assert format_money(expected.amount.due, "zh_Hans") in by_user[user]
        assert format_date(expected.request.payment_date, "zh_Hans") in by_user[user]


async def test_fifty_chats_at_once_each_get_their_own_answer(
    bot: BotRunner, api: FakeBotApi
) -> None:
    catalog = load_catalog()
    # Regions whose answer needs no tier question, so one message gives everything.
    regions = ["changtu", "kezuohouqi", "shuangqing", "wulateqianqi"]
    chats: dict[int, tuple[str, date]] = {}
    for i in range(50):
        chats[10_000 + i] = (regions[i % len(regions)], date(2024, 10, 1) + timedelta(days=i))

    # All 50 messages are queued before the bot sees any of them.
    update_ids = []
    texts_sent: dict[int, str] = {}
    for chat_id, (slug, day) in chats.items():
        name = catalog.latest(slug).data.region.name
        texts_sent[chat_id] = f"{name}低保户，去年参保了，{day.year}年{day.month}月{day.day}日交"
        update_ids.append(await api.user_sends_text(chat_id, texts_sent[chat_id]))
    await bot.until_done(*(f"u{u}" for u in update_ids), timeout=30)

    for chat_id, (slug, day) in chats.items():
        sent = api.sent_messages(chat_id)
        assert len(sent) == 1, (chat_id, [m["text"][:80] for m in sent])
        text = sent[0]["text"]
        expected = quote(QuoteRequest(region=slug, identities=frozenset({"dibao"}),
                                      payment_date=day))
        assert expected.region_name in text
        assert format_date(day, "zh_Hans") in text
        if expected.amount is not None:
            assert format_money(expected.amount.due, "zh_Hans") in text
        # and exactly the answer the dialog gives this message on its own, nobody else's
        assert text == alone(texts_sent[chat_id])
    assert len(bot.stored_keys()) == 50


async def test_one_chat_is_processed_in_order(bot: BotRunner, api: FakeBotApi) -> None:
    """Four messages queued at once in one chat are answered one after another, in order."""
    chat = 777
    turns = ["/start changtu", "普通居民", "去年参保了", "2024-10-10"]
    ids = [await api.user_sends_text(chat, text) for text in turns]
    await asyncio.wait_for(bot.until_done(*(f"u{i}" for i in ids)), timeout=30)
    sent = api.sent_messages(chat)
    assert len(sent) == 4
    assert "i:none" in option_data(sent[0])
    assert "d:today" in option_data(sent[1])
    assert "d:today" in option_data(sent[2])
    assert "c:date" in option_data(sent[3])
