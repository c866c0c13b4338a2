"""One conversation's updates in two processes at once are applied one after the other.

Issue 13: two webhook workers on one SQLite file left 18 of 30 chats in the wrong state,
because each read the state, stepped, and wrote it back, and two such steps interleaved on
the same old state. Here two real processes step the same conversations at the same moment;
every step must count (each adds one to `seq`), on both backends."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.database_url import Database
from bot.store import connect
from tests.bot.store_worker import KEYS
from tests.bot.stores import BACKENDS, database_for

STEPS = 25  # per worker and conversation: ~0.2 s of overlapping work each
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    return database_for(str(request.param), tmp_path, url)


def run_workers(database: Database, mode: str, workers: int) -> None:
    target = str(database.path) if database.scheme == "sqlite" else database.url
    start = time.time() + 2.0  # both have imported and connected by then
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.bot.store_worker", target, mode, str(STEPS),
             str(start)],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for _ in range(workers)
    ]
    for process in processes:
        assert process.wait(timeout=60) == 0


async def test_two_workers_never_step_on_the_same_old_state(database: Database) -> None:
    async with connect(database):
        pass  # the schema exists before the workers race to use it
    run_workers(database, "apply", workers=2)
    async with connect(database) as store:
        counts = [(await store.get(key)).state.seq for key in KEYS]
    assert counts == [2 * STEPS] * len(KEYS)
