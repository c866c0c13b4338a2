"""What /forget and the retention rule leave on disk: nothing of the person (issue 11).

Before, /forget deleted the rows but the `-wal` file still held the user id and "dibao"
many times, and rows never expired.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from bot.retention import DAY, Retention
from dialogs.quotes import quote_once
from dialogs.render import remembered_texts
from tests.e2e.conftest import BotRunner, last, option_data
from tests.e2e.fake_bot_api import FakeBotApi

USER = 731_945  # distinctive digits, so a byte search cannot hit anything else
OTHER = 731_946


def database_files(db_path: Path) -> list[Path]:
    files = [db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")]
    return [f for f in files if f.exists()]


def traces(db_path: Path, *needles: bytes) -> dict[str, int]:
    """How often each needle occurs in the main file, -wal and -shm (all must exist)."""
    found: dict[str, int] = {}
    for path in database_files(db_path):
        data = path.read_bytes()
        for needle in needles:
            count = data.count(needle)
            if count:
                found[f"{path.name}:{needle!r}"] = count
    return found


NEEDLES = (str(USER).encode(), b"dibao", "低保".encode(), "2024年10月10日".encode(),
           "昌图县低保户".encode())


async def test_forget_leaves_no_trace_in_any_database_file(
    bot: BotRunner, api: FakeBotApi, db_path: Path
) -> None:
    await bot.say(USER, "/start changtu")
    await bot.say(USER, "低保")
    await bot.say(USER, "2024年10月10日")
    assert "c:date" in option_data(last(api, USER))
    await bot.say(OTHER, "昌图县低保户，去年参保了，2024年10月10日交")
    # The person's traces are there before /forget (so the search below can find them).
    assert traces(db_path, str(USER).encode(), b"dibao")

    await bot.say(OTHER, "/forget")
    await bot.say(USER, "/forget")
    assert bot.stored_keys() == []
    # Nor in memory: the texts rendered from their steps and the calculator's results for
    # their questions are shared by all, so a /forget drops them all.
    assert remembered_texts() == 0 and quote_once.cache_info().currsize == 0
    # While the bot runs (as after a kill -9: nothing is closed or checkpointed on exit).
    assert len(database_files(db_path)) == 3, database_files(db_path)
    assert traces(db_path, *NEEDLES) == {}
    # Others carry on, and still nothing of the forgotten person appears. (Not "低保": the
    # welcome message owed to the newcomer names it as an example.)
    await bot.say(OTHER + 1, "/start")
    assert traces(db_path, str(USER).encode(), b"dibao", "2024年10月10日".encode()) == {}


async def test_retention_deletes_conversations_untouched_for_the_period(
    bot: BotRunner, api: FakeBotApi, db_path: Path
) -> None:
    await bot.say(USER, "昌图县低保户，去年参保了，2024年10月10日交")
    await bot.say(OTHER, "/start changtu")
    # USER's conversation was last touched 31 days ago; OTHER's 29 days ago.
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE conversations SET updated_at = ? WHERE key = ?",
                   (time.time() - 31 * DAY, str(USER)))
        db.execute("UPDATE conversations SET updated_at = ? WHERE key = ?",
                   (time.time() - 29 * DAY, str(OTHER)))
    assert bot.application is not None
    store = bot.application.bot_data["helpdesk"].store
    retention = Retention(store, 30, bot.counters)
    assert await retention.run_once() == 1
    assert bot.stored_keys() == [str(OTHER)]
    assert bot.counters.expired_conversations == 1
    assert traces(db_path, str(USER).encode(), b"dibao") == {}
    assert await retention.run_once() == 0  # idempotent
