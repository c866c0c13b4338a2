"""`yibao telegram` with a state database it cannot use: one clear line, its own exit code.

Before (issue 11): a corrupt database, a locked file or an unwritable folder exited with a
raw traceback and the "token rejected" code; corrupted pages behind an intact header left a
bot that apologised for every update. The check runs before Telegram is contacted, so no
server is needed here.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.store import SqliteStore, StoreError
from bot.store import sqlite as store_module
from bot.telegram.command import EXIT_STATE_DB
from dialogs.state import DialogState

TOKEN = "123456:AAFakeTokenForTestsOnly_0123456789abc"


def run_bot(db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
            ) -> tuple[int, str]:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:9/bot")  # never reached
    monkeypatch.setenv("YIBAO_STATE_DB", str(db))
    code = main(["telegram", "--lang", "en"])
    return code, capsys.readouterr().err


def test_a_file_that_is_not_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "state.sqlite3"
    db.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    code, err = run_bot(db, monkeypatch, capsys)
    assert code == EXIT_STATE_DB
    [line] = err.strip().splitlines()
    assert str(db) in line and "damaged" in line and "move it" in line
    assert "Traceback" not in err


def test_damaged_pages_behind_an_intact_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "state.sqlite3"

    async def fill() -> None:
        async with SqliteStore(db) as store:
            for i in range(300):
                await store.put(str(i), DialogState(region="changtu"))

    asyncio.run(fill())
    data = bytearray(db.read_bytes())
    page = 4096
    assert len(data) > 4 * page
    data[2 * page: 4 * page] = b"\xa5" * (2 * page)  # the header (page 1) stays intact
    db.write_bytes(bytes(data))
    code, err = run_bot(db, monkeypatch, capsys)
    assert code == EXIT_STATE_DB
    [line] = err.strip().splitlines()
    assert str(db) in line and "damaged" in line


def test_a_database_locked_by_another_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "state.sqlite3"
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 200)  # do not wait 5 s for it
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("CREATE TABLE squatter (x)")
        holder.execute("BEGIN EXCLUSIVE")
        code, err = run_bot(db, monkeypatch, capsys)
    finally:
        holder.close()
    assert code == EXIT_STATE_DB
    [line] = err.strip().splitlines()
    assert str(db) in line and "locked" in line and "other" in line


def test_a_folder_that_cannot_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # (The tests may run as root, which ignores permission bits: a file where the folder
    # should be is unwritable for everyone.)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    db = blocker / "state.sqlite3"
    code, err = run_bot(db, monkeypatch, capsys)
    assert code == EXIT_STATE_DB
    [line] = err.strip().splitlines()
    assert str(db) in line and "cannot be written" in line


async def test_check_passes_on_a_healthy_database(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "s.db") as store:
        await store.put("1", DialogState())
        await store.check()
    with pytest.raises(StoreError):
        async with SqliteStore(tmp_path / "s.db" / "nested.db") as store:
            pass
