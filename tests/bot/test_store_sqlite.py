"""The SQLite backend's own behaviour: WAL, corrupted rows, another process's write lock,
checkpoints. (What both backends do is in test_store.py.)"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from bot.store import SqliteStore
from dialogs.state import DialogState, Stage


def sample_state() -> DialogState:
    return DialogState(
        region="changtu", identities=["dibao"], stage=Stage.PAYMENT_DATE,
        payment_date=date(2025, 3, 10), seq=7,
    )  # fmt: skip


async def test_state_survives_reopening_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "s.db"  # the folder is created
    async with SqliteStore(path) as store:
        await store.put("-100:7", sample_state())
    async with SqliteStore(path) as store:
        assert (await store.get("-100:7")).state == sample_state()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_a_locked_database_is_waited_for_off_the_event_loop(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    async with SqliteStore(path) as store:
        await store.put("1", sample_state())
        other = sqlite3.connect(path, isolation_level=None)  # another process, say a backup
        other.execute("BEGIN IMMEDIATE")  # holds the write lock
        try:
            saving = asyncio.create_task(store.put("2", sample_state(), question_message_id=3))
            ticks = 0
            for _ in range(5):  # the event loop keeps running meanwhile
                await asyncio.sleep(0.01)
                ticks += 1
            assert ticks == 5 and not saving.done()
            assert (await store.get("1")).state == sample_state()  # reads still work
        finally:
            other.execute("COMMIT")
            other.close()
        await asyncio.wait_for(saving, timeout=5)
        assert (await store.get("2")).question_message_id == 3


async def test_the_wal_is_checkpointed_by_the_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.store.sqlite

    monkeypatch.setattr(bot.store.sqlite, "CHECKPOINT_EVERY", 4)
    path = tmp_path / "s.db"
    async with SqliteStore(path) as store:
        for i in range(4):
            await store.put(str(i), sample_state())
        checkpoint = store._checkpoint
        assert checkpoint is not None
        await checkpoint
        # everything written so far is in the database file itself now, not only in the WAL
        alone = tmp_path / "copy.db"
        alone.write_bytes(path.read_bytes())
        with sqlite3.connect(alone) as db:
            assert db.execute("SELECT COUNT(*) FROM conversations").fetchone()[0] == 4
