"""The bot token never reaches a log line; httpx's request log is silenced."""

from __future__ import annotations

import logging

import pytest

from bot.logs import REDACTED, RedactToken, quiet_noisy_loggers

TOKEN = "123456789:AAHsecretsecretsecretsecretsecret12"


def test_httpx_request_lines_are_silenced() -> None:
    logging.getLogger("httpx").setLevel(logging.NOTSET)
    quiet_noisy_loggers()
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert logging.getLogger("httpx").isEnabledFor(logging.WARNING)


def test_redaction_in_messages_arguments_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("test.redaction")
    redact = RedactToken(TOKEN)
    caplog.handler.addFilter(redact)
    try:
        with caplog.at_level(logging.INFO, logger="test.redaction"):
            logger.info("POST https://api.telegram.org/bot%s/getMe", TOKEN)
            try:
                raise RuntimeError(f"bad url /bot{TOKEN}/sendMessage")
            except RuntimeError:
                logger.exception("failed")
    finally:
        caplog.handler.removeFilter(redact)
    assert TOKEN not in caplog.text
    assert caplog.text.count(REDACTED) == 2


def test_an_unreadable_webhook_update_is_logged_without_its_content(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # PTB's own webhook handler logger and its own call shape (telegram/ext/_utils/webhookhandler).
    from telegram.ext._utils import webhookhandler

    from bot.logs import summarise_unreadable_updates

    summarise_unreadable_updates()
    update = {
        "update_id": 4711,
        "message": {"from": {"id": 987654321, "first_name": "张三"}, "text": "我是低保户"},
    }
    with caplog.at_level(logging.INFO, logger=webhookhandler._LOGGER.name):
        webhookhandler._LOGGER.critical(
            "Something went wrong processing the data received from Telegram. "
            "Received data was *not* processed! Received data was: %r",
            update,
            exc_info=TypeError("missing a required field"),
        )
    assert "4711" in caplog.text and "message" in caplog.text
    for private in ("987654321", "张三", "低保"):
        assert private not in caplog.text
