"""The PostgreSQL backend: one database shared by several workers on several machines.

Chosen with YIBAO_DATABASE_URL=postgresql://…; the driver is psycopg 3 (async, typed, its
binary wheel brings libpq: nothing to install on the machine; README "Runtime dependencies").
Each process keeps a small pool of autocommit connections; a statement that must see or
change several rows together runs in an explicit transaction.

Order within a conversation, across workers: `apply` (read the state, run the step, write
the state and the owed messages) runs in one transaction that first takes a transaction-level
advisory lock on the conversation key (`pg_advisory_xact_lock(namespace, hashtext(key))`).
A second worker's `apply` of the same conversation waits at that lock until the first
commits, then reads what the first wrote; other conversations are not held up (two keys
whose hashes collide only wait for each other, which is harmless). An advisory lock rather
than `SELECT … FOR UPDATE`, because a conversation's first update has no row yet to lock
(nor the first after /forget deleted it); rather than a version column with retry, because
retrying re-runs the step on every collision and a conversation's updates collide exactly
when a person taps twice. The lock goes with the transaction: a worker that dies mid-update
has its connection closed by the server, its transaction rolled back and its lock released,
and the next update finds the state as it was before.

Round trips: a step sends `BEGIN; lock; read` as one string and its `write; COMMIT` as
another (the simple query protocol, with the values as quoted literals), two round trips
instead of five: on one machine the worker's CPU per step, not the network, is what counts,
and each round trip costs it a wake-up (benchmarks/scaling.py, README "The scaling leg").

Privacy: /forget and the retention rule delete every row of the conversation (conversation,
with the web page its last step said, and owed messages) in one transaction; no other table
holds the key. PostgreSQL keeps the bytes
of deleted rows in its data files until VACUUM reuses the space, and in its WAL until the
segment is recycled, which the database's operator controls (README "Privacy"); `scrub` has
nothing to truncate here.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from typing import Final, LiteralString

import psycopg
from psycopg import sql
from psycopg_pool import AsyncConnectionPool

from bot.store import migrations
from bot.store.base import (
    CLAIM_SECONDS,
    INBOX_KEEP_SECONDS,
    KEEP,
    Claim,
    Conversation,
    Decide,
    Owed,
    Store,
    StoreError,
    parse_conversation,
)
from dialogs.state import DialogState

# Connections per process: a step holds one for a few milliseconds.
POOL_SIZE: Final = 10
CONNECT_TIMEOUT: Final = 10.0
# The first key of every advisory lock this store takes (the second is the key's hash), so
# they cannot meet another application's locks in the same database. ("yb" in ASCII.)
LOCK_NAMESPACE: Final = 0x7962
MIGRATION_LOCK: Final = 0  # the second key while migrating (hashtext of a key may be 0 too:
#                            then a step waits for a migration, which is harmless)
# Each open store holds a session-level advisory lock (WORKER_NAMESPACE, its holder's hash) on
# a connection of its own for as long as it is open: the server drops it the moment the
# process dies, so "is the worker that made this claim alive" is one look at pg_locks.
WORKER_NAMESPACE: Final = 0x7963
_HOLDER_HASH: Final = "(hashtext({}) & 2147483647)"
_ALIVE: Final = f"""EXISTS (
    SELECT 1 FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid = {WORKER_NAMESPACE}
      AND l.objid = {_HOLDER_HASH.format("split_part(claimed_by, '/', 1)")}::oid)"""
# A row another live claim holds (an expired claim holds nothing); %(mine)s is not another.
_HELD: Final = f"""(claimed_by IS NOT NULL AND claimed_by IS DISTINCT FROM %(mine)s
    AND claimed_until >= %(now)s AND {_ALIVE})"""

_UPSERT_STEP: Final = """
    INSERT INTO conversations (key, state, question_message_id, updated_at, page)
    VALUES (%s, %s, NULL, %s, %s)
    ON CONFLICT (key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at,
        page = excluded.page
"""
_SELECT: Final = "SELECT state, question_message_id, page FROM conversations WHERE key = %s"
_FINISH: Final = "UPDATE inbox SET done = 1, payload = NULL WHERE id = %s AND done = 0"


class PostgresStore(Store):
    def __init__(self, url: str, where: str | None = None, *,
                 claim_seconds: float = CLAIM_SECONDS) -> None:
        super().__init__(where or "(PostgreSQL)", claim_seconds=claim_seconds)
        self.url = url
        self._pool: AsyncConnectionPool[psycopg.AsyncConnection[tuple[object, ...]]] | None
        self._pool = None
        self._alive: psycopg.AsyncConnection[tuple[object, ...]] | None = None

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._pool is not None

    async def _open(self, *, migrate: bool) -> None:
        pool: AsyncConnectionPool[psycopg.AsyncConnection[tuple[object, ...]]]
        pool = AsyncConnectionPool(
            self.url, min_size=1, max_size=POOL_SIZE, open=False,
            kwargs={"autocommit": True, "connect_timeout": int(CONNECT_TIMEOUT)},
            name="yibao-store",
        )
        try:
            # The worker's own connection first: a server that is not there fails here at
            # once with libpq's reason (refused, no such host, password), where the pool
            # would retry for CONNECT_TIMEOUT and report only its timeout.
            self._alive = await psycopg.AsyncConnection.connect(
                self.url, autocommit=True, connect_timeout=int(CONNECT_TIMEOUT))
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT)
            if migrate:
                async with pool.connection() as db:
                    await _migrate(db, self.where)
            await self._alive.execute(
                f"SELECT pg_advisory_lock(%s, {_HOLDER_HASH.format('%s')})".encode(),
                (WORKER_NAMESPACE, self.holder))
        except StoreError:
            await self._disconnect(pool)
            raise
        except (psycopg.Error, OSError) as err:
            await self._disconnect(pool)
            raise _explain(self.where, err) from err
        except BaseException:
            await self._disconnect(pool)
            raise
        self._pool = pool

    async def _close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            with contextlib.suppress(psycopg.Error):  # handed back at once, not at expiry
                async with pool.connection() as db:
                    await _release(db, self.holder)
            await self._disconnect(pool)

    async def _disconnect(
        self, pool: AsyncConnectionPool[psycopg.AsyncConnection[tuple[object, ...]]]
    ) -> None:
        alive, self._alive = self._alive, None
        if alive is not None:
            await alive.close()  # the worker lock goes with it
        await pool.close()

    def _get_pool(self) -> AsyncConnectionPool[psycopg.AsyncConnection[tuple[object, ...]]]:
        if self._pool is None:
            raise RuntimeError("the store is not open")
        return self._pool

    async def check(self) -> None:
        """The server answers and the schema is current (integrity is the server's job)."""
        try:
            version = await self.schema_version()
        except psycopg.Error as err:
            raise _explain(self.where, err) from err
        if version != migrations.LATEST:
            raise StoreError("not_migrated", self.where, version=version,
                             latest=migrations.LATEST)

    async def schema_version(self) -> int:
        async with self._get_pool().connection() as db:
            return await _version(db)

    async def migrate(self) -> list[int]:
        try:
            async with self._get_pool().connection() as db:
                return await _migrate(db, self.where)
        except psycopg.Error as err:
            raise _explain(self.where, err) from err

    # -- conversations --------------------------------------------------------------------

    async def get(self, key: str) -> Conversation:
        async with self._get_pool().connection() as db:
            return await _select(db, key)

    async def put(
        self, key: str, state: DialogState, question_message_id: int | None = None
    ) -> None:
        async with self._get_pool().connection() as db:
            await db.execute(
                """
                INSERT INTO conversations (key, state, question_message_id, updated_at, page)
                VALUES (%s, %s, %s, %s, NULL)
                ON CONFLICT (key) DO UPDATE SET state = excluded.state,
                    question_message_id = excluded.question_message_id,
                    updated_at = excluded.updated_at, page = NULL
                """,
                (key, state.to_json(), question_message_id, time.time()),
            )

    async def set_question_message(self, key: str, message_id: int | None) -> None:
        async with self._get_pool().connection() as db:
            await db.execute(
                "UPDATE conversations SET question_message_id = %s WHERE key = %s",
                (message_id, key),
            )

    async def delete(self, key: str) -> bool:
        async with self._get_pool().connection() as db, db.transaction():
            await _lock(db, key)
            await db.execute("DELETE FROM outbox WHERE key = %s", (key,))
            cursor = await db.execute("DELETE FROM conversations WHERE key = %s", (key,))
            return cursor.rowcount > 0

    async def count(self) -> int:
        async with self._get_pool().connection() as db:
            return await _scalar(db, "SELECT COUNT(*) FROM conversations")

    async def apply(
        self, key: str, decide: Decide, *, event_id: int | None = None
    ) -> list[int] | None:
        now = time.time()
        async with self._get_pool().connection() as db:
            # BEGIN, the lock and the reads as one string of statements (one round trip):
            # the server runs them one after the other, and in READ COMMITTED each takes its
            # snapshot when it starts, so the reads come after the lock is held and see what
            # its previous holder committed. (Literals, not parameters: several statements
            # in one call go by the simple query protocol, which takes none.)
            reads = [sql.SQL("BEGIN"),
                     sql.SQL("SELECT pg_advisory_xact_lock({}, hashtext({}))").format(
                         LOCK_NAMESPACE, sql.Literal(key))]
            if event_id is not None:
                reads.append(sql.SQL("SELECT done FROM inbox WHERE id = {}").format(
                    sql.Literal(event_id)))
            reads.append(sql.SQL(_SELECT.replace("%s", "{}")).format(sql.Literal(key)))
            try:
                cursor = await db.execute(sql.SQL("; ").join(reads))
                cursor.nextset()  # past BEGIN's result
                cursor.nextset()  # past the lock's row
                if event_id is not None:
                    if _is_done(await cursor.fetchone()):
                        await db.execute("COMMIT")
                        return None
                    cursor.nextset()
                change = decide(_conversation(await cursor.fetchone()))
                raw = change.state.to_json() if change.state is not None else None
                if raw is not None and not change.forget and not change.owed:
                    # the web's step: its write and COMMIT in one round trip too
                    writes = [sql.SQL(_UPSERT_STEP.replace("%s", "{}")).format(
                        sql.Literal(key), sql.Literal(raw), sql.Literal(now),
                        sql.Literal(change.page))]
                    if event_id is not None:
                        writes.append(sql.SQL(_FINISH.replace("%s", "{}")).format(
                            sql.Literal(event_id)))
                    await db.execute(sql.SQL("; ").join([*writes, sql.SQL("COMMIT")]))
                    return []
                ids = await _write_step(db, key, raw, change.page, event_id, change.owed,
                                        change.forget, now)
                await db.execute("COMMIT")
                return ids
            except BaseException:
                # in the transaction, or in a failed one: end it (releasing the lock); a
                # query still in flight (cancelled) is left to the pool, which drops the
                # connection
                if db.info.transaction_status in (psycopg.pq.TransactionStatus.INTRANS,
                                                  psycopg.pq.TransactionStatus.INERROR):
                    with contextlib.suppress(psycopg.Error):
                        await db.execute("ROLLBACK")
                raise

    # -- inbox and outbox -----------------------------------------------------------------

    async def receive(self, events: Sequence[tuple[int, str]]) -> set[int]:
        if not events:
            return set()
        ids = [event_id for event_id, _ in events]
        payloads = [payload for _, payload in events]
        now = time.time()
        until = now + self.claim_seconds
        async with self._get_pool().connection() as db, db.transaction():
            cursor = await db.execute(
                """
                INSERT INTO inbox (id, payload, received_at, claimed_by, claimed_until)
                SELECT e.id, e.payload, %s, %s, %s
                FROM unnest(%s::bigint[], %s::text[]) AS e(id, payload)
                ON CONFLICT (id) DO NOTHING
                RETURNING id
                """,
                (now, self.holder, until, ids, payloads),
            )
            fresh = {int(str(row[0])) for row in await cursor.fetchall()}
            seen = [i for i in ids if i not in fresh]
            if seen:
                # Seen, never finished, and its worker is gone: take it over. (Held by this
                # worker itself, it is being processed: a replay, not processed twice.)
                cursor = await db.execute(
                    f"""
                    UPDATE inbox SET claimed_by = %(holder)s, claimed_until = %(until)s
                    WHERE id = ANY(%(ids)s) AND done = 0
                      AND claimed_by IS DISTINCT FROM %(holder)s AND NOT {_HELD}
                    RETURNING id
                    """.encode(),
                    {"holder": self.holder, "until": until, "ids": seen, "mine": None,
                     "now": now},
                )
                fresh |= {int(str(row[0])) for row in await cursor.fetchall()}
            return fresh

    async def finish(self, event_id: int) -> None:
        async with self._get_pool().connection() as db:
            await db.execute(_FINISH, (event_id,))

    async def finish_many(self, event_ids: Sequence[int]) -> None:
        ids = list(event_ids)
        if not ids:
            return
        async with self._get_pool().connection() as db:
            await db.execute(
                "UPDATE inbox SET done = 1, payload = NULL WHERE id = ANY(%s) AND done = 0",
                (ids,),
            )

    async def unfinished(self) -> list[tuple[int, str]]:
        async with self._get_pool().connection() as db:
            cursor = await db.execute(
                "SELECT id, payload FROM inbox WHERE done = 0 ORDER BY id"
            )
            return [(int(str(i)), p if isinstance(p, str) else "")
                    for i, p in await cursor.fetchall()]

    async def claim_unfinished(self) -> list[tuple[int, str]]:
        now = time.time()
        async with self._get_pool().connection() as db:
            cursor = await db.execute(
                f"""
                UPDATE inbox SET claimed_by = %(holder)s, claimed_until = %(until)s
                WHERE id IN (
                    SELECT id FROM inbox
                    WHERE done = 0 AND claimed_by IS DISTINCT FROM %(holder)s AND NOT {_HELD}
                    ORDER BY id FOR UPDATE SKIP LOCKED)
                RETURNING id, payload
                """.encode(),
                {"holder": self.holder, "until": now + self.claim_seconds, "mine": None,
                 "now": now},
            )
            rows = await cursor.fetchall()
        return sorted((int(str(i)), p if isinstance(p, str) else "") for i, p in rows)

    async def claim_owed(self, key: str, token: str | None = None) -> Claim:
        claim = token or self.new_claim_token()
        now = time.time()
        async with self._get_pool().connection() as db:
            # Nothing owed (most calls): no lock, one round trip. A row owed right after this
            # read is claimed by the worker that committed it, which claims after its commit.
            cursor = await db.execute("SELECT 1 FROM outbox WHERE key = %s LIMIT 1", (key,))
            if await cursor.fetchone() is None:
                return Claim(claim, [])
        async with self._get_pool().connection() as db, db.transaction():
            await _lock(db, key)  # two workers claiming at once: one after the other
            cursor = await db.execute(
                f"SELECT id, payload, {_HELD} FROM outbox WHERE key = %(key)s "
                f"ORDER BY id".encode(),
                {"key": key, "mine": claim, "now": now},
            )
            rows = await cursor.fetchall()
            if any(held for _, _, held in rows):
                return Claim(claim, [])
            await db.execute(
                "UPDATE outbox SET claimed_by = %s, claimed_until = %s WHERE key = %s",
                (claim, now + self.claim_seconds, key),
            )
        return Claim(claim, [Owed(int(str(i)), key, str(p)) for i, p, _ in rows])

    async def owed(self, key: str | None = None) -> list[Owed]:
        async with self._get_pool().connection() as db:
            if key is None:
                cursor = await db.execute("SELECT id, key, payload FROM outbox ORDER BY id")
            else:
                cursor = await db.execute(
                    "SELECT id, key, payload FROM outbox WHERE key = %s ORDER BY id", (key,)
                )
            return [Owed(int(str(i)), str(k), str(p)) for i, k, p in await cursor.fetchall()]

    async def delivered(self, key: str, owed_id: int, question_message_id: int | None) -> None:
        async with self._get_pool().connection() as db, db.transaction():
            await db.execute("DELETE FROM outbox WHERE id = %s", (owed_id,))
            if question_message_id != KEEP:
                await db.execute(
                    "UPDATE conversations SET question_message_id = %s WHERE key = %s",
                    (question_message_id, key),
                )

    # -- privacy --------------------------------------------------------------------------

    async def expire(self, older_than_seconds: float) -> int:
        now = time.time()
        before, inbox_before = now - older_than_seconds, now - INBOX_KEEP_SECONDS
        async with self._get_pool().connection() as db, db.transaction():
            await db.execute(
                "DELETE FROM outbox WHERE key IN "
                "(SELECT key FROM conversations WHERE updated_at < %s)", (before,)
            )
            cursor = await db.execute(
                "DELETE FROM conversations WHERE updated_at < %s", (before,)
            )
            deleted = cursor.rowcount
            await db.execute(
                "DELETE FROM inbox WHERE done = 1 AND received_at < %s", (inbox_before,)
            )
            return deleted

    async def scrub(self) -> None:
        """Nothing to do: no file of ours holds copies (see the module docstring)."""
        self._get_pool()


Connection = psycopg.AsyncConnection[tuple[object, ...]]


async def _lock(db: Connection, key: str) -> None:
    """The conversation's lock, held until the transaction ends (commit, rollback, or the
    connection dropping)."""
    await db.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (LOCK_NAMESPACE, key))


def _is_done(row: tuple[object, ...] | None) -> bool:
    """The inbox row (SELECT done) says the event was finished."""
    return row is not None and bool(row[0])


async def _release(db: Connection, holder: str) -> None:
    """Hand back this store's claims (a clean stop: another worker takes them at once)."""
    async with db.transaction():
        await db.execute("UPDATE inbox SET claimed_by = NULL, claimed_until = NULL "
                         "WHERE claimed_by = %s", (holder,))
        await db.execute("UPDATE outbox SET claimed_by = NULL, claimed_until = NULL "
                         "WHERE split_part(claimed_by, '/', 1) = %s", (holder,))


async def _select(db: Connection, key: str) -> Conversation:
    cursor = await db.execute(_SELECT, (key,))
    return _conversation(await cursor.fetchone())


def _conversation(row: tuple[object, ...] | None) -> Conversation:
    """A conversation from its row of _SELECT (None: there is none)."""
    if row is None:
        return parse_conversation(None, None)
    raw, message_id, page = row
    return parse_conversation(raw if isinstance(raw, str) else "",
                              int(str(message_id)) if message_id is not None else None,
                              page if isinstance(page, str) else None)


async def _write_step(
    db: Connection,
    key: str,
    raw: str | None,
    page: str | None,
    event_id: int | None,
    owed: Sequence[str],
    forget: bool,
    now: float,
) -> list[int]:
    if forget:
        await db.execute("DELETE FROM outbox WHERE key = %s", (key,))
        await db.execute("DELETE FROM conversations WHERE key = %s", (key,))
    elif raw is not None:
        await db.execute(_UPSERT_STEP, (key, raw, now, page))
    ids: list[int] = []
    if owed:
        cursor = await db.execute(
            """
            INSERT INTO outbox (key, payload, created_at)
            SELECT %s, o.payload, %s FROM unnest(%s::text[]) WITH ORDINALITY AS o(payload, n)
            ORDER BY o.n
            RETURNING id
            """,
            (key, now, list(owed)),
        )
        ids = sorted(int(str(row[0])) for row in await cursor.fetchall())
    if event_id is not None:
        await db.execute(_FINISH, (event_id,))
    return ids


async def _scalar(db: Connection, query: LiteralString) -> int:
    cursor = await db.execute(query)
    row = await cursor.fetchone()
    return int(str(row[0])) if row is not None else 0


async def _version(db: Connection) -> int:
    if not await _scalar(db, "SELECT COUNT(*) FROM pg_tables WHERE schemaname = "
                             "current_schema() AND tablename = 'schema_version'"):
        return 0
    return await _recorded(db)


async def _recorded(db: Connection) -> int:
    return await _scalar(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version")


async def _migrate(db: Connection, where: str) -> list[int]:
    """Bring the database to migrations.LATEST in one transaction, under an advisory lock (a
    second worker starting at the same time waits, then finds nothing left to do)."""
    async with db.transaction():
        await db.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                         (LOCK_NAMESPACE, MIGRATION_LOCK))
        await db.execute(migrations.VERSION_TABLE_POSTGRES)
        current = await _recorded(db)
        if current > migrations.LATEST:
            raise StoreError("too_new", where, version=current, latest=migrations.LATEST)
        applied = []
        for migration in migrations.pending(current):
            try:
                for statement in migration.postgres:
                    await db.execute(statement.encode())
            except psycopg.Error as err:  # the transaction rolls back: nothing was changed
                raise StoreError("migration_failed", where, version=migration.version,
                                 detail=str(err)) from err
            await db.execute(
                "INSERT INTO schema_version (version, description, applied_at) "
                "VALUES (%s, %s, %s)",
                (migration.version, migration.description, time.time()),
            )
            applied.append(migration.version)
    return applied


def _explain(where: str, err: BaseException) -> StoreError:
    """What went wrong with the server (named without its password) and what to do."""
    unreachable = isinstance(err, psycopg.OperationalError) or \
        "timeout" in type(err).__name__.lower()
    return StoreError("unreachable" if unreachable else "unusable", where, detail=str(err))
