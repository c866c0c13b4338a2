"""YIBAO_DATABASE_URL: one setting for where every adapter keeps dialog state."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.database_url import DatabaseUrlError, from_env, parse
from bot.settings import DEFAULT_STATE_DB


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///yibao.sqlite3", Path("yibao.sqlite3")),
        ("sqlite:///data/state.db", Path("data/state.db")),
        ("sqlite:////var/lib/yibao/state.sqlite3", Path("/var/lib/yibao/state.sqlite3")),
        ("  sqlite:////tmp/a%20b.db  ", Path("/tmp/a b.db")),
    ],
)
def test_sqlite_urls(url: str, path: Path) -> None:
    database = parse(url)
    assert database.scheme == "sqlite" and database.path == path


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("mysql://u@h/db", "scheme must be one of sqlite, postgresql"),
        ("/var/lib/state.db", "scheme must be one of sqlite, postgresql"),
        ("postgresql://u@h:port/db", "port .* is not a number"),
        ("postgresql://", "names no server and no database"),
        ("sqlite://host/state.db", "no host"),
        ("sqlite:///", "names no file"),
        ("sqlite:///dir/", "names no file"),
        ("sqlite:///state.db?mode=ro", "not supported"),
    ],
)
def test_unusable_urls_say_why(url: str, fragment: str) -> None:
    with pytest.raises(DatabaseUrlError, match=fragment):
        parse(url)


def test_the_url_wins_then_the_old_path_then_the_default() -> None:
    both = {"YIBAO_DATABASE_URL": "sqlite:////srv/a.db", "YIBAO_STATE_DB": "/srv/b.db"}
    assert from_env(both).path == Path("/srv/a.db")
    assert from_env({"YIBAO_STATE_DB": "/srv/b.db"}).path == Path("/srv/b.db")
    assert from_env({"YIBAO_DATABASE_URL": "  "}).path == Path(DEFAULT_STATE_DB)
    assert from_env({}).path == Path(DEFAULT_STATE_DB)


@pytest.mark.parametrize(
    "url",
    ["postgresql://yibao:s3cret@db.internal:5432/yibao",
     "postgres://yibao@127.0.0.1/yibao?sslmode=require",
     "postgresql:///yibao"],  # libpq's own default host (the local socket)
)
def test_postgresql_urls_are_passed_on_as_they_are(url: str) -> None:
    database = parse(url)
    assert database.scheme == "postgresql" and database.url == url


def test_a_postgresql_password_is_never_shown() -> None:
    database = parse("postgresql://yibao:s3cret@db.internal:5432/yibao")
    assert "s3cret" not in database.display and "s3cret" not in repr(database)
    assert database.display == "postgresql://yibao:***@db.internal:5432/yibao"
    with pytest.raises(DatabaseUrlError) as caught:
        parse("postgresql://yibao:s3cret@db.internal:port/yibao")
    assert "s3cret" not in str(caught.value)


def test_the_telegram_bot_reads_the_same_setting() -> None:
    from bot.settings import Settings, SettingsError

    token = {"TELEGRAM_BOT_TOKEN": "123456:AAFakeTokenForTestsOnly_0123456789abc"}
    settings = Settings.from_env({**token, "YIBAO_DATABASE_URL": "postgresql://y@db/yibao"})
    assert settings.store_database.scheme == "postgresql"
    assert Settings.from_env(token).store_database.path == Path(DEFAULT_STATE_DB)
    with pytest.raises(SettingsError, match="scheme must be one of"):
        Settings.from_env({**token, "YIBAO_DATABASE_URL": "redis://x"})
