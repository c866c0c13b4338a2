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
        ("postgresql://u@h/db", "scheme must be one of sqlite"),
        ("/var/lib/state.db", "scheme must be one of sqlite"),
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
