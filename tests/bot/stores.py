"""Both store backends for one test: `backend` is parametrized over SQLite and PostgreSQL,
so every test that takes `database` runs on each; plus raw access to every table's rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg

from bot.database_url import Database, parse
from bot.store import Store, connect

BACKENDS = ("sqlite", "postgresql")


def database_for(backend: str, tmp_path: Path, postgres_url: str | None) -> Database:
    if backend == "sqlite":
        return Database(scheme="sqlite", path=tmp_path / "state.sqlite3")
    assert postgres_url is not None
    return parse(postgres_url)


def open_store(database: Database) -> Store:
    return connect(database)


def sql(database: Database, statement: str, *params: object) -> list[tuple[object, ...]]:
    """One statement straight on the database (as another program would), its rows."""
    if database.scheme == "sqlite":
        with sqlite3.connect(database.path) as db:
            return [tuple(r) for r in db.execute(statement, params).fetchall()]
    with psycopg.connect(database.url, autocommit=True) as pg:
        cursor = pg.execute(statement.replace("?", "%s").encode(), params)
        return [tuple(r) for r in cursor.fetchall()] if cursor.description else []


def tables(database: Database) -> list[str]:
    if database.scheme == "sqlite":
        rows = sql(database, "SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        rows = sql(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return sorted(str(r[0]) for r in rows)


def everything(database: Database) -> str:
    """Every row of every table, as text (to look for what must not be there)."""
    lines = []
    for table in tables(database):
        for row in sql(database, f'SELECT * FROM "{table}"'):
            lines.append(f"{table}: {row!r}")
    return "\n".join(lines)
