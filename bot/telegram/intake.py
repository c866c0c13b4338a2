"""Updates in, polled or posted: recorded in the inbox first, then parsed and queued.

Polling (bot.telegram.polling) and the webhook (bot.telegram.webhook) take updates in the same
two steps. `record` writes them to the store's inbox (durably: the poller confirms a batch to
Telegram, and the webhook answers 200, only after it returns) and says which are new; `queue`
parses those one by one and hands them to the Application. An update the library cannot
parse (a poll missing a field, a type newer than the library) is logged once (its id and
type, nothing of its content), counted and set aside; one recorded before (a refetch, a
webhook call Telegram retried) is counted and not processed again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.health import Counters

log = logging.getLogger("bot.telegram.intake")

JSON = dict[str, Any]
# (update_id, raw update) in; the ids not seen before out (see Store.receive).
Receive = Callable[[Sequence[tuple[int, JSON]]], Awaitable[set[int]]]


def kind_of(raw: JSON) -> str:
    """The update's type ("message", "callback_query", ...): its first key besides the id."""
    return next((key for key in raw if key != "update_id"), "empty")


def numbered(batch: Sequence[object]) -> list[tuple[int, JSON]]:
    """(update_id, update) for every item that is an object with an integer update_id."""
    return [(item["update_id"], item) for item in batch
            if isinstance(item, dict) and type(item.get("update_id")) is int]


class Intake:
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        *,
        counters: Counters,
        receive: Receive | None = None,
        set_aside: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self.application = application
        self.counters = counters
        self.receive = receive
        self.set_aside = set_aside

    async def record(self, updates: Sequence[tuple[int, JSON]]) -> set[int]:
        """Into the inbox (raises when the store refuses); the ids to process."""
        if not updates:
            return set()
        if self.receive is None:
            return {update_id for update_id, _ in updates}
        return await self.receive(updates)

    async def queue(self, updates: Sequence[tuple[int, JSON]], fresh: set[int]) -> None:
        """Parse and hand to the Application the recorded updates that are new."""
        for update_id, raw in updates:
            if update_id not in fresh:
                self.counters.replayed_updates += 1
                log.info("update %s was received before; not processed again", update_id)
                continue
            try:
                update = Update.de_json(raw, self.application.bot)
            except Exception as err:
                self.counters.unreadable_updates += 1
                # Never the content: it holds the user's id and words.
                log.warning("update %s (%s) could not be read (%s); set aside",
                            update_id, kind_of(raw), type(err).__name__)
                if self.set_aside is not None:
                    await self.set_aside(update_id)
                continue
            await self.application.update_queue.put(update)
