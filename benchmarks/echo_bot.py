"""The floor: a bare python-telegram-bot echo bot, built like yibao's bot but doing nothing.

Same PTB version and the same ApplicationBuilder settings as `bot.telegram.app.build_application`
(an HTTPX request with 16 connections and at most 16 requests in flight, the others waiting
their turn, as yibao's bot.telegram.request does; the same timeouts; a separate one-connection
getUpdates request; AIORateLimiter with 3 retries; 64 concurrent updates; no job queue;
`run_polling` with the same allowed updates), so the difference to yibao is yibao's own work:
state load and save, the dialog step, the calculation, the templates, and the extra messages.

It answers each text with one message and each button press with answerCallbackQuery plus one
message; every message carries one inline button, so the load driver can press it next.

    TELEGRAM_BOT_TOKEN=... TELEGRAM_BASE_URL=http://127.0.0.1:PORT/bot python -m benchmarks.echo_bot

`--no-flood-limit` lifts AIORateLimiter's overall 30 messages/second cap, exactly as
benchmarks.run_yibao does for yibao's bot (the README's performance section says why).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

MAX_CONCURRENT_UPDATES = 64  # bot.telegram.app.MAX_CONCURRENT_UPDATES
MAX_CONCURRENT_REQUESTS = 16  # bot.telegram.app.MAX_CONCURRENT_REQUESTS
RATE_LIMIT_RETRIES = 3  # bot.telegram.app.RATE_LIMIT_RETRIES
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]  # bot.telegram.app.ALLOWED_UPDATES


class BoundedRequest(HTTPXRequest):
    """At most `connection_pool_size` requests in flight, the rest queued first come first
    served: the transport behaviour of yibao's bot.telegram.request.DeliveryAwareRequest
    (without its delivery bookkeeping), so both bots pay the same for HTTP."""

    def __init__(self, connection_pool_size: int, **kwargs: Any) -> None:
        super().__init__(connection_pool_size=connection_pool_size, **kwargs)
        self._turns = asyncio.Semaphore(connection_pool_size)

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        async with self._turns:
            return await super().do_request(*args, **kwargs)


def _keyboard(n: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("again", callback_data=f"echo|{n}")]])


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    await context.bot.send_message(
        message.chat_id, message.text, reply_markup=_keyboard(message.message_id)
    )


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None or query.message is None:
        return
    await query.answer()
    await context.bot.send_message(
        query.message.chat.id, f"pressed {query.data}", reply_markup=_keyboard(update.update_id)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.echo_bot")
    parser.add_argument("--no-flood-limit", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # as bot.logs does
    logging.getLogger("httpcore").setLevel(logging.WARNING)

    token = os.environ["TELEGRAM_BOT_TOKEN"]
    base_url = os.environ.get("TELEGRAM_BASE_URL")
    limiter = (
        AIORateLimiter(overall_max_rate=0, max_retries=RATE_LIMIT_RETRIES)
        if args.no_flood_limit
        else AIORateLimiter(max_retries=RATE_LIMIT_RETRIES)
    )
    builder = (
        ApplicationBuilder()
        .token(token)
        .request(
            BoundedRequest(
                connection_pool_size=MAX_CONCURRENT_REQUESTS,
                connect_timeout=5.0,
                read_timeout=10.0,
                write_timeout=10.0,
                pool_timeout=10.0,
            )
        )
        .get_updates_request(
            HTTPXRequest(
                connection_pool_size=1,
                connect_timeout=5.0,
                read_timeout=10.0,
                write_timeout=10.0,
                pool_timeout=10.0,
            )
        )
        .rate_limiter(limiter)
        .concurrent_updates(MAX_CONCURRENT_UPDATES)
        .job_queue(None)
    )
    if base_url:
        builder = builder.base_url(base_url).base_file_url(
            base_url.removesuffix("/bot") + "/file/bot"
        )
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, on_text))
    application.add_handler(CallbackQueryHandler(on_button))
    application.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
