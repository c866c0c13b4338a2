"""The SQLite backend: a file, no server; the default (`make chat`, `make bot`, `make web`).

One row per conversation, read and written on every update. Several processes may share the
file (WAL mode): one conversation's read-modify-write (`apply`) runs inside BEGIN IMMEDIATE,
SQLite's database-wide write lock, so a second process's update of the same conversation
waits for the first and then reads what it wrote (before, two webhook workers on one file
both read the old state and one's write was lost). Only one process writes at a time, so
SQLite suits one machine and a few workers; several machines need PostgreSQL
(bot.store.postgres).

The event loop never waits on disk or on a lock, and each connection is only touched by the
thread that made it. Two connections share the work:

* the event loop's own, for the statements of an update (read, save, question message id).
  Each takes ~10 µs and cannot block: in WAL mode with synchronous=NORMAL a commit appends to
  the WAL without syncing, this connection never checkpoints (the step that syncs), and it
  does not wait for locks (busy timeout 0). Handing such a statement to a thread and back
  cost ten times the statement (a futex wake, the GIL changing hands twice, waking the loop)
  and was most of the store's CPU under load (benchmarks, README "Performance");
* a worker thread's, for everything that may wait: opening and migrating the schema, any
  statement that found the database locked (another process writing: it waits up to the busy
  timeout there, and an `apply` is then run again from its start, reading afresh), and
  checkpointing the WAL into the database every CHECKPOINT_EVERY writes.

A row holds the state JSON, when it was written, the message id of the conversation's
current question (so a button press on that message can edit it in place), and what the last
step said as the web chat rendered it (`page`, written with the state it belongs to). Rows hold
sensitive answers (低保, 特困…): they are deleted on /forget, and a row that no longer
parses is replaced by a fresh state and logged without its content.

Exactly-once across crashes (README "Reliability") rests on two more tables:

* the inbox: every incoming event (a Telegram update) by its id, recorded before Telegram
  is told it arrived; its payload is kept only until the event is finished, then only the
  id stays (to recognise a replay) for INBOX_KEEP_SECONDS;
* the outbox: the messages a step owes, committed in the same transaction as the step's new
  state (`apply`, `commit`), each deleted when it has been delivered (`delivered`), so after
  a crash what was owed and not yet delivered is still there to send.

Privacy on disk: `secure_delete` is on (deleted rows are overwritten with zeros, in the
database and in the WAL pages written after it), and `scrub` (after /forget and after the
retention rule deleted anything) checkpoints the WAL and truncates it, so no copy of a
deleted row is left in `-wal` either. `expire` deletes conversations untouched for the
retention period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Final, TypeVar

from bot.store import migrations
from bot.store.base import (
    CLAIM_SECONDS,
    INBOX_KEEP_SECONDS,
    KEEP,
    Change,
    Claim,
    Conversation,
    Decide,
    Owed,
    Store,
    StoreError,
    StoreProblem,
    parse_conversation,
)
from dialogs.state import DialogState

log = logging.getLogger("bot.store")

T = TypeVar("T")

# Another process holding the write lock (a second worker, a backup) is waited for this long,
# on the worker thread.
BUSY_TIMEOUT_MS: Final = 5000
# Writes by the event loop's connection between two checkpoints (SQLite's own default is
# 1000 pages; a save writes about two).
CHECKPOINT_EVERY: Final = 500
_WAIT_CODES: Final = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_HOST: Final = socket.gethostname()
# The holders of the stores open in this process: a claim by one of this process's stores
# that is closed now is dead, though the process lives.
_OPEN: set[str] = set()


class SqliteStore(Store):
    """The store in one SQLite file (created, with its folder, when missing)."""

    def __init__(self, path: Path | str, *, claim_seconds: float = CLAIM_SECONDS) -> None:
        super().__init__(str(path), claim_seconds=claim_seconds)
        self.path = Path(path)
        self._executor: ThreadPoolExecutor | None = None
        self._connection: sqlite3.Connection | None = None  # the worker thread's
        self._inline: sqlite3.Connection | None = None  # the event loop's
        self._writes = 0
        self._checkpoint: asyncio.Future[None] | None = None
        self._migrate_at_open = True

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._executor is not None

    async def _open(self, *, migrate: bool) -> None:
        """Open the database (creating file and schema if needed)."""
        self._migrate_at_open = migrate
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="yibao-store")
        try:
            await self._in_worker(self._connect)
            self._inline = _connect_inline(self.path)
            _OPEN.add(self.holder)
        except (sqlite3.Error, OSError) as err:
            self._executor.shutdown(wait=False)
            self._executor = None
            raise _explain(self.path, err) from err
        except BaseException:
            self._executor.shutdown(wait=False)
            self._executor = None
            raise

    async def _close(self) -> None:
        assert self._executor is not None
        _OPEN.discard(self.holder)
        try:
            if self._inline is not None:
                with contextlib.suppress(sqlite3.Error):  # handed back at once, not at expiry
                    _release(self._inline, self.holder)
                self._inline.close()
                self._inline = None
            await self._in_worker(self._disconnect)  # the last connection checkpoints
        finally:
            self._executor.shutdown(wait=True)
            self._executor = None

    # -- the API --------------------------------------------------------------------------

    async def get(self, key: str) -> Conversation:
        """The stored conversation, or a fresh one (also when the row is corrupted)."""
        row = await self._run(lambda db: _select(db, key))
        return parse_conversation(*row) if row is not None else parse_conversation(None, None)

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

    async def apply(
        self, key: str, decide: Decide, *, event_id: int | None = None
    ) -> list[int] | None:
        now = time.time()
        return await self._run(lambda db: _apply(db, key, decide, event_id, now), write=True)

    async def schema_version(self) -> int:
        return await self._in_worker(lambda: _version(self._db()))

    async def migrate(self) -> list[int]:
        try:
            return await self._in_worker(lambda: _migrate(self._db(), str(self.path)))
        except sqlite3.Error as err:
            raise _explain(self.path, err) from err

    # -- inbox and outbox (exactly-once across crashes) -----------------------------------

    async def receive(self, events: Sequence[tuple[int, str]]) -> set[int]:
        """Record incoming events (id, payload) in one transaction; the ids not seen before."""
        if not events:
            return set()
        now, holder = time.time(), self.holder
        until = now + self.claim_seconds
        return await self._run(lambda db: _receive(db, events, now, holder, until), write=True)

    async def finish(self, event_id: int) -> None:
        """The event needs nothing more: forget its payload, keep its id (replays)."""
        await self._run(lambda db: _finish(db, event_id), write=True)

    async def finish_many(self, event_ids: Sequence[int]) -> None:
        """finish() for many events in one transaction (a flood's dropped messages)."""
        ids = list(event_ids)
        await self._run(lambda db: _finish_many(db, ids), write=True)

    async def unfinished(self) -> list[tuple[int, str]]:
        """Events received and not finished (a crash came between), oldest first."""
        return await self._run(_unfinished)

    async def claim_unfinished(self) -> list[tuple[int, str]]:
        now, holder = time.time(), self.holder
        until = now + self.claim_seconds
        return await self._run(lambda db: _claim_unfinished(db, now, holder, until), write=True)

    async def claim_owed(self, key: str, token: str | None = None) -> Claim:
        claim = token or self.new_claim_token()
        now = time.time()
        until = now + self.claim_seconds
        owed = await self._run(lambda db: _claim_owed(db, key, claim, now, until), write=True)
        return Claim(claim, owed)

    async def owed(self, key: str | None = None) -> list[Owed]:
        """Messages still owed (for one conversation, or all), in the order they were owed."""
        return await self._run(lambda db: _owed(db, key))

    async def delivered(self, key: str, owed_id: int, question_message_id: int | None) -> None:
        """An owed message went out: drop it and, unless KEEP, remember the message now
        showing the conversation's question (None: no question showing)."""
        await self._run(
            lambda db: _delivered(db, key, owed_id, question_message_id), write=True
        )

    async def expire(self, older_than_seconds: float) -> int:
        """Delete conversations untouched for that long (and their owed messages), and
        finished inbox ids past INBOX_KEEP_SECONDS; the number of conversations deleted."""
        now = time.time()
        return await self._run(
            lambda db: _expire(db, now - older_than_seconds, now - INBOX_KEEP_SECONDS),
            write=True,
        )

    async def scrub(self) -> None:
        """Checkpoint the WAL into the database and truncate it: copies of deleted rows in
        the WAL are gone (the database's own copies were zeroed by secure_delete)."""
        await self._in_worker(lambda: _truncate_wal(self._db()))

    async def check(self) -> None:
        """SQLite's quick integrity check; StoreError naming the file when it fails."""
        try:
            problems = await self._in_worker(lambda: _quick_check(self._db()))
        except sqlite3.Error as err:
            raise _explain(self.path, err) from err
        if problems:
            raise StoreError("damaged", self.path, detail=problems[0])

    # -- where statements run -------------------------------------------------------------

    async def _run(self, call: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        """On the event loop's connection; on the worker thread when the database is locked."""
        if self._executor is None or self._inline is None:
            raise RuntimeError("the store is not open")
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
            raise RuntimeError("the store is not open")
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    # -- worker-thread side ---------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            raise RuntimeError("the store is not open")
        return self._connection

    def _connect(self) -> None:
        if self.path.parent != Path():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit; each statement below is its own transaction.
        connection = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        try:
            connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            _enter_wal(connection)
            # NORMAL in WAL mode: a commit survives the process being killed (it is in the OS
            # once written); only a power cut may lose the last commits.
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA secure_delete=ON")
            if self._migrate_at_open:
                _migrate(connection, str(self.path))
        except BaseException:
            connection.close()
            raise
        self._connection = connection

    def _disconnect(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

def _enter_wal(connection: sqlite3.Connection) -> None:
    """Switch the file to WAL, waiting for the lock as long as any statement would.

    Two processes opening a new file at once both switch it; the switch needs the whole file,
    and SQLite answers the one that would otherwise deadlock "database is locked" at once,
    without its busy handler (two webhook workers started together failed so)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            if err.sqlite_errorcode & 0xFF not in _WAIT_CODES or time.monotonic() > deadline:
                raise
        time.sleep(0.01)


def _connect_inline(path: Path) -> sqlite3.Connection:
    """The event loop's connection: never waits for a lock, never checkpoints (so never syncs)."""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("PRAGMA busy_timeout=0")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA secure_delete=ON")  # per connection: both need it
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


def _select(db: sqlite3.Connection, key: str) -> tuple[str, int | None, str | None] | None:
    row = db.execute(
        "SELECT state, question_message_id, page FROM conversations WHERE key = ?", (key,)
    ).fetchone()
    if row is None:
        return None
    raw, message_id, page = row
    return (raw if isinstance(raw, str) else ""), message_id, page


def _upsert(db: sqlite3.Connection, key: str, raw: str, question_message_id: int | None) -> None:
    db.execute(
        """
        INSERT INTO conversations (key, state, question_message_id, updated_at, page)
        VALUES (?, ?, ?, ?, NULL)
        ON CONFLICT(key) DO UPDATE SET
            state = excluded.state,
            question_message_id = excluded.question_message_id,
            updated_at = excluded.updated_at,
            page = NULL
        """,
        (key, raw, question_message_id, time.time()),
    )


def _update_message(db: sqlite3.Connection, key: str, message_id: int | None) -> None:
    db.execute(
        "UPDATE conversations SET question_message_id = ? WHERE key = ?", (message_id, key)
    )


def _delete(db: sqlite3.Connection, key: str) -> bool:
    with _transaction(db):
        db.execute("DELETE FROM outbox WHERE key = ?", (key,))
        cursor = db.execute("DELETE FROM conversations WHERE key = ?", (key,))
    return cursor.rowcount > 0


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT on an autocommit connection; ROLLBACK on any error. (A
    lock held by another process raises SQLITE_BUSY at BEGIN, so _run retries the whole
    call on the worker thread.)"""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, error: object, tb: object) -> None:
        if kind is None:
            self.db.execute("COMMIT")
        elif self.db.in_transaction:
            self.db.execute("ROLLBACK")


def _alive(claimed_by: str) -> bool:
    """Whether the worker that made a claim is still there: a store of this process that is
    open, or another process on this machine that runs. A claim from another machine (a
    file on a network share) is taken as alive: only its expiry frees it."""
    holder = claimed_by.split("/", 1)[0]
    if holder in _OPEN:
        return True
    pid, _, rest = holder.partition("@")
    if rest.rpartition("#")[0] != _HOST:
        return True
    if not pid.isdigit() or int(pid) == os.getpid():
        return False  # a store of this process, closed
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _held(claimed_by: object, until: object, now: float, mine: str | None = None) -> bool:
    """Whether another live claim holds a row (an expired claim holds nothing)."""
    if not isinstance(claimed_by, str) or claimed_by == mine:
        return False
    if not isinstance(until, int | float) or until < now:
        return False
    return _alive(claimed_by)


def _receive(
    db: sqlite3.Connection, events: Sequence[tuple[int, str]], now: float, holder: str,
    until: float,
) -> set[int]:
    fresh: set[int] = set()
    with _transaction(db):
        for event_id, payload in events:
            cursor = db.execute(
                "INSERT OR IGNORE INTO inbox (id, payload, received_at, claimed_by, "
                "claimed_until) VALUES (?, ?, ?, ?, ?)",
                (event_id, payload, now, holder, until),
            )
            if cursor.rowcount:
                fresh.add(event_id)
                continue
            row = db.execute("SELECT done, claimed_by, claimed_until FROM inbox WHERE id = ?",
                             (event_id,)).fetchone()
            # Seen, never finished, and its worker is gone: take it over. (Held by this
            # worker itself, it is being processed: a replay, not processed twice.)
            if row is not None and not row[0] and row[1] != holder \
                    and not _held(row[1], row[2], now):
                db.execute("UPDATE inbox SET claimed_by = ?, claimed_until = ? WHERE id = ?",
                           (holder, until, event_id))
                fresh.add(event_id)
    return fresh


def _claim_unfinished(
    db: sqlite3.Connection, now: float, holder: str, until: float
) -> list[tuple[int, str]]:
    with _transaction(db):
        rows = db.execute("SELECT id, payload, claimed_by, claimed_until FROM inbox "
                          "WHERE done = 0 ORDER BY id").fetchall()
        taken = [(int(i), p if isinstance(p, str) else "") for i, p, by, t in rows
                 if by != holder and not _held(by, t, now)]
        db.executemany("UPDATE inbox SET claimed_by = ?, claimed_until = ? WHERE id = ?",
                       [(holder, until, i) for i, _ in taken])
    return taken


def _claim_owed(
    db: sqlite3.Connection, key: str, claim: str, now: float, until: float
) -> list[Owed]:
    # Nothing owed (most calls): no write lock. A row owed right after this read is claimed
    # by the worker that committed it, which claims after its commit.
    if db.execute("SELECT 1 FROM outbox WHERE key = ? LIMIT 1", (key,)).fetchone() is None:
        return []
    with _transaction(db):
        rows = db.execute("SELECT id, payload, claimed_by, claimed_until FROM outbox "
                          "WHERE key = ? ORDER BY id", (key,)).fetchall()
        if any(_held(by, t, now, mine=claim) for _, _, by, t in rows):
            return []
        db.execute("UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE key = ?",
                   (claim, until, key))
    return [Owed(int(i), key, str(p)) for i, p, _, _ in rows]


def _release(db: sqlite3.Connection, holder: str) -> None:
    """Hand back this store's claims (a clean stop: another worker takes them at once)."""
    with _transaction(db):
        db.execute("UPDATE inbox SET claimed_by = NULL, claimed_until = NULL "
                   "WHERE claimed_by = ?", (holder,))
        db.execute("UPDATE outbox SET claimed_by = NULL, claimed_until = NULL "
                   "WHERE claimed_by LIKE ? ESCAPE '!'", (_like_prefix(holder),))


def _like_prefix(holder: str) -> str:
    escaped = holder.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return escaped + "/%"


def _finish(db: sqlite3.Connection, event_id: int) -> None:
    db.execute(
        "UPDATE inbox SET done = 1, payload = NULL WHERE id = ? AND done = 0", (event_id,)
    )


def _finish_many(db: sqlite3.Connection, event_ids: list[int]) -> None:
    with _transaction(db):
        db.executemany(
            "UPDATE inbox SET done = 1, payload = NULL WHERE id = ? AND done = 0",
            [(event_id,) for event_id in event_ids],
        )


def _unfinished(db: sqlite3.Connection) -> list[tuple[int, str]]:
    rows = db.execute("SELECT id, payload FROM inbox WHERE done = 0 ORDER BY id").fetchall()
    return [(int(i), p if isinstance(p, str) else "") for i, p in rows]


def _done(db: sqlite3.Connection, event_id: int) -> bool:
    row = db.execute("SELECT done FROM inbox WHERE id = ?", (event_id,)).fetchone()
    return row is not None and bool(row[0])


def _write_step(
    db: sqlite3.Connection,
    key: str,
    raw: str | None,
    page: str | None,
    event_id: int | None,
    owed: Sequence[str],
    forget: bool,
    now: float,
) -> list[int]:
    if forget:
        db.execute("DELETE FROM outbox WHERE key = ?", (key,))
        db.execute("DELETE FROM conversations WHERE key = ?", (key,))
    elif raw is not None:
        db.execute(
            """
            INSERT INTO conversations (key, state, question_message_id, updated_at, page)
            VALUES (?, ?, NULL, ?, ?)
            ON CONFLICT(key) DO UPDATE SET state = excluded.state,
                updated_at = excluded.updated_at, page = excluded.page
            """,
            (key, raw, now, page),
        )
    ids = []
    for payload in owed:
        cursor = db.execute(
            "INSERT INTO outbox (key, payload, created_at) VALUES (?, ?, ?)",
            (key, payload, now),
        )
        assert cursor.lastrowid is not None
        ids.append(cursor.lastrowid)
    if event_id is not None:
        _finish(db, event_id)
    return ids


def _apply(
    db: sqlite3.Connection, key: str, decide: Decide, event_id: int | None, now: float
) -> list[int] | None:
    # BEGIN IMMEDIATE takes the write lock before the read: a second process's apply (of any
    # conversation) waits at its BEGIN until this one commits, then reads what it wrote.
    with _transaction(db):
        if event_id is not None and _done(db, event_id):
            return None
        found = _select(db, key)
        conversation = parse_conversation(*found) if found else parse_conversation(None, None)
        change: Change = decide(conversation)
        raw = change.state.to_json() if change.state is not None else None
        return _write_step(db, key, raw, change.page, event_id, change.owed, change.forget,
                           now)


def _version(db: sqlite3.Connection) -> int:
    """The version recorded; a file from before versions (its tables, no record) is at 1."""
    def exists(table: str) -> bool:
        return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                          (table,)).fetchone() is not None

    if not exists("schema_version"):
        return 1 if exists("conversations") else 0
    (version,) = db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
    return int(version) or (1 if exists("conversations") else 0)


def _migrate(db: sqlite3.Connection, where: str) -> list[int]:
    """Bring the file to migrations.LATEST, in one transaction (another process starting at
    the same time waits at BEGIN IMMEDIATE, then finds nothing left to do)."""
    with _transaction(db):
        db.execute(migrations.VERSION_TABLE_SQLITE)
        # what is recorded: version 1's statements are harmless on a file from before versions
        (current,) = db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
        if current > migrations.LATEST:
            raise StoreError("too_new", where, version=current, latest=migrations.LATEST)
        applied = []
        for migration in migrations.pending(current):
            try:
                for statement in migration.sqlite:
                    db.execute(statement)
            except sqlite3.Error as err:  # the transaction rolls back: nothing was changed
                raise StoreError("migration_failed", where, version=migration.version,
                                 detail=str(err)) from err
            db.execute(
                "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.description, time.time()),
            )
            applied.append(migration.version)
    return applied


def _owed(db: sqlite3.Connection, key: str | None) -> list[Owed]:
    if key is None:
        rows = db.execute("SELECT id, key, payload FROM outbox ORDER BY id").fetchall()
    else:
        rows = db.execute(
            "SELECT id, key, payload FROM outbox WHERE key = ? ORDER BY id", (key,)
        ).fetchall()
    return [Owed(int(i), str(k), str(p)) for i, k, p in rows]


def _delivered(
    db: sqlite3.Connection, key: str, owed_id: int, question_message_id: int | None
) -> None:
    with _transaction(db):
        db.execute("DELETE FROM outbox WHERE id = ?", (owed_id,))
        if question_message_id != KEEP:
            db.execute(
                "UPDATE conversations SET question_message_id = ? WHERE key = ?",
                (question_message_id, key),
            )


def _expire(db: sqlite3.Connection, before: float, inbox_before: float) -> int:
    with _transaction(db):
        db.execute(
            "DELETE FROM outbox WHERE key IN "
            "(SELECT key FROM conversations WHERE updated_at < ?)", (before,)
        )
        cursor = db.execute("DELETE FROM conversations WHERE updated_at < ?", (before,))
        db.execute("DELETE FROM inbox WHERE done = 1 AND received_at < ?", (inbox_before,))
    return cursor.rowcount


def _truncate_wal(db: sqlite3.Connection) -> None:
    for _ in range(20):  # busy (a reader in the middle of a statement): try again shortly
        busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            return
        time.sleep(0.01)
    log.warning("the WAL could not be truncated (busy); the next scrub tries again")


def _quick_check(db: sqlite3.Connection) -> list[str]:
    rows = [str(r[0]) for r in db.execute("PRAGMA quick_check").fetchall()]
    return [] if rows == ["ok"] else rows


def _explain(path: Path, err: sqlite3.Error | OSError) -> StoreError:
    """What went wrong with the file and what to do, for the errors seen at start-up."""
    text = str(err).lower()
    if isinstance(err, OSError):  # making its folder failed
        return StoreError("unwritable_folder", path, detail=err.strerror or str(err))
    code = getattr(err, "sqlite_errorcode", 0) & 0xFF
    problem: StoreProblem = "unusable_file"
    if code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT) or "not a database" in text \
            or "malformed" in text:
        problem = "damaged"
    elif code in _WAIT_CODES or "locked" in text:
        problem = "locked"
    elif code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM) \
            or "readonly" in text or "unable to open" in text:
        problem = "unwritable"
    return StoreError(problem, path, detail=str(err))


def _count(db: sqlite3.Connection) -> int:
    (count,) = db.execute("SELECT COUNT(*) FROM conversations").fetchone()
    return int(count)
