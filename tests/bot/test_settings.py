"""Settings from the environment: clear errors, sensible defaults, the token never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError

TOKEN = "123456789:AAHfakefakefakefakefakefakefakefake"


def test_defaults() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert settings.token == TOKEN
    assert settings.base_url is None and settings.base_file_url is None
    assert settings.state_db == Path("yibao-state.sqlite3")
    assert settings.admin_ids == frozenset()
    assert settings.log_level == "INFO"
    assert settings.claim_lease_seconds == 300
    assert TOKEN not in repr(settings)


def test_everything_set() -> None:
    settings = Settings.from_env({
        "TELEGRAM_BOT_TOKEN": f"  {TOKEN} ",
        "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
        "YIBAO_STATE_DB": "/var/lib/yibao/state.db",
        "YIBAO_ADMIN_IDS": "111, 222,333",
        "YIBAO_LOG_LEVEL": "debug",
        "YIBAO_REPLY_WINDOW": "2",
        "YIBAO_CLAIM_LEASE": "2.5",
    })  # fmt: skip
    assert settings.token == TOKEN
    assert settings.base_url == "http://127.0.0.1:8081/bot"
    assert settings.base_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.state_db == Path("/var/lib/yibao/state.db")
    assert settings.admin_ids == {111, 222, 333}
    assert settings.log_level == "DEBUG"
    assert (settings.reply_window_seconds, settings.claim_lease_seconds) == (2, 2.5)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "   "}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "does not look like a bot token"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "localhost:8081"}, "http"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": "http://h:1/"}, "end in /bot"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "YIBAO_ADMIN_IDS": "12,bob"}, "'bob'"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "YIBAO_LOG_LEVEL": "LOUD"}, "YIBAO_LOG_LEVEL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "YIBAO_CLAIM_LEASE": "soon"}, "YIBAO_CLAIM_LEASE"),
        # a worker resending a reply through an outage must not lose its claim meanwhile
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "YIBAO_CLAIM_LEASE": "60"}, "longer than"),
    ],
)
def test_clear_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_a_malformed_token_is_not_echoed() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"TELEGRAM_BOT_TOKEN": "123:secret-but-short"})
    assert "secret-but-short" not in str(caught.value)


def test_the_claim_lease_reaches_the_store() -> None:
    from bot.telegram.app import build_application, helpdesk_of

    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "YIBAO_REPLY_WINDOW": "2",
                                  "YIBAO_CLAIM_LEASE": "7"})
    assert helpdesk_of(build_application(settings)).store.claim_seconds == 7
