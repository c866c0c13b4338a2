"""What the workers left in the store, read through the store's own API (bot.store), so the
same code reads every backend."""

from __future__ import annotations

from bot import database_url
from bot.store import connect
from dialogs.state import DialogState
from tests.multiworker.workers import Backend


async def stored_states(backend: Backend, keys: list[str]) -> dict[str, DialogState]:
    """key -> stored state (a fresh state when the conversation has no row)."""
    out = {}
    async with connect(database_url.parse(backend.url)) as store:
        for key in keys:
            out[key] = (await store.get(key)).state
    return out
