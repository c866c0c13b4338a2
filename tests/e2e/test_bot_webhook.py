"""Webhook mode: Telegram posts updates to the bot's own HTTP server (PTB + tornado).

The bot registers its webhook with the (fake) Bot API, accepts only posts carrying the secret
token header, and answers through the Bot API as in polling mode.
"""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import aiohttp
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.settings import Settings
from bot.telegram.app import ALLOWED_UPDATES, build_application, counters_of
from tests.e2e.conftest import TIMEOUTS, TODAY, TOKEN, WAIT
from tests.e2e.fake_bot_api import FakeBotApi

SECRET = "s3cret_token-1"
CHAT = 4242


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start_update(update_id: int) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": CHAT, "type": "private", "first_name": "Test"},
            "from": {"id": CHAT, "is_bot": False, "first_name": "Test", "language_code": "en"},
            "text": "/start changtu",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_webhook_registers_checks_the_secret_and_answers(
    api: FakeBotApi, tmp_path: Path
) -> None:
    api.add_chat(CHAT, language_code="en")
    settings = Settings(
        token=TOKEN,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        state_db=tmp_path / "state.sqlite3",
        admin_ids=frozenset(),
    )
    application = build_application(settings, today=lambda: TODAY, timeouts=TIMEOUTS)
    handled = asyncio.Event()

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        handled.set()

    application.add_handler(TypeHandler(Update, record), group=99)
    port = _free_port()
    await application.initialize()
    if application.post_init is not None:  # opens the state store, as run_webhook would
        await application.post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url="https://example.org/hook",
        secret_token=SECRET,
        allowed_updates=ALLOWED_UPDATES,
    )
    try:
        registered = api.requests_for("setWebhook")
        assert registered and registered[-1]["url"] == "https://example.org/hook"
        assert registered[-1]["secret_token"] == SECRET
        url = f"http://127.0.0.1:{port}/hook"
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=_start_update(1)) as forged:
                assert forged.status == 403  # no secret header: refused
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with session.post(url, json=_start_update(2), headers=headers) as real:
                assert real.status == 200
        async with asyncio.timeout(WAIT):
            await handled.wait()
        await api.wait_for(lambda a: bool(a.sent_messages(CHAT)), timeout=WAIT)
        sent = api.sent_messages(CHAT)
        assert len(sent) == 1  # only the update with the secret was answered
        assert "昌图县" in sent[0]["text"]  # the deep link preselected the region

        # Telegram retries a webhook call it thinks failed: the same update_id again is
        # recognised and not answered twice; the next update is answered as usual.
        async with aiohttp.ClientSession() as session:
            for update_id in (2, 3):
                async with session.post(url, json=_start_update(update_id),
                                        headers=headers) as again:
                    assert again.status == 200
        await api.wait_for(lambda a: len(a.sent_messages(CHAT)) == 2, timeout=WAIT)
        assert counters_of(application).replayed_updates == 1
    finally:
        await application.updater.stop()
        await application.stop()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
        await application.shutdown()
