"""What the workers left in the store, read through the store's own API (so the same code
reads every backend)."""

from __future__ import annotations

from bot.store import StateStore
from dialogs.state import DialogState
from tests.multiworker.workers import Backend


async def stored_states(backend: Backend, keys: list[str]) -> dict[str, DialogState]:
    """key -> stored state (a fresh state when the conversation has no row)."""
    if not backend.url.startswith("sqlite:///"):
        raise NotImplementedError(f"no reader for {backend.name} yet")
    out = {}
    async with StateStore(backend.url.removeprefix("sqlite:///")) as store:
        for key in keys:
            out[key] = (await store.get(key)).state
    return out
