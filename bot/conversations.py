"""Which conversation an update belongs to, and processing each conversation in order.

A private chat is one conversation. In a group every member has their own conversation
(chat id + user id), so two people asking at once cannot clobber each other's answers.

`ConversationUpdateProcessor` lets PTB run updates concurrently while serialising the updates
of one conversation: a resident who taps two buttons quickly gets them applied in order, and
50 residents asking at once are served in parallel.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Chat, Update
from telegram.ext import BaseUpdateProcessor


def conversation_key(chat_id: int, chat_type: str, user_id: int | None) -> str:
    """The store key: "<chat>" for a private chat, "<chat>:<user>" for a group member."""
    if chat_type == Chat.PRIVATE or user_id is None:
        return str(chat_id)
    return f"{chat_id}:{user_id}"


def key_of(update: object) -> str | None:
    """The conversation key of an update, or None for updates outside any conversation."""
    if not isinstance(update, Update):
        return None
    chat = update.effective_chat
    if chat is None:
        return None
    user = update.effective_user
    return conversation_key(chat.id, chat.type, user.id if user else None)


class ConversationUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across conversations, strictly ordered within one.

    PTB starts one task per update in the order getUpdates returned them, and each task reaches
    `do_process_update` without yielding first; `asyncio.Lock` wakes waiters first-in
    first-out, so the updates of one conversation run in arrival order.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        # key -> (lock, number of updates holding or waiting for it); an entry is dropped
        # when its last update finishes, so the map stays as small as the work in flight.
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = key_of(update)
        if key is None:
            await coroutine
            return
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    @property
    def conversations_in_flight(self) -> int:
        return len(self._locks)

    async def initialize(self) -> None:
        """Nothing to set up: locks are made on demand."""

    async def shutdown(self) -> None:
        """Nothing to release: locks die with their last update."""
