"""Webhook mode: Telegram posts updates to the bot's own endpoint (bot.telegram.webhook).

The bot registers its webhook with the (fake) Bot API, accepts only posts carrying the secret
token header, answers 200 only once the update is in the store's inbox (so a worker killed
right after the 200 leaves the update for another), and answers through the Bot API as in
polling mode.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.settings import Settings
from bot.store import connect
from bot.telegram.app import (
    BotApplication,
    Webhook,
    build_application,
    counters_of,
    helpdesk_of,
    start_webhook,
    stop,
)
from bot.telegram.webhook import MAX_BODY, WebhookServer
from tests.e2e.conftest import TIMEOUTS, TODAY, TOKEN, WAIT
from tests.e2e.fake_bot_api import FakeBotApi
from tests.e2e.test_bot_reliability import POISON_USER, poll_without_fields

SECRET = "s3cret_token-1"
CHAT = 4242
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


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


@dataclass
class Hook:
    application: BotApplication
    server: WebhookServer
    url: str
    state_db: Path
    handled: asyncio.Event
    # Set: updates wait before any handler (the inbox's included) until it is cleared.
    hold: asyncio.Event
    release: asyncio.Event


@pytest.fixture
async def hook(api: FakeBotApi, tmp_path: Path) -> AsyncIterator[Hook]:
    """The bot in webhook mode, started as `yibao telegram --webhook` starts it."""
    api.add_chat(CHAT, language_code="en")
    settings = Settings(token=TOKEN, base_url=api.base_url, base_file_url=api.base_file_url,
                        state_db=tmp_path / "state.sqlite3", admin_ids=frozenset())
    application = build_application(settings, today=lambda: TODAY, timeouts=TIMEOUTS)
    handled, hold, release = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def gate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if hold.is_set():
            await release.wait()

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        handled.set()

    application.add_handler(TypeHandler(Update, gate), group=-100)
    application.add_handler(TypeHandler(Update, record), group=99)
    port = _free_port()
    webhook = Webhook("https://example.org/hook", "127.0.0.1", port, SECRET)
    server, serving = await start_webhook(application, webhook)
    try:
        yield Hook(application, server, f"http://127.0.0.1:{port}/hook", settings.state_db,
                   handled, hold, release)
    finally:
        release.set()
        server.should_exit = True
        await serving
        await stop(application, None)


async def _post(url: str, body: object, headers: dict[str, str] | None = None) -> int:
    async with aiohttp.ClientSession() as session:
        kwargs: dict[str, object] = {"headers": headers or {}}
        if isinstance(body, bytes):
            kwargs["data"] = body
        else:
            kwargs["json"] = body
        async with session.post(url, **kwargs) as response:  # type: ignore[arg-type]
            return response.status


async def test_webhook_registers_checks_the_secret_and_answers(
    hook: Hook, api: FakeBotApi
) -> None:
    registered = api.requests_for("setWebhook")
    assert registered and registered[-1]["url"] == "https://example.org/hook"
    assert registered[-1]["secret_token"] == SECRET
    assert await _post(hook.url, _start_update(1)) == 403  # no secret header: refused
    wrong = {"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"}
    assert await _post(hook.url, _start_update(1), wrong) == 403
    assert await _post(hook.url, _start_update(2), HEADERS) == 200
    async with asyncio.timeout(WAIT):
        await hook.handled.wait()
    await api.wait_for(lambda a: bool(a.sent_messages(CHAT)), timeout=WAIT)
    sent = api.sent_messages(CHAT)
    assert len(sent) == 1  # only the update with the secret was answered
    assert "昌图县" in sent[0]["text"]  # the deep link preselected the region

    # Telegram retries a webhook call it thinks failed: the same update_id again is
    # recognised and not answered twice; the next update is answered as usual.
    for update_id in (2, 3):
        assert await _post(hook.url, _start_update(update_id), HEADERS) == 200
    await api.wait_for(lambda a: len(a.sent_messages(CHAT)) == 2, timeout=WAIT)
    assert counters_of(hook.application).replayed_updates == 1


async def test_the_200_comes_only_once_the_update_is_in_the_inbox(
    hook: Hook, api: FakeBotApi
) -> None:
    # Processing is held up before every handler: whatever the worker does in memory has not
    # happened yet when Telegram gets its answer. (python-telegram-bot's own webhook server
    # answered 200 here with the update only in memory: a kill -9 now lost it for good.)
    hook.hold.set()
    assert await _post(hook.url, _start_update(11), HEADERS) == 200
    async with connect(hook.state_db) as other_worker:
        unfinished = await other_worker.unfinished()
    assert [update_id for update_id, _ in unfinished] == [11]
    assert '"/start changtu"' in unfinished[0][1]
    hook.release.set()
    await api.wait_for(lambda a: len(a.sent_messages(CHAT)) == 1, timeout=WAIT)
    async with connect(hook.state_db) as other_worker:
        for _ in range(100):  # the finish mark lands just after the message goes out
            if not await other_worker.unfinished():
                break
            await asyncio.sleep(0.02)
        assert await other_worker.unfinished() == []


async def test_a_store_that_refuses_gets_503_and_the_retry_is_answered_once(
    hook: Hook, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = helpdesk_of(hook.application).store
    real_receive = store.receive
    calls = 0

    async def refuse_once(events: object) -> set[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("disk full")
        return await real_receive(events)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "receive", refuse_once)
    assert await _post(hook.url, _start_update(21), HEADERS) == 503  # Telegram posts again
    assert await _post(hook.url, _start_update(21), HEADERS) == 200
    await api.wait_for(lambda a: len(a.sent_messages(CHAT)) == 1, timeout=WAIT)
    await asyncio.sleep(0.2)
    assert len(api.sent_messages(CHAT)) == 1


async def test_what_is_not_an_update_is_refused_before_the_store(
    hook: Hook, api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = helpdesk_of(hook.application).store

    async def must_not_be_called(events: object) -> set[int]:
        raise AssertionError("a refused post reached the store")

    monkeypatch.setattr(store, "receive", must_not_be_called)
    assert await _post(hook.url, b"x" * (MAX_BODY + 1), HEADERS) == 413
    assert await _post(hook.url, b"not json", HEADERS) == 400
    assert await _post(hook.url, b"\xff\xfe", HEADERS) == 400
    assert await _post(hook.url, [1, 2], HEADERS) == 400
    assert await _post(hook.url, {"message": {}}, HEADERS) == 400
    assert await _post(hook.url, {"update_id": "7"}, HEADERS) == 400
    async with aiohttp.ClientSession() as session:
        async with session.get(hook.url, headers=HEADERS) as response:
            assert response.status == 405
        # a body sent in chunks without a length is limited as it is read
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(MAX_BODY // 1024 + 2):
                yield b"y" * 1024

        async with session.post(hook.url, data=chunks(), headers=HEADERS) as response:
            assert response.status == 413
    assert api.sent_messages(CHAT) == []


async def test_an_unreadable_webhook_update_is_set_aside_with_a_200(
    hook: Hook, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    poison = {"update_id": 31, **poll_without_fields(POISON_USER)}
    with caplog.at_level(logging.INFO):
        # 200: Telegram would otherwise post it again and again
        assert await _post(hook.url, poison, HEADERS) == 200
        assert await _post(hook.url, _start_update(32), HEADERS) == 200
        await api.wait_for(lambda a: len(a.sent_messages(CHAT)) == 1, timeout=WAIT)
    assert counters_of(hook.application).unreadable_updates == 1
    lines = [r.getMessage() for r in caplog.records if "could not be read" in r.getMessage()]
    assert lines == ["update 31 (message) could not be read (TypeError); set aside"]
    assert str(POISON_USER) not in caplog.text
    async with connect(hook.state_db) as other_worker:
        assert 31 not in {update_id for update_id, _ in await other_worker.unfinished()}

