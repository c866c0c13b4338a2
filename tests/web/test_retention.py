"""`yibao web` keeps the bot's retention rule (YIBAO_RETENTION_DAYS, bot/retention.py): while
it serves, conversations untouched for longer than the retention period are deleted from the
store's file, as the bot deletes them."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.retention import DAY
from bot.web.app import WebSettings, WebSettingsError, create_app
from tests.web.conftest import TODAY


def keys(database: Path) -> set[str]:
    with sqlite3.connect(database) as db:
        return {key for (key,) in db.execute("SELECT key FROM conversations")}


def on_disk(database: Path) -> bytes:
    """The database file and its WAL, as a forensic reader would see them."""
    wal = database.with_name(database.name + "-wal")
    return database.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_a_session_past_the_retention_period_is_deleted_from_the_file(tmp_path: Path) -> None:
    database = tmp_path / "state.sqlite3"
    settings = WebSettings(database=database, retention_days=30, retention_every=0.05)
    app = create_app(settings, today=lambda: TODAY)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        client.get("/r/changtu")  # a conversation: 昌图 chosen
        [old] = keys(database)
        client.cookies.clear()
        client.get("/")  # another visitor, active today
        [recent] = keys(database) - {old}
        with sqlite3.connect(database) as db:  # the first one untouched for 31 days
            db.execute("UPDATE conversations SET updated_at = updated_at - ? WHERE key = ?",
                       (31 * DAY, old))
        deadline = time.monotonic() + 10
        while old in keys(database) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert keys(database) == {recent}
        # the WAL is truncated after a purge, so no copy of the deleted row stays on disk
        deadline = time.monotonic() + 5
        while old.encode() in on_disk(database) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert old.encode() not in on_disk(database)
        assert recent.encode() in on_disk(database) or recent in keys(database)


def test_the_retention_period_comes_from_the_bots_setting(tmp_path: Path) -> None:
    env = {"YIBAO_DATABASE_URL": f"sqlite:///{tmp_path / 'state.sqlite3'}"}
    assert WebSettings.from_env(env).retention_days == 30
    assert WebSettings.from_env({**env, "YIBAO_RETENTION_DAYS": "7"}).retention_days == 7
    with pytest.raises(WebSettingsError, match="YIBAO_RETENTION_DAYS"):
        WebSettings.from_env({**env, "YIBAO_RETENTION_DAYS": "-1"})
