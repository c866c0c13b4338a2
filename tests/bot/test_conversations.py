"""Conversation keys, and the update processor: parallel across chats, ordered within one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import CallbackQuery, Chat, Message, Update, User

from bot.telegram.conversations import ConversationUpdateProcessor, conversation_key, key_of

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


def press_update(update_id: int, chat_id: int) -> Update:
    message = Message(1, NOW, Chat(chat_id, "private"), text="q")
    query = CallbackQuery(str(update_id), User(chat_id, "u", is_bot=False), "ci",
                          message=message, data="v1|1|x")
    return Update(update_id, callback_query=query)


async def test_a_flood_is_capped_oldest_texts_first_never_button_presses() -> None:
    flooded: list[object] = []
    dropped: list[int] = []

    async def on_flood(update: object) -> None:
        flooded.append(update)

    processor = ConversationUpdateProcessor(
        4, backlog=3, on_flood=on_flood,
        on_dropped=lambda u: dropped.append(u.update_id),  # type: ignore[attr-defined]
    )
    ran: list[int] = []
    hold = asyncio.Event()

    async def work(update_id: int) -> None:
        if update_id == 1:
            await hold.wait()
        ran.append(update_id)

    updates = [text_update(1, 1, 1), press_update(2, 1), text_update(3, 1, 1),
               text_update(4, 1, 1), press_update(5, 1), text_update(6, 1, 1),
               text_update(7, 2, 2)]
    async with processor:
        tasks = [asyncio.create_task(processor.process_update(u, work(u.update_id)))
                 for u in updates]
        while 7 not in ran:  # another chat is served while chat 1's first update waits
            await asyncio.sleep(0)
        hold.set()
        await asyncio.gather(*tasks)
    # Chat 1 had 1 running and 5 waiting with room for 3: its two oldest texts went.
    assert dropped == [3, 4]
    assert ran == [7, 1, 2, 5, 6]
    assert len(flooded) == 1


async def test_a_busy_chat_holds_one_slot_and_others_take_turns() -> None:
    processor = ConversationUpdateProcessor(2, backlog=100)
    order: list[str] = []

    async def work(name: str) -> None:
        await asyncio.sleep(0)
        order.append(name)

    async with processor:
        jobs = [(text_update(i, 1, 1), f"a{i}") for i in range(1, 6)]
        jobs += [(text_update(10 + i, 2 + i, 2 + i), f"o{i}") for i in range(3)]
        tasks = [asyncio.create_task(processor.process_update(u, work(n))) for u, n in jobs]
        await asyncio.gather(*tasks)
    # Chat 1's five updates in order, and the three others not behind all of them.
    assert [n for n in order if n.startswith("a")] == ["a1", "a2", "a3", "a4", "a5"]
    assert order.index("o2") < order.index("a4")
