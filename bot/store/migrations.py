"""The store's schema, as numbered migrations the same for both backends.

Each migration has a number, what it does, and its statements in each dialect (SQLite and
PostgreSQL differ in types, not in tables or columns). The `schema_version` table lists the
versions applied; `open()` (and `yibao store migrate`) applies the missing ones in order, in
one transaction under a lock, so two workers starting at once do not both migrate.

Version 1 is the schema as it was before versions existed (issue 11's store): its statements
say IF NOT EXISTS, so a database made then (no schema_version table, but the tables and their
rows) is adopted as version 1 without touching its rows, then migrated on.

A migration, once released, is never edited: a change is a new migration at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]


VERSION_TABLE_SQLITE: Final = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at REAL NOT NULL)"
)
VERSION_TABLE_POSTGRES: Final = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY, description TEXT NOT NULL,"
    " applied_at DOUBLE PRECISION NOT NULL)"
)

MIGRATIONS: Final[tuple[Migration, ...]] = (
    Migration(
        1,
        "conversations, inbox and outbox (issue 11)",
        sqlite=(
            """CREATE TABLE IF NOT EXISTS conversations (
                key TEXT PRIMARY KEY,
                state TEXT NOT NULL,
                question_message_id INTEGER,
                updated_at REAL NOT NULL
            )""",
            "CREATE INDEX IF NOT EXISTS conversations_updated ON conversations (updated_at)",
            """CREATE TABLE IF NOT EXISTS inbox (
                id INTEGER PRIMARY KEY,
                payload TEXT,
                received_at REAL NOT NULL,
                done INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX IF NOT EXISTS inbox_open ON inbox (done, id)",
            """CREATE TABLE IF NOT EXISTS outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                key TEXT NOT NULL,
                payload TEXT NOT NULL,
                created_at REAL NOT NULL
            )""",
            "CREATE INDEX IF NOT EXISTS outbox_key ON outbox (key, id)",
        ),
        postgres=(
            """CREATE TABLE IF NOT EXISTS conversations (
                key TEXT PRIMARY KEY,
                state TEXT NOT NULL,
                question_message_id BIGINT,
                updated_at DOUBLE PRECISION NOT NULL
            )""",
            "CREATE INDEX IF NOT EXISTS conversations_updated ON conversations (updated_at)",
            """CREATE TABLE IF NOT EXISTS inbox (
                id BIGINT PRIMARY KEY,
                payload TEXT,
                received_at DOUBLE PRECISION NOT NULL,
                done INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX IF NOT EXISTS inbox_open ON inbox (done, id)",
            """CREATE TABLE IF NOT EXISTS outbox (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                key TEXT NOT NULL,
                payload TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL
            )""",
            "CREATE INDEX IF NOT EXISTS outbox_key ON outbox (key, id)",
        ),
    ),
    Migration(
        2,
        "claims: an event or an owed message is worked on by one worker at a time",
        sqlite=(
            "ALTER TABLE inbox ADD COLUMN claimed_by TEXT",
            "ALTER TABLE inbox ADD COLUMN claimed_until REAL",
            "ALTER TABLE outbox ADD COLUMN claimed_by TEXT",
            "ALTER TABLE outbox ADD COLUMN claimed_until REAL",
        ),
        postgres=(
            "ALTER TABLE inbox ADD COLUMN claimed_by TEXT",
            "ALTER TABLE inbox ADD COLUMN claimed_until DOUBLE PRECISION",
            "ALTER TABLE outbox ADD COLUMN claimed_by TEXT",
            "ALTER TABLE outbox ADD COLUMN claimed_until DOUBLE PRECISION",
        ),
    ),
    Migration(
        3,
        "conversations.page: what the last step said, for the web chat's GET after a post "
        "on any worker (issue 12)",
        # In the conversation's own row: the same key, retention and deletion, no copy
        # elsewhere.
        sqlite=("ALTER TABLE conversations ADD COLUMN page TEXT",),
        postgres=("ALTER TABLE conversations ADD COLUMN page TEXT",),
    ),
)

LATEST: Final = MIGRATIONS[-1].version


def pending(current: int) -> list[Migration]:
    """The migrations a database at `current` still needs, in order."""
    return [m for m in MIGRATIONS if m.version > current]
