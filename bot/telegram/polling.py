"""Long polling that moves past what it cannot read.

PTB's Updater parses a whole getUpdates batch at once; one update it cannot parse (a poll
missing a field, a type newer than the library) made every fetch fail, so the same batch
was fetched again and again (~200 times a second, each logging the whole update with the
user's id) and nobody was answered. This poller parses update by update: an unreadable one
is logged once (its update_id and type, nothing of its content), counted and set aside,
the rest of the batch is served, and the next getUpdates confirms past all of them.

Each batch goes to the store's inbox (bot.telegram.intake: recorded durably) before it is
handed to the Application and before the next getUpdates confirms it to Telegram, so an update
Telegram considers delivered is always on disk first (README "Reliability").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot.health import Counters
from bot.telegram.intake import JSON, Intake, Receive, numbered

log = logging.getLogger("bot.telegram.polling")

LONG_POLL_SECONDS: Final = 30
BATCH: Final = 100  # Telegram's maximum per getUpdates
BACKOFF_FIRST: Final = 0.25
BACKOFF_MAX: Final = 5.0

class Poller:
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        *,
        allowed_updates: list[str],
        counters: Counters,
        receive: Receive | None = None,
        set_aside: Callable[[int], Awaitable[None]] | None = None,
        timeout: int = LONG_POLL_SECONDS,
    ) -> None:
        self.application = application
        self.allowed_updates = allowed_updates
        self.intake = Intake(application, counters=counters, receive=receive,
                             set_aside=set_aside)
        self.timeout = timeout
        self.offset: int | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="yibao-poller")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def wait(self) -> None:
        """Until polling ends (only by stop() or a rejected token, which is raised)."""
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        backoff = BACKOFF_FIRST
        while True:
            try:
                batch = await self._fetch()
            except InvalidToken:
                raise
            except RetryAfter as err:
                await asyncio.sleep(_seconds(err.retry_after))
                continue
            except Conflict:
                log.error("another process is polling with this token (409 Conflict); retrying")
                await asyncio.sleep(BACKOFF_MAX)
                continue
            except (NetworkError, TelegramError) as err:
                log.warning("getUpdates failed (%s); retrying in %.2f s",
                            type(err).__name__, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            backoff = BACKOFF_FIRST
            try:
                await self.serve(batch)
            except Exception as err:  # the inbox refused the batch: fetch it again later
                log.error("could not record a batch of updates (%s); fetching it again in "
                          "%.0f s", type(err).__name__, BACKOFF_MAX)
                await asyncio.sleep(BACKOFF_MAX)

    async def _fetch(self) -> list[JSON]:
        bot = self.application.bot
        data: JSON = {
            "timeout": self.timeout,
            "limit": BATCH,
            "allowed_updates": self.allowed_updates,
        }
        if self.offset is not None:
            data["offset"] = self.offset
        # Bot._post: the raw JSON of the batch, before PTB parses it as a whole.
        result = await bot._post(
            "getUpdates", data, read_timeout=(bot.request.read_timeout or 0) + self.timeout
        )
        return [item for item in result if isinstance(item, dict)] if isinstance(
            result, list) else []

    async def serve(self, batch: list[JSON]) -> None:
        """Record, parse and queue one batch; the offset moves past every update in it."""
        updates = numbered(batch)
        if not updates:
            return
        fresh = await self.intake.record(updates)
        # Only once they are recorded: the next getUpdates confirms them to Telegram.
        self.offset = max(update_id for update_id, _ in updates) + 1
        await self.intake.queue(updates, fresh)


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
