"""Telegram's flood limits, kept per chat: a 429 for one chat delays that chat only.

PTB's AIORateLimiter pauses every request of the bot when any request gets a 429, so one
chat told to wait 300 s silenced all others for 300 s. Telegram's per-chat limits are per
chat; this limiter keeps its pauses per chat as well:

* a RetryAfter for a request to chat C pauses requests to C (and only C) for retry_after,
  then the request is retried (at most `max_retries` times);
* Telegram's overall limit (~30 messages/s per bot) is respected proactively by one shared
  token bucket, and 20 messages/min per group chat by one bucket per group, as in
  AIORateLimiter;
* a 429 that is not about one chat (no chat_id), or 429s for several chats within one
  second (that is the bot-wide limit talking), pauses everything, as AIORateLimiter does;
* a wait longer than `max_wait` is not waited out: the reply would come too late to be
  useful, and holding the chat's turn that long helps nobody. The RetryAfter is raised to
  the sender, which gives the message up (logged).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, Final

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger("bot.telegram.ratelimit")

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]

# Module-level so the benchmark can lift the overall cap (benchmarks/run_yibao.py) the way it
# lifts AIORateLimiter's for the echo bot.
OVERALL_MAX_RATE: float = 30  # messages per second, Telegram's documented bot-wide limit
GROUP_MAX_RATE: Final = 20  # messages per minute in one group
GROUP_PERIOD: Final = 60
MAX_RETRIES: Final = 3
MAX_WAIT: Final = 60.0  # seconds; the default reply-usefulness window (bot.settings)
# 429s for this many distinct chats within GLOBAL_WINDOW seconds mean the bot-wide limit.
GLOBAL_CHATS: Final = 3
GLOBAL_WINDOW: Final = 1.0
_MAX_GROUP_LIMITERS: Final = 512


class ChatRateLimiter(BaseRateLimiter[int]):
    def __init__(
        self,
        *,
        overall_max_rate: float | None = None,
        max_retries: int = MAX_RETRIES,
        max_wait: float = MAX_WAIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        rate = OVERALL_MAX_RATE if overall_max_rate is None else overall_max_rate
        self._overall = AsyncLimiter(rate, 1) if rate else None
        self._groups: dict[int | str, AsyncLimiter] = {}
        self._max_retries = max_retries
        self._max_wait = max_wait
        self._clock = clock
        self._chat_until: dict[int | str, float] = {}  # chat -> monotonic time it may send
        self._all_until = 0.0
        self._recent_429s: list[tuple[float, int | str]] = []

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def paused_chats(self) -> list[int | str]:
        """Chats currently waiting out a 429 (for tests and diagnostics)."""
        now = self._clock()
        return [chat for chat, until in self._chat_until.items() if until > now]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        chat = _chat_of(data)
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            await self._wait_turn(chat)
            try:
                return await self._limited(chat, callback, args, kwargs)
            except RetryAfter as err:
                # _retry_after: the timedelta behind the deprecated int-or-timedelta property
                seconds = err._retry_after.total_seconds()
                if attempt == retries or seconds > self._max_wait:
                    log.warning("%s for a chat: told to wait %.0f s; giving the request up",
                                endpoint, seconds)
                    raise
                self._pause(chat, seconds + 0.1)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _limited(
        self,
        chat: int | str | None,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> JSONResult:
        overall = self._overall if chat is not None and self._overall else None
        group = self._group(chat) if _is_group(chat) else None
        async with contextlib.AsyncExitStack() as stack:
            if group is not None:
                await stack.enter_async_context(group)
            if overall is not None:
                await stack.enter_async_context(overall)
            return await callback(*args, **kwargs)

    async def _wait_turn(self, chat: int | str | None) -> None:
        while True:
            own = self._chat_until.get(chat, 0.0) if chat is not None else 0.0
            until = max(self._all_until, own)
            wait = until - self._clock()
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    def _pause(self, chat: int | str | None, seconds: float) -> None:
        now = self._clock()
        until = now + seconds
        if chat is None:
            self._all_until = max(self._all_until, until)
            return
        self._chat_until[chat] = max(self._chat_until.get(chat, 0.0), until)
        self._recent_429s = [(t, c) for t, c in self._recent_429s if now - t < GLOBAL_WINDOW]
        self._recent_429s.append((now, chat))
        if len({c for _, c in self._recent_429s}) >= GLOBAL_CHATS:
            log.warning("429s for several chats at once: pausing every chat for %.0f s", seconds)
            self._all_until = max(self._all_until, until)
        if len(self._chat_until) > _MAX_GROUP_LIMITERS:
            self._chat_until = {c: u for c, u in self._chat_until.items() if u > now}

    def _group(self, chat: int | str | None) -> AsyncLimiter:
        assert chat is not None
        if len(self._groups) > _MAX_GROUP_LIMITERS:
            # Drop the idle ones (full capacity): they would start full anyway.
            self._groups = {
                key: limiter for key, limiter in self._groups.items()
                if key == chat or not limiter.has_capacity(limiter.max_rate)
            }
        limiter = self._groups.get(chat)
        if limiter is None:
            limiter = self._groups[chat] = AsyncLimiter(GROUP_MAX_RATE, GROUP_PERIOD)
        return limiter


def _chat_of(data: dict[str, Any]) -> int | str | None:
    raw = data.get("chat_id")
    if raw is None:
        return None
    with contextlib.suppress(ValueError, TypeError):
        return int(raw)
    return str(raw)


def _is_group(chat: int | str | None) -> bool:
    # Negative ids are groups and channels; "@name" strings are channels/supergroups.
    return (isinstance(chat, int) and chat < 0) or isinstance(chat, str)
