"""`yibao store migrate` / `yibao store version` on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.database_url import Database
from bot.store import migrations
from tests.bot.stores import BACKENDS, database_for, sql
from tests.bot.test_store_migrations import make_version_1


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    return database_for(str(request.param), tmp_path, url)


def url_of(database: Database) -> str:
    return f"sqlite:///{database.path}" if database.scheme == "sqlite" else database.url


def test_migrate_an_empty_database_then_again(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    url = ["--database-url", url_of(database)]
    assert main(["store", "version", *url, "--lang", "en"]) == 0
    assert f"schema version 0 (this yibao uses {migrations.LATEST})" in capsys.readouterr().out
    assert main(["store", "version", *url]) == 0
    assert f"数据库结构版本 0（本程序使用版本 {migrations.LATEST}）" in capsys.readouterr().out
    assert main(["store", "migrate", *url, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert f"migrated from schema version 0 to {migrations.LATEST}" in out
    assert main(["store", "migrate", *url, "--lang", "zh_Hant"]) == 0
    assert f"資料庫結構版本 {migrations.LATEST}，無需升級" in capsys.readouterr().out
    assert "conversations" in {str(r[0]) for r in sql(
        database, "SELECT table_name FROM information_schema.tables"
        if database.scheme == "postgresql" else "SELECT name FROM sqlite_master")}


def test_migrate_version_1_from_the_environment(
    database: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_version_1(database)
    monkeypatch.setenv("YIBAO_DATABASE_URL", url_of(database))
    assert main(["store", "migrate", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    if migrations.LATEST == 1:
        assert "schema version 1, nothing to migrate" in out
    else:
        assert f"migrated from schema version 1 to {migrations.LATEST}" in out
        # the same on both backends: a SQLite file from before versions records version 1,
        # which it already had, so only the later ones are applied
        applied = ", ".join(str(v) for v in range(2, migrations.LATEST + 1))
        assert f"(applied {applied})" in out, out
    assert sql(database, "SELECT key FROM conversations") == [("42",)]


def test_a_bad_url_and_an_unusable_database_say_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["store", "migrate", "--database-url", "mysql://x/y", "--lang", "en"]) == 2
    assert "not a database URL we can use: write sqlite:///FILE" in capsys.readouterr().err
    assert main(["store", "migrate", "--database-url", "mysql://x/y"]) == 2
    assert "“mysql://x/y”不是可用的数据库地址" in capsys.readouterr().err
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all\n" * 200)
    assert main(["store", "migrate", "--database-url", f"sqlite:///{junk}"]) == 3
    err = capsys.readouterr().err
    assert str(junk) in err and "Traceback" not in err
    # a server that is not there (nothing listens on port 9): named, no password shown
    code = main(["store", "version", "--database-url",
                 "postgresql://yibao:s3cret@127.0.0.1:9/yibao?connect_timeout=2", "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 3 and "cannot be reached" in err and "s3cret" not in err
