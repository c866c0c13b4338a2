"""The end-to-end harness: the real bot Application polling the fake Bot API over HTTP.

`BotRunner` starts the Application the way `run_polling` does (initialize, post_init, start,
start_polling) and stops it the same way, so a test can stop the bot mid-dialog and start a
new one on the same database. Tests wait for the bot to finish an update through
`BotRunner.say` / `BotRunner.click`, which return once the update has been fully processed
(an extra handler group records each finished update); nothing sleeps.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.health import Counters
from bot.settings import Settings
from bot.telegram import app as bot_app
from bot.telegram import callback_data
from bot.telegram.app import BotApplication, Timeouts, build_application
from bot.telegram.polling import Poller
from tests.e2e.fake_bot_api import FakeBotApi

# Well-formed (Settings checks the shape) and distinctive, so a leak into a log is findable.
TOKEN = "123456:AAFakeTokenForTestsOnly_0123456789abc"
TODAY = date(2024, 10, 10)  # the bot's clock: Changtu's 2025 collection window is open
# Short enough that the timeout fault tests stay quick, long enough for a loaded test box.
TIMEOUTS = Timeouts(connect=2.0, read=1.5, write=2.0, pool=5.0)
WAIT = 15.0  # seconds an expected event may take before a test fails

JSON = dict[str, Any]


class BotRunner:
    """One bot process, as far as the test can tell: start, stop, talk to it."""

    def __init__(self, api: FakeBotApi, db_path: Path) -> None:
        self.api = api
        self.db_path = db_path
        self.application: BotApplication | None = None
        self.poller: Poller | None = None
        self._done: set[str] = set()  # "u<update id>" / "q<callback query id>"
        self._changed = asyncio.Condition()
        #: 400 descriptions a test provokes on purpose; any other 400 fails the test.
        self.allowed_400: set[str] = set()
        self.admin_ids: frozenset[int] = frozenset()
        #: The resend backoff and window on a faster clock (a 30 s outage played in 3 s).
        self.retry_scale = 1.0

    @property
    def settings(self) -> Settings:
        return Settings(
            token=TOKEN,
            base_url=self.api.base_url,
            base_file_url=self.api.base_file_url,
            state_db=self.db_path,
            admin_ids=self.admin_ids,
        )

    async def start(self) -> None:
        application = build_application(self.settings, today=lambda: TODAY, timeouts=TIMEOUTS,
                                        retry_scale=self.retry_scale)
        application.add_handler(TypeHandler(Update, self._record), group=99)
        self.poller = await bot_app.start(application, poll_timeout=5)
        self.application = application

    async def stop(self) -> None:
        application, self.application = self.application, None
        if application is None:
            return
        await bot_app.stop(application, self.poller)
        self.poller = None

    @property
    def counters(self) -> Counters:
        assert self.application is not None
        return bot_app.counters_of(self.application)

    async def _record(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        async with self._changed:
            self._done.add(f"u{update.update_id}")
            if update.callback_query is not None:
                self._done.add(f"q{update.callback_query.id}")
            self._changed.notify_all()

    async def until_done(self, *marks: str, timeout: float = WAIT) -> None:
        async with self._changed:
            try:
                async with asyncio.timeout(timeout):
                    await self._changed.wait_for(lambda: all(m in self._done for m in marks))
            except TimeoutError:
                missing = [m for m in marks if m not in self._done]
                raise TimeoutError(f"bot did not finish {missing}\n{self.api.dump()}") from None

    # -- talking to the bot ---------------------------------------------------------------

    async def say(self, chat_id: int, text: str, **kwargs: Any) -> None:
        """A user sends `text`; returns when the bot has handled it."""
        update_id = await self.api.user_sends_text(chat_id, text, **kwargs)
        await self.until_done(f"u{update_id}")

    async def click(
        self, chat_id: int, message_id: int, option: str, *, user_id: int | None = None
    ) -> None:
        """A user presses the button for dialog option `option` on a bot message."""
        message = self.api.message(chat_id, message_id)
        assert message is not None, f"no message {message_id} in chat {chat_id}"
        data = option_data(message).get(option)
        assert data is not None, f"no {option!r} button on {message_id}: {option_data(message)}"
        query_id = await self.api.user_clicks(chat_id, message_id, data, user_id=user_id)
        await self.until_done(f"q{query_id}")

    async def press_raw(self, chat_id: int, message_id: int, data: str) -> None:
        """Press a button with arbitrary (stale, forged) callback data."""
        query_id = await self.api.user_clicks(chat_id, message_id, data, strict=False)
        await self.until_done(f"q{query_id}")

    # -- the database ---------------------------------------------------------------------

    def stored_keys(self) -> list[str]:
        with sqlite3.connect(self.db_path) as db:
            return [row[0] for row in db.execute("SELECT key FROM conversations ORDER BY key")]


def option_data(message: JSON) -> dict[str, str]:
    """Dialog option id -> callback data, for every button of a bot message."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    out: dict[str, str] = {}
    for row in rows:
        for button in row:
            press = callback_data.decode(button.get("callback_data"))
            if press is not None:
                out[press.option] = button["callback_data"]
    return out


def texts(api: FakeBotApi, chat_id: int) -> list[str]:
    return [m.get("text", "") for m in api.sent_messages(chat_id)]


def last(api: FakeBotApi, chat_id: int) -> JSON:
    messages = api.sent_messages(chat_id)
    assert messages, f"the bot sent nothing to chat {chat_id}"
    return messages[-1]


def bad_requests(api: FakeBotApi, allowed: set[str]) -> list[str]:
    found = []
    for call in api.calls:
        if call.status == 400:
            description = str((call.response or {}).get("description", ""))
            if not any(a in description for a in allowed):
                found.append(f"{call.method}: {description}")
    return found


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as server:
        yield server


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state.sqlite3"


@pytest.fixture
async def bot(
    api: FakeBotApi, db_path: Path, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[BotRunner]:
    """A running bot; on teardown, checks what every e2e test must keep true."""
    caplog.set_level(logging.INFO)
    runner = BotRunner(api, db_path)
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()
    # Telegram (here: the fake's validation) never refused anything the bot sent.
    assert bad_requests(api, runner.allowed_400) == []
    # The token is never logged, whatever happened in the test.
    assert TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text
