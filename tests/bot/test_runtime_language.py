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
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.store import migrations
from bot.store.sqlite import SqliteStore
from bot.web.app import WebSettings, WebSettingsError
from tests.bot.test_cli_language import CHINESE, LANGS, english_words, run
from tests.dialogs.test_scripts import _simplified
from tests.postgres import Server

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


# -- yibao telegram and yibao web: settings and start-up, through the command itself ----------

TOKEN = "123456789:AAHfakefakefakefakefakefakefakefake"
TELEGRAM_SETTINGS: list[tuple[dict[str, str], str]] = [
    # (environment, words of the English line)
    ({}, "TELEGRAM_BOT_TOKEN is not set"),
    ({"TELEGRAM_BOT_TOKEN": "123:secret-but-short"}, "does not look like a bot token"),
    ({"TELEGRAM_BASE_URL": "localhost:8081"}, "must be an http(s) URL"),
    ({"TELEGRAM_BASE_URL": "http://127.0.0.1:8081/"}, "must end in /bot"),
    ({"YIBAO_ADMIN_IDS": "12,bob"}, "'bob' is not one"),
    ({"YIBAO_LOG_LEVEL": "LOUD"}, "is not one of DEBUG"),
    ({"YIBAO_REPLY_WINDOW": "soon"}, "positive number of seconds"),
    ({"YIBAO_RETENTION_DAYS": "-1"}, "positive number of days"),
    ({"YIBAO_CLAIM_LEASE": "60"}, "must be longer than YIBAO_REPLY_WINDOW"),
    ({"YIBAO_DATABASE_URL": "mysql://x/y"}, "the scheme must be one of"),
    ({"YIBAO_DATABASE_URL": "sqlite://host/x.db"}, "a SQLite URL has no host"),
    ({"YIBAO_DATABASE_URL": "sqlite:///x.db?mode=ro"}, "are not supported"),
    ({"YIBAO_DATABASE_URL": "sqlite:///"}, "names no file"),
    ({"YIBAO_DATABASE_URL": "postgresql://u:pw@h:port/db"}, "is not a number"),
    ({"YIBAO_DATABASE_URL": "postgresql://"}, "names no server"),
]
ENVIRONMENT = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_BASE_URL", "YIBAO_ADMIN_IDS", "YIBAO_LOG_LEVEL",
               "YIBAO_REPLY_WINDOW", "YIBAO_RETENTION_DAYS", "YIBAO_CLAIM_LEASE",
               "YIBAO_DATABASE_URL", "YIBAO_STATE_DB", "YIBAO_WEBHOOK_SECRET", "YIBAO_WEB_RATE")


def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, env: dict[str, str]) -> None:
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("YIBAO_STATE_DB", str(tmp_path / "state.sqlite3"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def lines_of(lang: str, argv: list[str], err: str, english: str) -> list[str]:
    lines = err.strip().splitlines()
    for line in lines:
        check_language(lang, argv, line)
        assert "Traceback" not in line and "secret-but-short" not in line and "fake" not in line
    if lang == "en":
        assert english in err, err
    return lines


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("env", "english"), TELEGRAM_SETTINGS,
                         ids=[e for _, e in TELEGRAM_SETTINGS])
def test_telegram_settings_errors_in_every_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    lang: str, env: dict[str, str], english: str,
) -> None:
    environment(monkeypatch, tmp_path, {"TELEGRAM_BOT_TOKEN": TOKEN, **env} if env else {})
    for argv in (["telegram", "--lang", lang], ["--lang", lang, "telegram", "--webhook"]):
        code, out, err = run(capsys, argv)
        assert code == 2 and not out, (argv, code, out, err)
        [_] = lines_of(lang, argv, err, english)


WEBHOOK_OPTIONS: list[tuple[list[str], int, str]] = [
    # (options, lines, words of the English)
    ([], 2, "--webhook needs --webhook-url"),
    (["--webhook-url", "http://example.org/hook", "--secret-token", "bad secret!",
      "--port", "0"], 3, "--secret-token may only use"),
    (["--webhook-url", "https://example.org/hook", "--secret-token", "s3cret",
      "--listen", "192.0.2.1"], 1, "the address is not one of this machine's"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("options", "count", "english"), WEBHOOK_OPTIONS,
                         ids=[e for _, _, e in WEBHOOK_OPTIONS])
def test_webhook_option_errors_in_every_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    lang: str, options: list[str], count: int, english: str,
) -> None:
    environment(monkeypatch, tmp_path, {"TELEGRAM_BOT_TOKEN": TOKEN})
    argv = ["telegram", "--webhook", *options, "--lang", lang]
    code, out, err = run(capsys, argv)
    assert code == 2, (code, out, err)
    assert len(lines_of(lang, argv, err, english)) == count, err


@pytest.mark.parametrize("lang", LANGS)
def test_a_port_in_use_in_every_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    lang: str,
) -> None:
    environment(monkeypatch, tmp_path, {"TELEGRAM_BOT_TOKEN": TOKEN})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        for argv in (
            ["telegram", "--webhook", "--webhook-url", "https://example.org/hook",
             "--secret-token", "s3cret", "--listen", "127.0.0.1", "--port", port],
            ["web", "--host", "127.0.0.1", "--port", port],
        ):
            argv = [*argv, "--lang", lang]
            code, out, err = run(capsys, argv)
            assert code == 2, (argv, code, out, err)
            [line] = lines_of(lang, argv, err, "another process is using the port")
            assert f"127.0.0.1:{port}" in line


WEB_SETTINGS: list[tuple[dict[str, str], int, str]] = [
    ({"YIBAO_WEB_RATE": "fast"}, 2, "must be BURST/PER_SECOND, two positive numbers"),
    ({"YIBAO_RETENTION_DAYS": "never"}, 2, "positive number of days"),
    ({"YIBAO_DATABASE_URL": "redis://x"}, 2, "the scheme must be one of"),
    ({"YIBAO_DATABASE_URL": "damaged"}, 3, "is damaged or not a SQLite file"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("env", "expected", "english"), WEB_SETTINGS,
                         ids=[e for _, _, e in WEB_SETTINGS])
def test_web_start_up_errors_in_every_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    lang: str, env: dict[str, str], expected: int, english: str,
) -> None:
    if env.get("YIBAO_DATABASE_URL") == "damaged":
        env = {"YIBAO_DATABASE_URL": damaged(tmp_path)}
    environment(monkeypatch, tmp_path, env)
    argv = ["web", "--port", str(closed_port()), "--lang", lang]
    code, out, err = run(capsys, argv)
    assert code == expected, (code, out, err)
    [_] = lines_of(lang, argv, err, english)


@pytest.mark.parametrize("rate", ["-5/-1", "0/5", "60/0", "60/nan", "60/inf", "60/-inf"])
def test_a_rate_limit_that_admits_nobody_or_breaks_the_bucket_is_refused(rate: str) -> None:
    # (through the settings, not the command: accepted, the command would start serving)
    with pytest.raises(WebSettingsError) as caught:
        WebSettings.from_env({"YIBAO_WEB_RATE": rate})
    assert caught.value.problem == "web_rate"


@pytest.mark.parametrize("lang", LANGS)
def test_web_option_errors_in_every_language(
    capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    for argv in (["web", "--port", "http"], ["web", "--today", "tomorrow"]):
        argv = [*argv, "--lang", lang]
        code, out, err = run(capsys, argv)
        assert code == 2, (code, out, err)
        check_language(lang, argv, err.strip().splitlines()[-1])


# -- the JSON API's own refusals, over real HTTP ----------------------------------------------

API_REFUSALS: list[tuple[str, bytes | dict[str, object], str, int, str]] = [
    # (what, body (a dict: sent as JSON with the language's lang), content type, status,
    #  words of the English)
    ("content type", {"region": "changtu", "date": "2025-03-10"}, "text/plain", 415,
     "application/json"),
    ("missing key", {"region": "changtu"}, "application/json", 422, "`date` is missing"),
    ("string", {"region": 5, "date": "2025-03-10"}, "application/json", 422,
     "`region` must be a string"),
    ("list", {"region": "changtu", "date": "2025-03-10", "identities": "dibao"},
     "application/json", 422, "`identities` must be a list"),
    ("item", {"region": "changtu", "date": "2025-03-10", "identities": [3]},
     "application/json", 422, "`identities.0` must be a string"),
    ("integer", {"region": "changtu", "date": "2025-03-10", "lapsed_years": "3"},
     "application/json", 422, "`lapsed_years` must be a whole number"),
    ("unknown key", {"region": "changtu", "date": "2025-03-10", "who": "me"},
     "application/json", 422, "`who` is not an accepted key"),
    ("too long", {"region": "昌" * 101, "date": "2025-03-10"}, "application/json", 422,
     "at most 100 characters"),
    ("too many", {"region": "昌图", "date": "2025-03-10", "identities": ["dibao"] * 21},
     "application/json", 422, "at most 20"),
    ("not json", b"{not json", "application/json", 400, "not valid JSON"),
    ("not an object", b"[1, 2]", "application/json", 400, "must be a JSON object"),
]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from bot.database_url import Database
    from bot.web.app import WebSettings, create_app

    state = tmp_path_factory.mktemp("api") / "state.sqlite3"
    app = create_app(WebSettings(database=Database(scheme="sqlite", path=state)))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("what", "body", "content_type", "status", "english"), API_REFUSALS,
                         ids=[r[0] for r in API_REFUSALS])
def test_api_refusals_in_the_requests_language(
    api: TestClient, lang: str, what: str, body: bytes | dict[str, object],
    content_type: str, status: int, english: str,
) -> None:
    import json

    from tests.web.test_api import ERROR

    # a body that is not a JSON object cannot say its lang: zh_Hans
    said = lang if isinstance(body, dict) else "zh_Hans"
    content = json.dumps({**body, "lang": lang}).encode() if isinstance(body, dict) else body
    response = api.post("/api/v1/quote", content=content,
                        headers={"content-type": content_type})
    assert response.status_code == status, response.text
    ERROR.validate(response.json())
    assert response.json()["status"] == status
    message = response.json()["error"]
    check_language(said, [what], message)
    if said == "en":
        assert english in message, message


@pytest.mark.parametrize("lang", LANGS)
def test_a_body_too_large_in_the_querys_language(api: TestClient, lang: str) -> None:
    from tests.web.test_api import ERROR

    huge = '{"region": "' + "昌图" * 10_000 + '", "date": "2025-03-10"}'
    response = api.post(f"/api/v1/quote?lang={lang}", content=huge,
                        headers={"content-type": "application/json"})
    assert response.status_code == 413
    ERROR.validate(response.json())
    check_language(lang, [], response.json()["error"])
    response = api.post("/api/v1/quote", content=huge,
                        headers={"content-type": "application/json"})
    check_language("zh_Hans", [], response.json()["error"])


# -- the same on a real PostgreSQL server (tests/postgres.py) ---------------------------------


def _sql(url: str, *statements: str) -> list[tuple[object, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        rows: list[tuple[object, ...]] = []
        for statement in statements:
            cursor = db.execute(statement.encode())
            rows = cursor.fetchall() if cursor.description else []
        return rows


@pytest.mark.parametrize("lang", LANGS)
def test_postgresql_store_errors_in_every_language(
    capsys: pytest.CaptureFixture[str], postgres_server: Server, lang: str
) -> None:
    newer_db = postgres_server.fresh_database()
    assert run(capsys, ["store", "migrate", "--database-url", newer_db])[0] == 0
    _sql(newer_db, "INSERT INTO schema_version VALUES (999, 'from the future', 0)")
    half_db = postgres_server.fresh_database()
    _sql(half_db, migrations.VERSION_TABLE_POSTGRES,
         "INSERT INTO schema_version VALUES (1, 'issue 11', 0)",
         "CREATE TABLE conversations (key TEXT PRIMARY KEY, state TEXT NOT NULL,"
         " question_message_id BIGINT, updated_at DOUBLE PRECISION NOT NULL)")
    for url, english in ((newer_db, "schema version 999, newer than this yibao knows"),
                         (half_db, "migration 2 failed, and nothing was changed")):
        argv = ["store", "migrate", "--database-url", url, "--lang", lang]
        code, out, err = run(capsys, argv)
        assert code == 3, (code, out, err)
        [line] = err.strip().splitlines()
        check_language(lang, argv, line)
        if lang == "en":
            assert english in line, line
    # rolled back: still at version 1, and the inbox migration 2 would alter was never made
    assert _sql(half_db, "SELECT MAX(version) FROM schema_version") == [(1,)]
