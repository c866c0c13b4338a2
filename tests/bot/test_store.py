"""The SQLite state store: round trips, deletes, restarts, corruption, concurrency."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from bot.store import StateStore
from dialogs.state import DialogState, Stage


def sample_state() -> DialogState:
    return DialogState(
        region="changtu", identities=["dibao"], stage=Stage.PAYMENT_DATE,
        payment_date=date(2025, 3, 10), seq=7,
    )  # fmt: skip


async def test_missing_conversation_is_a_fresh_state(tmp_path: Path) -> None:
    async with StateStore(tmp_path / "s.db") as store:
        conversation = await store.get("42")
    assert conversation.state == DialogState()
    assert conversation.question_message_id is None


async def test_put_get_delete_round_trip(tmp_path: Path) -> None:
    async with StateStore(tmp_path / "s.db") as store:
        await store.put("42", sample_state(), question_message_id=5)
        got = await store.get("42")
        assert got.state == sample_state()
        assert got.question_message_id == 5
        await store.set_question_message("42", 9)
        assert (await store.get("42")).question_message_id == 9
        assert await store.count() == 1
        assert await store.delete("42") is True
        assert await store.delete("42") is False
        assert (await store.get("42")).state == DialogState()


async def test_state_survives_reopening_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "s.db"  # the folder is created
    async with StateStore(path) as store:
        await store.put("-100:7", sample_state())
    async with StateStore(path) as store:
        assert (await store.get("-100:7")).state == sample_state()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_corrupted_row_gives_a_fresh_state_and_logs_no_content(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "s.db"
    async with StateStore(path) as store:
        await store.put("1", sample_state())
        await store.put("2", sample_state())
    with sqlite3.connect(path) as db:
        db.execute("UPDATE conversations SET state = '{\"region\": \"低保秘密\", \"bad\": 1' "
                   "WHERE key = '1'")
        db.execute("UPDATE conversations SET state = '{\"stage\": \"nowhere\"}' WHERE key = '2'")
    caplog.set_level(logging.DEBUG)
    async with StateStore(path) as store:
        assert (await store.get("1")).state == DialogState()
        assert (await store.get("2")).state == DialogState()
    assert "unreadable" in caplog.text
    assert "低保秘密" not in caplog.text and "nowhere" not in caplog.text


async def test_concurrent_writers_do_not_interfere(tmp_path: Path) -> None:
    async with StateStore(tmp_path / "s.db") as store:

        async def write(i: int) -> None:
            await store.put(str(i), DialogState(seq=i))

        await asyncio.gather(*(write(i) for i in range(200)))
        states = await asyncio.gather(*(store.get(str(i)) for i in range(200)))
    assert [c.state.seq for c in states] == list(range(200))


async def test_closed_store_refuses_work(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.db")
    with pytest.raises(RuntimeError, match="not open"):
        await store.get("1")
    await store.open()
    await store.open()  # idempotent
    await store.close()
    await store.close()


async def test_a_locked_database_is_waited_for_off_the_event_loop(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    async with StateStore(path) as store:
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
    import bot.store

    monkeypatch.setattr(bot.store, "CHECKPOINT_EVERY", 4)
    path = tmp_path / "s.db"
    async with StateStore(path) as store:
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
