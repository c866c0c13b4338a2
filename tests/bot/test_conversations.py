"""Conversation keys, and the update processor: parallel across chats, ordered within one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import CallbackQuery, Chat, Message, Update, User

from bot.conversations import ConversationUpdateProcessor, conversation_key, key_of

NOW = datetime(2025, 3, 10, tzinfo=UTC)


def text_update(update_id: int, chat_id: int, user_id: int, chat_type: str = "private") -> Update:
    user = User(user_id, "u", is_bot=False)
    message = Message(update_id, NOW, Chat(chat_id, chat_type), from_user=user, text="hi")
    return Update(update_id, message=message)


def test_keys() -> None:
    assert conversation_key(42, "private", 42) == "42"
    assert conversation_key(-100, "group", 7) == "-100:7"
    assert conversation_key(-100, "supergroup", 8) == "-100:8"
    assert key_of(text_update(1, 42, 42)) == "42"
    assert key_of(text_update(2, -100, 7, "group")) == "-100:7"
    message = Message(3, NOW, Chat(-100, "group"), text="q")
    query = CallbackQuery("q1", User(9, "b", is_bot=False), "ci", message=message, data="x")
    assert key_of(Update(4, callback_query=query)) == "-100:9"
    assert key_of(object()) is None
    assert key_of(Update(5)) is None


async def test_one_conversation_in_order_others_in_parallel() -> None:
    processor = ConversationUpdateProcessor(16)
    events: list[str] = []
    release_first = asyncio.Event()

    async def work(name: str, wait: asyncio.Event | None = None) -> None:
        events.append(f"{name} start")
        if wait is not None:
            await wait.wait()
        events.append(f"{name} end")

    async with processor:
        tasks = [
            asyncio.create_task(processor.process_update(text_update(1, 1, 1),
                                                         work("a1", release_first))),
            asyncio.create_task(processor.process_update(text_update(2, 1, 1), work("a2"))),
            asyncio.create_task(processor.process_update(text_update(3, 2, 2), work("b1"))),
            asyncio.create_task(processor.process_update(text_update(4, -5, 1, "group"),
                                                         work("g1"))),
        ]
        while "g1 end" not in events:  # the other conversations finish while a1 waits
            await asyncio.sleep(0)
        assert "a2 start" not in events
        assert processor.conversations_in_flight == 1
        release_first.set()
        await asyncio.gather(*tasks)
    assert events.index("a1 end") < events.index("a2 start")
    assert processor.conversations_in_flight == 0
