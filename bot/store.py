"""Dialog state on disk: one SQLite row per conversation, read and written on every update.

SQLite needs no server, survives restarts, and in WAL mode lets several bot processes share
one file (each conversation is still only processed by one handler at a time within a process;
see bot.conversations).

The event loop never waits on disk or on a lock, and each connection is only touched by the
thread that made it. Two connections share the work:

* the event loop's own, for the statements of an update (read, save, question message id).
  Each takes ~10 µs and cannot block: in WAL mode with synchronous=NORMAL a commit appends to
  the WAL without syncing, this connection never checkpoints (the step that syncs), and it
  does not wait for locks (busy timeout 0). Handing such a statement to a thread and back
  cost ten times the statement (a futex wake, the GIL changing hands twice, waking the loop)
  and was most of the store's CPU under load (benchmarks, README "Performance");
* a worker thread's, for everything that may wait: opening and creating the schema, any
  statement that found the database locked (another process writing: it waits up to the busy
  timeout there), and checkpointing the WAL into the database every CHECKPOINT_EVERY writes.

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
# Another process holding the write lock (a second worker, a backup) is waited for this long,
# on the worker thread.
BUSY_TIMEOUT_MS: Final = 5000
# Writes by the event loop's connection between two checkpoints (SQLite's own default is
# 1000 pages; a save writes about two).
CHECKPOINT_EVERY: Final = 500
_WAIT_CODES: Final = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


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
        self._connection: sqlite3.Connection | None = None  # the worker thread's
        self._inline: sqlite3.Connection | None = None  # the event loop's
        self._writes = 0
        self._checkpoint: asyncio.Future[None] | None = None

    # -- lifecycle ------------------------------------------------------------------------

    async def open(self) -> None:
        """Open the database (creating file and schema if needed); idempotent."""
        if self._executor is not None:
            return
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="yibao-store")
        try:
            await self._in_worker(self._connect)
            self._inline = _connect_inline(self.path)
        except BaseException:
            self._executor.shutdown(wait=False)
            self._executor = None
            raise

    async def close(self) -> None:
        if self._executor is None:
            return
        try:
            if self._inline is not None:
                self._inline.close()
                self._inline = None
            await self._in_worker(self._disconnect)  # the last connection checkpoints
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
        row = await self._run(lambda db: _select(db, key))
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
        await self._run(lambda db: _upsert(db, key, raw, question_message_id), write=True)

    async def set_question_message(self, key: str, message_id: int | None) -> None:
        """Remember which message shows the current question (after it was sent)."""
        await self._run(lambda db: _update_message(db, key, message_id), write=True)

    async def delete(self, key: str) -> bool:
        """Delete everything stored for the conversation; True if there was a row."""
        return await self._run(lambda db: _delete(db, key), write=True)

    async def count(self) -> int:
        return await self._run(_count)

    # -- where statements run -------------------------------------------------------------

    async def _run(self, call: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        """On the event loop's connection; on the worker thread when the database is locked."""
        if self._executor is None or self._inline is None:
            raise RuntimeError("StateStore is not open")
        try:
            result = call(self._inline)
        except sqlite3.OperationalError as err:
            if err.sqlite_errorcode & 0xFF not in _WAIT_CODES:
                raise
            result = await self._in_worker(lambda: call(self._db()))  # waits for the lock
        if write:
            self._writes += 1
            if self._writes % CHECKPOINT_EVERY == 0:
                self._start_checkpoint()
        return result

    def _start_checkpoint(self) -> None:
        """Copy the WAL into the database on the worker thread; nobody waits for it."""
        if self._executor is None or (self._checkpoint and not self._checkpoint.done()):
            return
        self._checkpoint = asyncio.get_running_loop().run_in_executor(
            self._executor, lambda: _checkpoint(self._db())
        )
        self._checkpoint.add_done_callback(_log_checkpoint_failure)

    async def _in_worker(self, call: Callable[[], T]) -> T:
        if self._executor is None:
            raise RuntimeError("StateStore is not open")
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    # -- worker-thread side ---------------------------------------------------------------

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



def _connect_inline(path: Path) -> sqlite3.Connection:
    """The event loop's connection: never waits for a lock, never checkpoints (so never syncs)."""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("PRAGMA busy_timeout=0")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA wal_autocheckpoint=0")
    except BaseException:
        connection.close()
        raise
    return connection


def _checkpoint(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()


def _log_checkpoint_failure(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("WAL checkpoint failed: %s", type(future.exception()).__name__)


def _select(db: sqlite3.Connection, key: str) -> tuple[str, int | None] | None:
    row = db.execute(
        "SELECT state, question_message_id FROM conversations WHERE key = ?", (key,)
    ).fetchone()
    if row is None:
        return None
    raw, message_id = row
    return (raw if isinstance(raw, str) else ""), message_id


def _upsert(db: sqlite3.Connection, key: str, raw: str, question_message_id: int | None) -> None:
    db.execute(
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


def _update_message(db: sqlite3.Connection, key: str, message_id: int | None) -> None:
    db.execute(
        "UPDATE conversations SET question_message_id = ? WHERE key = ?", (message_id, key)
    )


def _delete(db: sqlite3.Connection, key: str) -> bool:
    cursor = db.execute("DELETE FROM conversations WHERE key = ?", (key,))
    return cursor.rowcount > 0


def _count(db: sqlite3.Connection) -> int:
    (count,) = db.execute("SELECT COUNT(*) FROM conversations").fetchone()
    return int(count)
