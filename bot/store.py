"""Dialog state on disk: one SQLite row per conversation, read and written on every update.

SQLite needs no server, survives restarts, and in WAL mode lets several bot processes share
one file (each conversation is still only processed by one handler at a time within a process;
see bot.conversations). The sqlite3 module blocks, so every call runs on one dedicated worker
thread: the event loop never waits on disk, and the connection is only ever touched by the
thread that made it.

A row holds the state JSON, when it was written, and the message id of the conversation's
current question (so a button press on that message can edit it in place). Rows hold
sensitive answers (低保, 特困…): they are deleted on /forget, and a row that no longer
parses is replaced by a fresh state and logged without its content.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeVar

from pydantic import ValidationError

from dialogs.state import DialogState

log = logging.getLogger("bot.store")

T = TypeVar("T")

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS conversations (
    key TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    question_message_id INTEGER,
    updated_at REAL NOT NULL
)
"""
# Another process holding the write lock (a second worker, a backup) is waited for this long.
BUSY_TIMEOUT_MS: Final = 5000


@dataclass(frozen=True)
class Conversation:
    """What the store knows about one conversation."""

    state: DialogState
    question_message_id: int | None = None


class StateStore:
    """Async get/put/delete of dialog state keyed by conversation key."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._executor: ThreadPoolExecutor | None = None
        self._connection: sqlite3.Connection | None = None

    # -- lifecycle ------------------------------------------------------------------------

    async def open(self) -> None:
        """Open the database (creating file and schema if needed); idempotent."""
        if self._executor is not None:
            return
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="yibao-store")
        try:
            await self._run(self._connect)
        except BaseException:
            self._executor.shutdown(wait=False)
            self._executor = None
            raise

    async def close(self) -> None:
        if self._executor is None:
            return
        try:
            await self._run(self._disconnect)
        finally:
            self._executor.shutdown(wait=True)
            self._executor = None

    async def __aenter__(self) -> StateStore:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- the API --------------------------------------------------------------------------

    async def get(self, key: str) -> Conversation:
        """The stored conversation, or a fresh one (also when the row is corrupted)."""
        row = await self._run(lambda: self._select(key))
        if row is None:
            return Conversation(DialogState())
        raw, question_message_id = row
        try:
            state = DialogState.from_json(raw)
        except (ValidationError, ValueError) as err:
            # Never log the row: it may name the person's 低保/特困 status.
            log.warning(
                "stored state for a conversation is unreadable (%s); starting afresh",
                type(err).__name__,
            )
            return Conversation(DialogState())
        return Conversation(state, question_message_id)

    async def put(
        self, key: str, state: DialogState, question_message_id: int | None = None
    ) -> None:
        raw = state.to_json()
        await self._run(lambda: self._upsert(key, raw, question_message_id))

    async def set_question_message(self, key: str, message_id: int | None) -> None:
        """Remember which message shows the current question (after it was sent)."""
        await self._run(lambda: self._update_message(key, message_id))

    async def delete(self, key: str) -> bool:
        """Delete everything stored for the conversation; True if there was a row."""
        return await self._run(lambda: self._delete(key))

    async def count(self) -> int:
        return await self._run(self._count)

    # -- worker-thread side ---------------------------------------------------------------

    async def _run(self, call: Callable[[], T]) -> T:
        if self._executor is None:
            raise RuntimeError("StateStore is not open")
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            raise RuntimeError("StateStore is not open")
        return self._connection

    def _connect(self) -> None:
        if self.path.parent != Path():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit; each statement below is its own transaction.
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")  # WAL keeps this crash-safe
            connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            connection.execute(SCHEMA)
        except BaseException:
            connection.close()
            raise
        self._connection = connection

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _select(self, key: str) -> tuple[str, int | None] | None:
        row = self._db().execute(
            "SELECT state, question_message_id FROM conversations WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        raw, message_id = row
        return (raw if isinstance(raw, str) else ""), message_id

    def _upsert(self, key: str, raw: str, question_message_id: int | None) -> None:
        self._db().execute(
            """
            INSERT INTO conversations (key, state, question_message_id, updated_at)
            VALUES (?, ?, ?, ?)
            ON CONFLICT(key) DO UPDATE SET
                state = excluded.state,
                question_message_id = excluded.question_message_id,
                updated_at = excluded.updated_at
            """,
            (key, raw, question_message_id, time.time()),
        )

    def _update_message(self, key: str, message_id: int | None) -> None:
        self._db().execute(
            "UPDATE conversations SET question_message_id = ? WHERE key = ?", (message_id, key)
        )

    def _delete(self, key: str) -> bool:
        cursor = self._db().execute("DELETE FROM conversations WHERE key = ?", (key,))
        return cursor.rowcount > 0

    def _count(self) -> int:
        (count,) = self._db().execute("SELECT COUNT(*) FROM conversations").fetchone()
        return int(count)
