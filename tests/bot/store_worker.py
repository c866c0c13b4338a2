"""One worker process of the ordering test: `python -m tests.bot.store_worker DB MODE N
START` counts N times on each of a few shared conversations, starting at wall-clock START.

MODE `apply` is one read-modify-write under the conversation's lock (Store.apply); MODE
`get-put` is what the adapters did before it (read, step, write as two statements). Each
step takes a little time (as a real step renders its replies), so two workers overlap.

MODE `hold` (N, START unused) receives event 1, owes conversation "k" two messages and claims
them, prints "holding", and waits to be killed: a worker that dies mid-update."""

from __future__ import annotations

import asyncio
import sys
import time

from bot.database_url import Database, parse
from bot.store import Change, Conversation, connect

KEYS = ("a", "b", "c")
STEP_SECONDS = 0.002


def advance(conversation: Conversation) -> Change:
    time.sleep(STEP_SECONDS)  # the dialog step and its rendering
    state = conversation.state
    return Change(state.model_copy(update={"seq": state.seq + 1}))


async def hold(database: Database) -> None:
    async with connect(database) as store:
        await store.receive([(1, '{"update_id": 1}')])
        await store.commit("k", None, event_id=None, owed=["first", "second"])
        claim = await store.claim_owed("k")
        assert len(claim.owed) == 2
        print("holding", flush=True)
        await asyncio.sleep(3600)


async def work(database: Database, mode: str, n: int, start: float) -> None:
    if mode == "hold":
        await hold(database)
        return
    async with connect(database) as store:
        await asyncio.sleep(max(0.0, start - time.time()))
        for _ in range(n):
            for key in KEYS:
                if mode == "apply":
                    await store.apply(key, advance)
                else:
                    change = advance(await store.get(key))
                    assert change.state is not None
                    await store.put(key, change.state)


def main(argv: list[str]) -> None:
    target, mode, n, start = argv
    database = parse(target if "://" in target else f"sqlite:///{target}")
    asyncio.run(work(database, mode, int(n), float(start)))


if __name__ == "__main__":
    main(sys.argv[1:])
