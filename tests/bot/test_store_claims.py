"""Claims: with several workers on one database, an event or a conversation's owed messages
are worked on by one worker at a time, and a worker that dies leaves its work to the others
at once (its claims die with it), on both backends."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.database_url import Database
from bot.store import Store, connect
from tests.bot.stores import BACKENDS, database_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    return database_for(str(request.param), tmp_path, url)


async def test_an_event_held_by_a_live_worker_is_not_taken_over(database: Database) -> None:
    async with connect(database) as first, connect(database) as second:
        assert await first.receive([(1, "{}"), (2, "{}")]) == {1, 2}
        # the same webhook call retried at the second worker while the first has it
        assert await second.receive([(1, "{}")]) == set()
        assert await second.claim_unfinished() == []
        assert await first.receive([(2, "{}")]) == set()  # a replay at the same worker
        await first.finish(1)
    # the first stopped cleanly: what it held is the second's at once
    async with connect(database) as second:
        assert await second.claim_unfinished() == [(2, "{}")]
        assert await second.receive([(1, "{}")]) == set()  # finished: a replay


async def test_a_replay_takes_over_an_event_whose_worker_stopped(database: Database) -> None:
    async with connect(database) as first:
        await first.receive([(7, '{"x": 7}')])
    async with connect(database) as second:
        assert await second.receive([(7, '{"x": 7}')]) == {7}
        assert await second.claim_unfinished() == []  # now the second's own


async def test_owed_messages_go_out_through_one_worker_in_order(database: Database) -> None:
    async with connect(database) as first, connect(database) as second:
        await first.commit("k", None, event_id=None, owed=["m1", "m2"])
        claim = await first.claim_owed("k")
        assert [o.payload for o in claim.owed] == ["m1", "m2"]
        # the second worker steps the same conversation meanwhile: its reply is owed after
        await second.commit("k", None, event_id=None, owed=["m3"])
        assert (await second.claim_owed("k")).owed == []  # the first delivers, in order
        assert (await first.claim_owed("k")).owed == []  # a new claim of its own waits too
        for entry in claim.owed:
            await first.delivered("k", entry.id, None)
        renewed = await first.claim_owed("k", claim.token)
        assert [o.payload for o in renewed.owed] == ["m3"]
        assert (await second.claim_owed("k")).owed == []
        await first.delivered("k", renewed.owed[0].id, None)
        assert (await first.claim_owed("k", claim.token)).owed == []
        # other conversations are not held up by the claim
        await second.commit("other", None, event_id=None, owed=["o1"])
        assert [o.payload for o in (await second.claim_owed("other")).owed] == ["o1"]


async def test_an_expired_claim_holds_nothing(database: Database) -> None:
    # the lease is YIBAO_CLAIM_LEASE (bot.settings), given to the store by the adapter
    async with connect(database, claim_seconds=0.2) as first, connect(database) as second:
        await first.commit("k", None, event_id=None, owed=["m1"])
        await first.receive([(3, "{}")])
        assert (await first.claim_owed("k")).owed
        assert (await second.claim_owed("k")).owed == []
        await asyncio.sleep(0.3)  # the first hangs, alive, past its claim
        assert [o.payload for o in (await second.claim_owed("k")).owed] == ["m1"]
        assert await second.claim_unfinished() == [(3, "{}")]


async def test_a_killed_worker_leaves_its_work_to_the_others_at_once(database: Database) -> None:
    async with connect(database):
        pass  # the schema exists before the worker starts
    target = str(database.path) if database.scheme == "sqlite" else database.url
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.bot.store_worker", target, "hold", "0", "0"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "holding"
        store: Store
        async with connect(database) as store:
            assert (await store.claim_owed("k")).owed == []  # alive: its claims hold
            assert await store.claim_unfinished() == []
            worker.kill()  # kill -9, mid-delivery
            worker.wait(timeout=10)
            for _ in range(50):  # PostgreSQL notices the dropped connection within moments
                claim = await store.claim_owed("k")
                if claim.owed:
                    break
                await asyncio.sleep(0.1)
            assert [o.payload for o in claim.owed] == ["first", "second"]
            assert await store.claim_unfinished() == [(1, '{"update_id": 1}')]
    finally:
        worker.kill()
        worker.wait(timeout=10)
