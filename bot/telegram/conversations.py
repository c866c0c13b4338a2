"""Which conversation an update belongs to, and serving conversations fairly and in order.

A private chat is one conversation. In a group every member has their own conversation
(chat id + user id), so two people asking at once cannot clobber each other's answers.

`ConversationUpdateProcessor` runs updates of different conversations concurrently and the
updates of one conversation strictly in order. The order is kept *outside* the concurrency
slots: each conversation has its own queue, conversations take turns for the slots
(round-robin), and a conversation never holds more than one slot. So one chat sending
10,000 messages is served one update at a time beside everyone else, instead of filling
every slot with updates waiting for that chat's lock.

A conversation whose queue grows beyond what a person can type (`backlog` updates waiting)
is flooding: its oldest waiting text messages are dropped, never a button press (that is a
press on a question the user is looking at) and never /forget; it is told once to slow
down (`on_flood`, at most once per `notice_interval` seconds). Nobody else waits for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Final

from telegram import Chat, Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger("bot.telegram.conversations")

# Updates waiting in one conversation before it counts as a flood. A person types one
# message at a time and waits for the answer; eight waiting is a script or a stuck key.
FLOOD_BACKLOG: Final = 8
FLOOD_NOTICE_INTERVAL: Final = 600.0
_UNLIMITED: Final = 1 << 30  # seconds between two "slow down" notices to one chat


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


@dataclass(eq=False)
class _Waiting:
    update: object
    droppable: bool
    turn: asyncio.Event = field(default_factory=asyncio.Event)
    dropped: bool = False


def _droppable(update: object) -> bool:
    """A message (text, command, media) may be dropped from a flood; a button press or
    /forget may not."""
    if not isinstance(update, Update) or update.message is None:
        return False
    text = (update.message.text or "").strip().lower()
    return not text.startswith("/forget")


class ConversationUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across conversations, strictly ordered within one, fair between them.

    PTB starts one task per update in the order the updates arrived, and each task reaches
    `do_process_update` without yielding first, so appending to the conversation's queue there
    keeps arrival order (the base class's semaphore is never contended: it does not yield).
    """

    def __init__(
        self,
        max_concurrent_updates: int,
        *,
        backlog: int = FLOOD_BACKLOG,
        on_flood: Callable[[object], Coroutine[Any, Any, None]] | None = None,
        on_dropped: Callable[[object], None] | None = None,
        notice_interval: float = FLOOD_NOTICE_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # The base class's semaphore is taken before do_process_update, so it would hold a
        # slot while an update waits its conversation's turn; the slots are counted here.
        super().__init__(_UNLIMITED)
        self._slots = max_concurrent_updates
        self._backlog = backlog
        self._on_flood = on_flood
        self._on_dropped = on_dropped
        self._notice_interval = notice_interval
        self._clock = clock
        self._queues: dict[str, deque[_Waiting]] = {}  # conversations with work waiting
        self._ready: deque[str] = deque()  # conversations waiting for a slot, in turn
        self._busy: set[str] = set()  # conversations holding a slot
        self._told: dict[str, float] = {}  # conversation -> when it was told to slow down
        self._notices: set[asyncio.Task[None]] = set()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = key_of(update)
        if key is None:
            key = f"#{id(update)}"  # outside any conversation: a queue of its own
        waiting = _Waiting(update, _droppable(update))
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = deque()
        queue.append(waiting)
        if key not in self._busy and len(queue) == 1:
            self._ready.append(key)
        if len(queue) > self._backlog:
            self._trim(key, queue)
        self._pump()
        try:
            await waiting.turn.wait()
        except asyncio.CancelledError:
            if waiting.turn.is_set() and not waiting.dropped:
                self._release(key, queue)  # it had its turn: pass it on
            elif waiting in queue:
                queue.remove(waiting)
                if not queue and key not in self._busy:
                    self._forget_queue(key)
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            raise
        if waiting.dropped:
            if asyncio.iscoroutine(coroutine):
                coroutine.close()  # never started: nothing to undo
            return
        try:
            await coroutine
        finally:
            self._release(key, queue)

    def _release(self, key: str, queue: deque[_Waiting]) -> None:
        self._busy.discard(key)
        if queue:
            self._ready.append(key)  # to the back: every other conversation goes first
        else:
            self._forget_queue(key)
        self._pump()

    def _forget_queue(self, key: str) -> None:
        self._queues.pop(key, None)
        if key in self._ready:
            self._ready.remove(key)

    def _pump(self) -> None:
        while self._ready and len(self._busy) < self._slots:
            key = self._ready.popleft()
            queue = self._queues.get(key)
            if not queue:
                continue
            self._busy.add(key)
            queue.popleft().turn.set()

    def _trim(self, key: str, queue: deque[_Waiting]) -> None:
        excess = len(queue) - self._backlog
        kept: deque[_Waiting] = deque()
        for waiting in queue:  # oldest first
            if excess > 0 and waiting.droppable:
                excess -= 1
                waiting.dropped = True
                waiting.turn.set()
                if self._on_dropped is not None:
                    self._on_dropped(waiting.update)
            else:
                kept.append(waiting)
        queue.clear()
        queue.extend(kept)
        now = self._clock()
        if now - self._told.get(key, -self._notice_interval) >= self._notice_interval:
            self._told[key] = now
            if len(self._told) > 10_000:  # forget old notices; the map stays bounded
                self._told = {k: t for k, t in self._told.items()
                              if now - t < self._notice_interval}
            log.warning("a conversation is flooding; its oldest waiting messages are dropped")
            if self._on_flood is not None:
                # update is the newest: the notice goes where the flood comes from
                task = asyncio.create_task(self._on_flood(queue[-1].update if queue else key))
                self._notices.add(task)
                task.add_done_callback(self._notices.discard)

    @property
    def conversations_in_flight(self) -> int:
        return len(self._queues)

    async def initialize(self) -> None:
        """Nothing to set up: queues are made on demand."""

    async def shutdown(self) -> None:
        """Wait for the slow-down notices still being sent."""
        if self._notices:
            await asyncio.gather(*self._notices, return_exceptions=True)
