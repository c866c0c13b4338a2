"""The retention rule: conversations untouched for N days are deleted by the bot itself.

A conversation's row holds the person's answers (region, 低保/特困 status, dates); nobody
needs them once the person has stopped asking, so after `days` without an update (30 by
default, YIBAO_RETENTION_DAYS) the row goes, with any message still owed to it, and (on
SQLite) the WAL is truncated so no copy stays on disk. On PostgreSQL every worker runs the
rule; the deletes are idempotent, so several at once delete each row once. The rule runs at
start-up and then hourly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Final

from bot.health import Counters
from bot.store import Store

log = logging.getLogger("bot.retention")

DAY: Final = 24 * 3600
RUN_EVERY_SECONDS: Final = 3600.0


class Retention:
    def __init__(
        self, store: Store, days: float, counters: Counters,
        *, every: float = RUN_EVERY_SECONDS,
    ) -> None:
        self.store = store
        self.days = days
        self.counters = counters
        self.every = every
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        """Delete what is past the retention period; the number of conversations deleted."""
        deleted = await self.store.expire(self.days * DAY)
        if deleted:
            self.counters.expired_conversations += deleted
            await self.store.scrub()
            log.info("retention: deleted %d conversation(s) untouched for %g days",
                     deleted, self.days)
        return deleted

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="yibao-retention")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception as err:  # the store may be busy or failing; next hour again
                log.warning("retention run failed: %s", type(err).__name__)
            await asyncio.sleep(self.every)
