"""The runtime errors of `yibao store`, `yibao telegram` and `yibao web` follow `--lang` (issue
10, item 5): each failure is produced for real (a SQLite file that is newer, damaged or half
migrated, a PostgreSQL port nobody listens on, bad settings through the command itself) and
read in zh_Hans, zh_Hant and en. Chinese output has no English word outside codes and the
driver's own words (a marked technical detail in “…”); zh_Hant no Simplified-only character.
"""

from __future__ import annotations

import re
import socket
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.store import migrations
from bot.store.sqlite import SqliteStore
from tests.bot.test_cli_language import CHINESE, LANGS, english_words, run
from tests.dialogs.test_scripts import _simplified

MAINLAND: tuple[str, ...] = (
    "环境变量", "環境變量", "服务器", "服務器", "数据库", "數據庫", "默认", "默認", "设置",
    "設置", "信息", "程序", "端口", "链接", "鏈接", "二维码", "二維碼", "文件", "用户", "用戶",
)
"""Mainland words a Taiwan reader would not write (zh_Hant has 環境變數, 伺服器, 資料庫, 預設,
設定, 訊息/資訊, 程式, 連接埠, 連結, QR 碼, 檔案, 使用者)."""


def check_language(lang: str, argv: list[str], text: str) -> None:
    """`text` (what `argv` printed) is in `lang` through and through."""
    assert text.strip(), argv
    if lang == "en":
        assert not CHINESE.search(text), (argv, text)
        return
    assert CHINESE.search(text), (argv, text)
    assert not english_words(text, argv), (argv, english_words(text, argv), text)
    if lang == "zh_Hant":
        assert not _simplified(text), (argv, _simplified(text), text)
        unquoted = re.sub(r"“[^”]*”", "", text)
        assert not [w for w in MAINLAND if w in unquoted], (argv, text)


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- yibao store: each way the database cannot be used ---------------------------------------


async def _fresh(path: Path) -> None:
    async with SqliteStore(path):
        pass


def newer(tmp_path: Path) -> str:
    """A database a newer yibao migrated (its schema_version says 999)."""
    import asyncio

    path = tmp_path / "newer.sqlite3"
    asyncio.run(_fresh(path))
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO schema_version VALUES (999, 'from the future', 0)")
    return f"sqlite:///{path}"


def damaged(tmp_path: Path) -> str:
    path = tmp_path / "damaged.sqlite3"
    path.write_bytes(b"not a database at all\n" * 200)
    return f"sqlite:///{path}"


def half_migrated(tmp_path: Path) -> str:
    """Recorded at version 1 but without version 1's inbox: migration 2 cannot alter it."""
    path = tmp_path / "half.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(migrations.VERSION_TABLE_SQLITE)
        db.execute("INSERT INTO schema_version VALUES (1, 'issue 11', 0)")
        db.execute("CREATE TABLE conversations (key TEXT PRIMARY KEY, state TEXT NOT NULL,"
                   " question_message_id INTEGER, updated_at REAL NOT NULL)")
    return f"sqlite:///{path}"


def unwritable_folder(tmp_path: Path) -> str:
    blocker = tmp_path / "a-file"  # (as root, permission bits are ignored; a file is not)
    blocker.write_text("x")
    return f"sqlite:///{blocker / 'state.sqlite3'}"


def unreachable(tmp_path: Path) -> str:
    return f"postgresql://yibao:s3cret@127.0.0.1:{closed_port()}/yibao?connect_timeout=2"


STORE_FAILURES: list[tuple[Callable[[Path], str], str, str]] = [
    # (the database, the action, words of the English sentence)
    (newer, "migrate", "schema version 999, newer than this yibao knows"),
    (newer, "version", ""),  # version only reads: it says where the database stands
    (damaged, "migrate", "is damaged or not a SQLite file"),
    (half_migrated, "migrate", "migration 2 failed, and nothing was changed"),
    (unwritable_folder, "version", "cannot be written"),
    (unreachable, "version", "cannot be reached"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("database", "action", "english"), STORE_FAILURES,
                         ids=[f"{f.__name__}-{a}" for f, a, _ in STORE_FAILURES])
def test_store_errors_in_every_language(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lang: str,
    database: Callable[[Path], str], action: str, english: str,
) -> None:
    url = database(tmp_path)
    argv = ["store", action, "--database-url", url, "--lang", lang]
    code, out, err = run(capsys, argv)
    if not english:
        assert code == 0 and "999" in out, (code, out, err)
        check_language(lang, argv, out)
        return
    assert code == 3, (code, out, err)
    assert "Traceback" not in err and "s3cret" not in err
    [line] = err.strip().splitlines()
    check_language(lang, argv, line)
    if lang == "en":
        assert english in line, line
    if action == "migrate" and "half" in url:  # rolled back: still at version 1
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            assert db.execute("SELECT MAX(version) FROM schema_version").fetchone() == (1,)
