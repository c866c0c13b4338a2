"""Dialog state, inbox and outbox in a database: SQLite (a file, the default) or PostgreSQL
(several workers), chosen by YIBAO_DATABASE_URL (bot.database_url).

    store = connect(database_url.from_env())
    async with store:
        ids = await store.apply(key, decide, event_id=update_id)

`Store` (bot.store.base) is the interface every adapter uses; bot.store.sqlite and
bot.store.postgres are the backends, bot.store.migrations the schema they share. The
PostgreSQL driver is imported only when a PostgreSQL URL is used.
"""

from __future__ import annotations

from pathlib import Path

from bot.database_url import Database
from bot.store.base import (
    CLAIM_SECONDS,
    INBOX_KEEP_SECONDS,
    KEEP,
    Change,
    Conversation,
    Decide,
    Owed,
    Store,
    StoreError,
)
from bot.store.sqlite import SqliteStore

__all__ = [
    "CLAIM_SECONDS",
    "INBOX_KEEP_SECONDS",
    "KEEP",
    "Change",
    "Conversation",
    "Decide",
    "Owed",
    "SqliteStore",
    "Store",
    "StoreError",
    "connect",
]


def connect(database: Database | Path | str, *, claim_seconds: float = CLAIM_SECONDS) -> Store:
    """The store for a database (not yet open); a Path or str is a SQLite file.
    `claim_seconds`: the lease of this worker's claims (YIBAO_CLAIM_LEASE)."""
    if not isinstance(database, Database):
        return SqliteStore(database, claim_seconds=claim_seconds)
    if database.scheme == "sqlite":
        return SqliteStore(database.path, claim_seconds=claim_seconds)
    from bot.store.postgres import PostgresStore

    return PostgresStore(database.url, where=database.display, claim_seconds=claim_seconds)
