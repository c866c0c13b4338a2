"""Schema migrations, the same on both backends: from an empty database, and from version 1
(the schema as issue 11 made it, before versions existed) with its rows kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from bot.database_url import Database
from bot.store import Change, connect, migrations
from dialogs.state import DialogState, Stage
from tests.bot.stores import BACKENDS, database_for, sql

# The SQLite schema exactly as bot/store.py created it before versions existed.
SQLITE_V1 = """
CREATE TABLE IF NOT EXISTS conversations (
    key TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    question_message_id INTEGER,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_updated ON conversations (updated_at);
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY,
    payload TEXT,
    received_at REAL NOT NULL,
    done INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS inbox_open ON inbox (done, id);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_key ON outbox (key, id);
"""

STATE = DialogState(region="changtu", identities=["tekun"], stage=Stage.PAYMENT_DATE, seq=3)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    return database_for(str(request.param), tmp_path, url)


def make_version_1(database: Database) -> None:
    """A version-1 database with a conversation, an unfinished event and an owed message."""
    rows = [
        ("INSERT INTO conversations VALUES ('42', ?, 7, 1000.0)", (STATE.to_json(),)),
        ("INSERT INTO inbox (id, payload, received_at, done) VALUES (5, '{\"u\": 5}', 1.0, 0)",
         ()),
        ("INSERT INTO inbox (id, payload, received_at, done) VALUES (4, NULL, 1.0, 1)", ()),
        ("INSERT INTO outbox (key, payload, created_at) VALUES ('42', 'owed reply', 2.0)", ()),
    ]
    if database.scheme == "sqlite":
        with sqlite3.connect(database.path) as db:
            db.executescript(SQLITE_V1)
            for statement, params in rows:
                db.execute(statement, params)
        return
    # PostgreSQL had no schema before versions: version 1 is migration 1, recorded as such.
    with psycopg.connect(database.url, autocommit=True) as pg, pg.transaction():
        pg.execute(migrations.VERSION_TABLE_POSTGRES.encode())
        for statement in migrations.MIGRATIONS[0].postgres:
            pg.execute(statement.encode())
        pg.execute("INSERT INTO schema_version VALUES (1, 'v1', 0)")
        for statement, params in rows:
            pg.execute(statement.replace("?", "%s").encode(), params)


async def test_version_1_is_migrated_with_its_rows_kept(database: Database) -> None:
    make_version_1(database)
    async with connect(database) as store:
        assert await store.schema_version() == migrations.LATEST
        got = await store.get("42")
        assert got.state == STATE and got.question_message_id == 7
        assert await store.unfinished() == [(5, '{"u": 5}')]
        assert await store.receive([(4, "{}")]) == set()  # a finished id is still known
        [owed] = await store.owed()
        assert (owed.key, owed.payload) == ("42", "owed reply")
        # and the migrated database works as a new one does
        new = await store.commit("42", None, event_id=5, owed=["next"])
        assert new[0] > owed.id
        assert await store.unfinished() == []


async def test_migrating_twice_changes_nothing(database: Database) -> None:
    async with connect(database) as store:
        await store.put("1", STATE)
    before = sql(database, "SELECT version, description FROM schema_version ORDER BY version")
    async with connect(database) as store:
        assert (await store.get("1")).state == STATE
    assert sql(database, "SELECT version, description FROM schema_version ORDER BY version") \
        == before


def test_both_backends_have_every_migration_and_numbers_run_from_one() -> None:
    numbers = [m.version for m in migrations.MIGRATIONS]
    assert numbers == list(range(1, len(numbers) + 1))
    for migration in migrations.MIGRATIONS:
        assert migration.sqlite and migration.postgres and migration.description


def make_version_2(database: Database) -> None:
    """A database at version 2 (claims), with version 1's rows and a claimed event."""
    make_version_1(database)
    previous = migrations.MIGRATIONS[1]
    assert previous.version == 2
    statements = previous.sqlite if database.scheme == "sqlite" else previous.postgres
    recorded = "INSERT INTO schema_version VALUES (2, 'v2', 0)"
    if database.scheme == "sqlite":
        with sqlite3.connect(database.path) as db:
            db.execute(migrations.VERSION_TABLE_SQLITE)
            db.execute("INSERT INTO schema_version VALUES (1, 'v1', 0)")
            for statement in statements:
                db.execute(statement)
            db.execute(recorded)
            db.execute("UPDATE inbox SET claimed_by = 'gone@nowhere#1', claimed_until = 1.0 "
                       "WHERE id = 5")
        return
    with psycopg.connect(database.url, autocommit=True) as pg, pg.transaction():
        for statement in statements:
            pg.execute(statement.encode())
        pg.execute(recorded.encode())


async def test_version_2_is_migrated_to_stored_pages_with_its_rows_kept(
    database: Database,
) -> None:
    make_version_2(database)
    async with connect(database) as store:
        assert await store.schema_version() == migrations.LATEST
        got = await store.get("42")
        assert got.state == STATE and got.question_message_id == 7 and got.page is None
        assert await store.claim_unfinished() == [(5, '{"u": 5}')]  # an expired claim
        # the new column works as on a new database
        await store.apply("42", lambda c: Change(c.state, page="<p>shown</p>"))
        assert (await store.get("42")).page == "<p>shown</p>"
    applied = sql(database, "SELECT version FROM schema_version ORDER BY version")
    assert [int(str(v)) for (v,) in applied] == [m.version for m in migrations.MIGRATIONS]
