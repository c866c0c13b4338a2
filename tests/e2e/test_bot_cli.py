"""`yibao telegram` end to end: the real command against the fake Bot API server."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.e2e.fake_bot_api import FakeBotApi


@pytest.fixture
def server_in_thread() -> Iterator[FakeBotApi]:
    """The fake on its own event loop, since `yibao telegram` runs its own loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    api = FakeBotApi(token="123456:AAServerKnowsOnlyThisToken_0123456")
    asyncio.run_coroutine_threadsafe(api.start(), loop).result(timeout=10)
    try:
        yield api
    finally:
        asyncio.run_coroutine_threadsafe(api.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant", "en"])
def test_rejected_token_is_a_clear_error(
    server_in_thread: FakeBotApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    lang: str,
) -> None:
    from tests.bot.test_runtime_language import check_language

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:AARevokedTokenRevokedToken_01234")
    monkeypatch.setenv("TELEGRAM_BASE_URL", server_in_thread.base_url)
    monkeypatch.setenv("YIBAO_STATE_DB", str(tmp_path / "state.sqlite3"))
    argv = ["telegram", "--lang", lang]
    assert main(argv) == 1
    err = capsys.readouterr().err
    [line] = [line for line in err.splitlines() if line.startswith("yibao telegram")]
    assert "TELEGRAM_BOT_TOKEN" in line and "@BotFather" in line
    check_language(lang, argv, line)
    if lang == "en":
        assert "rejected TELEGRAM_BOT_TOKEN" in line
    assert "Revoked" not in err  # the token itself is never printed
