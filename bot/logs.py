"""Logging for the bot process: levels, and keeping the bot token out of every log line.

httpx logs each request at INFO as "HTTP Request: POST https://api.telegram.org/bot<TOKEN>/…",
so its logger is held at WARNING. As a second line of defence, a filter on the root handlers
replaces the token wherever it still appears (an exception message, a third-party debug line).
"""

from __future__ import annotations

import logging
from typing import Final

NOISY_LOGGERS: Final = ("httpx", "httpcore")  # their request lines carry the token
REDACTED: Final = "<token>"


class RedactToken(logging.Filter):
    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.token:
            return True
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, REDACTED)
            record.args = None
        if record.exc_info and not record.exc_text:
            # Format the traceback now so the redacted text is what handlers print.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, REDACTED)
        return True


def quiet_noisy_loggers() -> None:
    for name in NOISY_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


def configure_logging(level: int, token: str) -> None:
    """Root logging for `yibao telegram`: timestamped lines on stderr, token redacted."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    redact = RedactToken(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    quiet_noisy_loggers()
