"""The bot keeps answering everyone: poison updates, floods, and one chat's 429 (issue 11).

Each case was first reproduced against the previous bot (PTB's Updater, the per-chat lock
inside the concurrency slots, AIORateLimiter's global pause), where it failed as described
in the issue, then fixed.
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from dialogs.rendering import render_template
from tests.e2e.conftest import BotRunner, last, option_data, texts
from tests.e2e.fake_bot_api import FakeBotApi

FULL_QUESTION = "昌图县低保户，去年参保了，2024年10月10日交"  # answered in one reply
POISON_USER = 987_654_321  # distinctive, so a leak into the log is findable


def poll_without_fields(chat_id: int) -> dict[str, object]:
    """A message.poll missing what python-telegram-bot requires: it cannot be parsed."""
    return {
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "P"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "P"},
            "poll": {"id": "5"},
        }
    }


async def test_an_unreadable_update_is_set_aside_and_everyone_else_answered(
    bot: BotRunner, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    poison = await api.push_update(poll_without_fields(POISON_USER))
    chats = [6100 + i for i in range(5)]
    ids = [await api.user_sends_text(chat, "/start") for chat in chats]
    await bot.until_done(*(f"u{i}" for i in ids), timeout=10)
    for chat in chats:
        assert len(api.sent_messages(chat)) == 1
    assert bot.counters.unreadable_updates == 1
    # Confirmed past it: Telegram will not deliver it again.
    await api.wait_for(lambda a: not a.pending_updates)
    # Logged once: its id and type, never its content or the user.
    lines = [r.getMessage() for r in caplog.records if "could not be read" in r.getMessage()]
    assert lines == [
        f"update {poison} (message) could not be read (TypeError); set aside"
    ]
    assert str(POISON_USER) not in caplog.text
    # getUpdates was not hammered: a handful of polls, not hundreds.
    assert len(api.requests_for("getUpdates")) < 20


async def test_an_update_that_makes_a_handler_raise_is_set_aside(
    bot: BotRunner, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.telegram import handlers

    def broken(replies: object) -> object:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(handlers, "render_step", broken)
    failing = await api.user_sends_text(6200, "/start")
    await bot.until_done(f"u{failing}")
    monkeypatch.undo()
    ids = [await api.user_sends_text(6201 + i, "/start") for i in range(3)]
    await bot.until_done(*(f"u{i}" for i in ids))
    assert bot.counters.failed_updates == 1
    assert all(len(api.sent_messages(6201 + i)) == 1 for i in range(3))
    assert "12393" in last(api, 6200)["text"]  # the apology, once
    assert len(api.sent_messages(6200)) == 1


async def _latencies(bot: BotRunner, api: FakeBotApi, chats: list[int]) -> list[float]:
    started = time.monotonic()
    ids = [await api.user_sends_text(chat, FULL_QUESTION) for chat in chats]
    done: dict[int, float] = {}

    async def one(chat: int, update_id: int) -> None:
        await bot.until_done(f"u{update_id}", timeout=30)
        done[chat] = time.monotonic() - started

    await asyncio.gather(*(one(c, u) for c, u in zip(chats, ids, strict=True)))
    for chat in chats:
        assert "c:date" in option_data(last(api, chat))
    return sorted(done.values())


async def test_a_flooding_chat_does_not_delay_twenty_others(
    bot: BotRunner, api: FakeBotApi
) -> None:
    flooder = 6300
    await _latencies(bot, api, [6400 + i for i in range(20)])  # warm-up
    # This machine is shared: a run that misses is measured again (at most three runs), and
    # the flood must pass in one of them, baseline and flood measured back to back.
    results = []
    for attempt in range(3):
        # Without the flood, as the baseline.
        baseline = await _latencies(bot, api, [6500 + 100 * attempt + i for i in range(20)])
        flood = [await api.user_sends_text(flooder, f"消息 {attempt}.{i}")
                 for i in range(1000)]
        # The others write once the bot has fetched the flood and capped its backlog (the
        # flood sits in the bot's queue; fetching and reading 1,000 updates costs what it
        # costs).
        await api.wait_for(lambda a: not a.pending_updates, timeout=20)
        async with asyncio.timeout(20):
            while bot.counters.dropped_messages < (attempt + 1) * (len(flood) - 20):
                await asyncio.sleep(0.01)
        flooded = await _latencies(bot, api, [7000 + 100 * attempt + i for i in range(20)])
        p99, base_p99 = flooded[-1], baseline[-1]
        results.append((p99, base_p99))
        await bot.until_done(f"u{flood[-1]}", timeout=30)
        # 2x the baseline; 50 ms absorbs timer noise when both are tiny.
        if p99 <= 2 * base_p99 + 0.05:
            break
    else:
        raise AssertionError(f"flooded p99 vs baseline p99 in three runs: {results}")

    sent = texts(api, flooder)
    notice = render_template("dialog/slow_down.j2", "zh_Hans", "text").strip()
    assert sent.count(notice) == 1  # told once
    assert bot.counters.flood_notices == 1
    # Its backlog was capped: most of the 1,000 were dropped, not answered one by one.
    assert bot.counters.dropped_messages > 900 * len(results)
    assert len(sent) < 100 * len(results)


async def test_a_429_for_one_chat_does_not_stall_the_others(
    bot: BotRunner, api: FakeBotApi
) -> None:
    limited = 6700
    others = [6710 + i for i in range(10)]
    api.add_chat(limited)
    api.inject_fault("sendMessage", "429", retry_after=3, chat_id=limited)
    slow = await api.user_sends_text(limited, FULL_QUESTION)
    await api.wait_for(lambda a: any(c.fault == "429" for c in a.calls))
    started = time.monotonic()
    ids = [await api.user_sends_text(chat, FULL_QUESTION) for chat in others]
    await bot.until_done(*(f"u{i}" for i in ids), timeout=10)
    assert time.monotonic() - started < 2.0  # not the 3 s the limited chat waits
    assert api.sent_messages(limited) == []
    # The limited chat gets its answer after its wait, once.
    await bot.until_done(f"u{slow}", timeout=10)
    assert len(api.sent_messages(limited)) == 1


async def test_a_429_too_long_to_wait_costs_that_chat_only(
    bot: BotRunner, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    limited = 6800
    api.add_chat(limited)
    api.inject_fault("sendMessage", "429", retry_after=300, chat_id=limited)
    slow = await api.user_sends_text(limited, FULL_QUESTION)
    ids = [await api.user_sends_text(6810 + i, FULL_QUESTION) for i in range(10)]
    await bot.until_done(f"u{slow}", *(f"u{i}" for i in ids), timeout=10)
    assert all(len(api.sent_messages(6810 + i)) == 1 for i in range(10))
    assert "giving the request up" in caplog.text


@pytest.mark.parametrize(
    ("content", "lang", "expected_lang"),
    [
        ({"photo": [{"file_id": "AgAD1", "file_unique_id": "u1", "width": 9, "height": 9}]},
         "zh-hans", "zh_Hans"),
        ({"sticker": {"file_id": "CAAD", "file_unique_id": "u2", "width": 9, "height": 9,
                      "is_animated": False, "is_video": False, "type": "regular"}},
         "en", "en"),
        ({"voice": {"file_id": "AwAD", "file_unique_id": "u3", "duration": 2}},
         "zh-hant", "zh_Hant"),
        ({"photo": [{"file_id": "AgAD2", "file_unique_id": "u4", "width": 9, "height": 9}],
          "caption": "昌图县"}, "zh-hans", "zh_Hans"),
    ],
)
async def test_photos_stickers_voice_and_captions_get_a_reply(
    bot: BotRunner, api: FakeBotApi, content: dict[str, object], lang: str, expected_lang: str
) -> None:
    chat = 6900
    api.add_chat(chat, language_code=lang)
    update = await api.push_update({"message": {
        "message_id": 50, "date": int(time.time()),
        "chat": {"id": chat, "type": "private", "first_name": "T"},
        "from": {"id": chat, "is_bot": False, "first_name": "T", "language_code": lang},
        **content,
    }})
    await bot.until_done(f"u{update}")
    expected = render_template("dialog/only_text.j2", expected_lang, "text").strip()
    assert texts(api, chat) == [expected]


async def test_media_in_a_group_not_meant_for_the_bot_is_ignored(
    bot: BotRunner, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    group = -6950
    api.add_chat(group, chat_type="group")
    update = await api.push_update({"message": {
        "message_id": 51, "date": int(time.time()),
        "chat": {"id": group, "type": "group", "title": "g"},
        "from": {"id": 6951, "is_bot": False, "first_name": "T"},
        "photo": [{"file_id": "AgAD3", "file_unique_id": "u5", "width": 9, "height": 9}],
    }})
    await bot.until_done(f"u{update}")
    assert api.sent_messages(group) == []


@pytest.mark.parametrize(
    ("outage", "scale"),
    [(4.0, 1.0), (30.0, 0.1)],  # the 30 s outage on a 10x clock: 3 s, window 6 s
    ids=["4s", "30s-scaled"],
)
async def test_a_bot_api_outage_loses_no_reply(
    bot: BotRunner, api: FakeBotApi, outage: float, scale: float
) -> None:
    """Connections refused for the outage's length (the fake stops listening): every reply
    is resent with backoff until it goes through, and sent once."""
    if scale != 1.0:
        await bot.stop()
        bot.retry_scale = scale
        await bot.start()
    chats = [7100 + i for i in range(20)]
    for chat in chats:
        api.add_chat(chat)
    api.outage_on("sendMessage", outage * scale)
    ids = [await api.user_sends_text(chat, FULL_QUESTION) for chat in chats]
    await bot.until_done(*(f"u{i}" for i in ids), timeout=outage * scale + 12)
    [(began, ended)] = api.outages
    assert ended - began >= outage * scale
    for chat in chats:
        assert len(api.sent_messages(chat)) == 1, chat
        assert "c:date" in option_data(last(api, chat))


async def test_whitespace_carrying_a_bot_command_entity_is_read_as_text(
    bot: BotRunner, api: FakeBotApi
) -> None:
    chat = 7300
    api.add_chat(chat)
    update = await api.push_update({"message": {
        "message_id": 60, "date": int(time.time()),
        "chat": {"id": chat, "type": "private", "first_name": "T"},
        "from": {"id": chat, "is_bot": False, "first_name": "T", "language_code": "zh-hans"},
        "text": "   ", "entities": [{"type": "bot_command", "offset": 0, "length": 3}],
    }})
    await bot.until_done(f"u{update}")
    assert bot.counters.failed_updates == 0
    assert len(api.sent_messages(chat)) == 1
    assert "12393" not in last(api, chat)["text"]  # an answer, not the apology


async def test_a_lone_surrogate_in_a_message_is_answered(
    bot: BotRunner, api: FakeBotApi
) -> None:
    chat = 7301
    await bot.say(chat, "/start changtu")
    update = await api.user_sends_text(chat, "低保\ud800")
    await bot.until_done(f"u{update}")
    assert bot.counters.failed_updates == 0
    assert "12393" not in last(api, chat)["text"]
    await bot.say(chat, "/start")  # and the conversation's state is still readable
    assert bot.counters.failed_updates == 0


async def test_the_same_date_again_at_the_answer_gives_just_the_answer(
    bot: BotRunner, api: FakeBotApi
) -> None:
    chat = 7302
    await bot.say(chat, FULL_QUESTION)
    answer = last(api, chat)
    assert "c:date" in option_data(answer)
    await bot.say(chat, "2024年10月10日")
    sent = api.sent_messages(chat)
    assert len(sent) == 2
    not_understood = render_template("dialog/not_understood.j2", "zh_Hans", "text",
                                     stage="answer").strip()
    assert not_understood not in sent[-1]["text"]
    assert sent[-1]["text"] == answer["text"]  # the same answer, nothing before it
