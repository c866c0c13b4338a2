"""A worker that hangs holding an update: `python -m tests.multiworker.hung_worker URL LEASE
UPDATE` records UPDATE (the JSON of one Telegram update) in the store's inbox, claimed with a
lease of LEASE seconds, prints the time it did so, and waits. Stopped with SIGSTOP it is alive
(its PostgreSQL connection, and with it its claims, stay) but does nothing: only the lease
frees what it holds."""

from __future__ import annotations

import asyncio
import json
import sys
import time

from bot.database_url import parse
from bot.store import connect


async def hold(url: str, lease: float, update: str) -> None:
    async with connect(parse(url), claim_seconds=lease) as store:
        update_id = int(json.loads(update)["update_id"])
        assert await store.receive([(update_id, update)]) == {update_id}
        print(time.time(), flush=True)
        await asyncio.sleep(3600)


if __name__ == "__main__":
    url, lease, update = sys.argv[1:]
    asyncio.run(hold(url, float(lease), update))
