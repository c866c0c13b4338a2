"""Telegram misbehaving: 429 flood waits, 502s, timeouts, and a bug inside the bot.

The promise under test: every user message still gets exactly one answer where that is
possible, never two (a send that timed out after Telegram performed it is not repeated),
and the bot keeps serving afterwards.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.telegram import handlers
from dialogs.rendering import render_template
from tests.e2e.conftest import BotRunner, last, option_data
from tests.e2e.fake_bot_api import FakeBotApi

CHAT = 3131
FULL_QUESTION = "昌图县低保户，去年参保了，2024年10月10日交"  # answered in one reply


def sends_to(api: FakeBotApi, chat_id: int) -> list[Any]:
    return [c for c in api.calls if c.method == "sendMessage" and c.params["chat_id"] == chat_id]


async def still_serving(bot: BotRunner, api: FakeBotApi, chat_id: int) -> None:
    before = len(api.sent_messages(chat_id))
    await bot.say(chat_id, "/start")
    assert len(api.sent_messages(chat_id)) == before + 1


async def test_429_on_send_is_waited_out_and_sent_once(bot: BotRunner, api: FakeBotApi) -> None:
    api.inject_fault("sendMessage", "429", retry_after=1)
    await bot.say(CHAT, FULL_QUESTION)
    assert len(api.sent_messages(CHAT)) == 1
    assert "c:date" in option_data(last(api, CHAT))
    assert [(c.status, c.fault) for c in sends_to(api, CHAT)] == [(429, "429"), (200, None)]
    await still_serving(bot, api, CHAT)


async def test_502_on_send_is_resent_because_it_was_not_delivered(
    bot: BotRunner, api: FakeBotApi
) -> None:
    api.inject_fault("sendMessage", "502", times=2)
    await bot.say(CHAT, FULL_QUESTION)
    assert len(api.sent_messages(CHAT)) == 1
    assert [c.status for c in sends_to(api, CHAT)] == [502, 502, 200]
    await still_serving(bot, api, CHAT)


async def test_send_that_timed_out_after_delivery_is_never_repeated(
    bot: BotRunner, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    # Telegram delivers the message, but the response never comes back in time.
    api.inject_fault("sendMessage", "timeout", performed=True, delay=None)
    await bot.say(CHAT, FULL_QUESTION)
    assert len(api.sent_messages(CHAT)) == 1  # delivered once ...
    assert len(sends_to(api, CHAT)) == 1  # ... because it was sent once
    assert "may have been delivered" in caplog.text
    await still_serving(bot, api, CHAT)
    assert len(api.sent_messages(CHAT)) == 2


async def test_edit_that_timed_out_is_retried_safely(bot: BotRunner, api: FakeBotApi) -> None:
    await bot.say(CHAT, "/start changtu")
    question = last(api, CHAT)
    # The edit lands but its response is lost; the retry is refused as "not modified",
    # which the bot takes as success.
    bot.allowed_400.add("message is not modified")
    api.inject_fault("editMessageText", "timeout", performed=True, delay=None)
    await bot.click(CHAT, question["message_id"], "i:none")
    assert len(api.sent_messages(CHAT)) == 1
    assert "d:today" in option_data(last(api, CHAT))
    await bot.click(CHAT, question["message_id"], "d:today")
    assert "c:date" in option_data(last(api, CHAT))


async def test_failed_callback_answer_does_not_stop_the_dialog(
    bot: BotRunner, api: FakeBotApi
) -> None:
    await bot.say(CHAT, "/start changtu")
    question = last(api, CHAT)
    api.inject_fault("answerCallbackQuery", "502")
    await bot.click(CHAT, question["message_id"], "i:none")
    assert "d:today" in option_data(last(api, CHAT))
    assert len(api.requests_for("answerCallbackQuery")) == 1  # skipped, not retried


async def test_polling_survives_502_on_get_updates(bot: BotRunner, api: FakeBotApi) -> None:
    api.inject_fault("getUpdates", "502", times=2)
    await api.wait_for(lambda a: not a.pending_updates and a.waiting_get_updates == 1)
    await bot.say(CHAT, FULL_QUESTION)
    assert len(api.sent_messages(CHAT)) == 1


async def test_a_bug_in_the_bot_gets_an_apology_with_the_hotline(
    bot: BotRunner,
    api: FakeBotApi,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_render_step = handlers.render_step
    calls = 0

    def broken_once(replies: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("simulated rendering bug")
        return real_render_step(replies)

    admin = 9001
    api.add_chat(admin)
    await bot.stop()
    bot.admin_ids = frozenset({admin})
    await bot.start()
    monkeypatch.setattr(handlers, "render_step", broken_once)
    secret = "我的身份证号是秘密"
    await bot.say(CHAT, secret)
    apology = last(api, CHAT)["text"]
    assert apology == render_template("dialog/error.j2", "zh_Hans", "text")
    assert "12393" in apology
    # Logged with its traceback, but not with what the user wrote.
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and errors[0].exc_info is not None
    assert secret not in caplog.text
    # The operators hear of it: the error's type, not the user's words.
    [note] = api.sent_messages(admin)
    assert "RuntimeError" in note["text"] and secret not in note["text"]
    # Nothing was saved for the failed update, and the bot carries on.
    await still_serving(bot, api, CHAT)


async def test_a_button_press_is_acknowledged_even_when_its_work_fails(
    bot: BotRunner, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The acknowledgement goes out alongside the work, not after it: a bug in the step still
    stops the spinner, and the user gets the apology."""
    await bot.say(CHAT, "/start changtu")
    question = last(api, CHAT)

    def broken(replies: Any) -> Any:
        raise RuntimeError("simulated rendering bug")

    monkeypatch.setattr(handlers, "render_step", broken)
    answered = len(api.callback_answers)
    await bot.click(CHAT, question["message_id"], "i:none")
    assert len(api.callback_answers) == answered + 1
    assert "12393" in last(api, CHAT)["text"]
    monkeypatch.undo()
    await still_serving(bot, api, CHAT)


async def test_a_store_failure_after_delivery_gets_no_apology_and_is_repaired(
    bot: BotRunner, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The question reaches the user, then recording it fails: no apology for a message the
    user already has, one admin notice however often it fails, and the next update starts
    from what was really sent (the button on that question edits it in place)."""
    import sqlite3

    admin = 9002
    api.add_chat(admin)
    await bot.stop()
    bot.admin_ids = frozenset({admin})
    await bot.start()
    assert bot.application is not None
    store = bot.application.bot_data["helpdesk"].store
    real = store.delivered
    failing = True

    async def delivered(*args: Any, **kwargs: Any) -> None:
        if failing:
            raise sqlite3.OperationalError("disk I/O error")
        await real(*args, **kwargs)

    monkeypatch.setattr(store, "delivered", delivered)
    await bot.say(CHAT, "/start changtu")
    await bot.say(CHAT + 1, "/start changtu")
    for chat in (CHAT, CHAT + 1):
        [question] = api.sent_messages(chat)
        assert "i:none" in option_data(question)  # the question, and no apology after it
    assert len(api.sent_messages(admin)) == 1  # told once, not once per failure
    assert "OperationalError" in api.sent_messages(admin)[0]["text"]

    failing = False
    question = last(api, CHAT)
    await bot.click(CHAT, question["message_id"], "i:none")
    assert len(api.sent_messages(CHAT)) == 1  # edited in place: the state was repaired
    edited = last(api, CHAT)
    assert edited["message_id"] == question["message_id"]
    assert "i:none" not in option_data(edited)  # the next question, in its place
    assert not await store.owed(str(CHAT))  # and nothing is sent again
    # The other chat's record is written at the latest on a clean stop.
    helpdesk = bot.application.bot_data["helpdesk"]
    await helpdesk.repair_all()
    assert not await store.owed()
