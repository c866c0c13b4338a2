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
