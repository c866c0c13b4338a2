"""Building the python-telegram-bot Application that serves the dialog.

One Application: the token and (optionally) a self-hosted Bot API base URL, a per-chat rate
limiter for Telegram's flood limits and 429 retries (bot.telegram.ratelimit), conversations served
fairly and each in order (bot.telegram.conversations), handlers for every dialog command, text and
buttons, an error handler, and at start-up the localised command menus.

Polling is `bot.telegram.polling.Poller` (not PTB's Updater, which cannot move past an update it
fails to parse): `serve_polling` runs it the way `run_polling` runs the Updater. The webhook is
bot.telegram.webhook (not PTB's, which answers Telegram before the update is in the inbox):
`serve_webhook`. Code that drives the Application by hand (the end-to-end tests) uses
`start`/`stop` below (or `start_webhook`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, TypeAlias
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.clock import today_in_china
from bot.health import Counters
from bot.listen import bind
from bot.logs import quiet_noisy_loggers
from bot.retention import Retention
from bot.settings import Settings
from bot.store import connect
from bot.telegram.conversations import ConversationUpdateProcessor
from bot.telegram.handlers import Helpdesk
from bot.telegram.intake import Intake
from bot.telegram.polling import Poller
from bot.telegram.ratelimit import ChatRateLimiter
from bot.telegram.request import DeliveryAwareRequest
from bot.telegram.sender import RetryPolicy
from bot.telegram.ui_text import command_description
from bot.telegram.webhook import (
    MAX_CONNECTIONS as MAX_WEBHOOK_CONNECTIONS,
)
from bot.telegram.webhook import (
    WebhookServer,
    serve_until_signalled,
    server_for,
    webhook_app,
)
from dialogs.engine import COMMANDS

log = logging.getLogger("bot.telegram.app")

# ExtBot[int]: the rate limiter's per-call argument (max retries) is an int.
BotApplication: TypeAlias = Application[
    ExtBot[int],
    ContextTypes.DEFAULT_TYPE,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    None,
]

# The updates the bot asks Telegram for; everything else is never delivered to it.
ALLOWED_UPDATES: Final = [Update.MESSAGE, Update.CALLBACK_QUERY]
# Telegram's command-menu languages are two-letter codes; "" is everyone else. Chinese
# clients of either script report "zh", so they share the Simplified menu.
MENU_LANGUAGES: Final = (("", "zh_Hans"), ("zh", "zh_Hans"), ("en", "en"))
MAX_CONCURRENT_UPDATES: Final = 64
# How often a worker looks for the work of one that stopped (several workers on one database).
SWEEP_SECONDS: Final = 5.0
# Bot API requests in flight at once (the getUpdates long poll has its own connection). More
# connections cost httpcore's pool more per request than they gain (bot.telegram.request); 16 still
# carries over 100 requests/s at a 150 ms round trip, far above Telegram's ~30 messages/s.
MAX_CONCURRENT_REQUESTS: Final = 16
RATE_LIMIT_RETRIES: Final = 3  # RetryAfter retries per request (bot.telegram.ratelimit)
ADMIT_GROUP: Final = -1  # handler groups run in ascending order; the dialog's is 0
FINISH_GROUP: Final = 98


@dataclass(frozen=True)
class Timeouts:
    """HTTP timeouts in seconds for Bot API calls (getUpdates adds its long-poll time)."""

    connect: float = 5.0
    read: float = 10.0
    write: float = 10.0
    pool: float = 10.0


def build_application(
    settings: Settings,
    *,
    today: Callable[[], date] = today_in_china,
    timeouts: Timeouts | None = None,
    max_concurrent_updates: int = MAX_CONCURRENT_UPDATES,
    retry_scale: float = 1.0,
) -> BotApplication:
    """The Application, ready for `serve_polling`/run_webhook (or the tests' `start`).

    `retry_scale` runs the resend backoff and window on a faster clock (tests only)."""
    timeouts = timeouts or Timeouts()
    quiet_noisy_loggers()  # also when embedded: httpx's INFO line holds the token
    store = connect(settings.store_database, claim_seconds=settings.claim_lease_seconds)
    # A dead worker's claims are free at once; a hung one's once its lease ran out: look at
    # least twice per lease.
    sweep_seconds = min(SWEEP_SECONDS, settings.claim_lease_seconds / 2)
    counters = Counters()
    retry = RetryPolicy(window=settings.reply_window_seconds)
    if retry_scale != 1.0:
        retry = retry.scaled(retry_scale)
    helpdesk = Helpdesk(store, today, settings.admin_ids, counters=counters, retry=retry)
    processor = ConversationUpdateProcessor(
        max_concurrent_updates,
        on_flood=lambda update: helpdesk.slow_down(application.bot, update),
        on_dropped=lambda update: helpdesk.dropped(update),
    )
    retention = Retention(store, settings.retention_days, counters)

    sweeps: list[asyncio.Task[None]] = []

    async def sweep() -> None:
        # Another worker on the same database may die: what it held (updates received and
        # not finished, messages owed) is taken over here once its claims are free.
        while True:
            await asyncio.sleep(sweep_seconds)
            try:
                await helpdesk.recover(application, at_start=False)
            except Exception as err:  # the store may be busy or failing; next round again
                log.warning("sweep for a stopped worker's work failed: %s", type(err).__name__)

    async def post_init(application: BotApplication) -> None:
        await store.open()
        await store.check()
        await helpdesk.recover(application)
        await set_command_menus(application)
        retention.start()
        sweeps.append(asyncio.create_task(sweep(), name="yibao-sweep"))

    async def post_shutdown(application: BotApplication) -> None:
        for task in sweeps:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await retention.stop()
        await helpdesk.repair_all()
        await store.close()

    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .request(
            DeliveryAwareRequest(
                connection_pool_size=MAX_CONCURRENT_REQUESTS,
                connect_timeout=timeouts.connect,
                read_timeout=timeouts.read,
                write_timeout=timeouts.write,
                pool_timeout=timeouts.pool,
            )
        )
        .get_updates_request(
            HTTPXRequest(
                connection_pool_size=1,
                connect_timeout=timeouts.connect,
                read_timeout=timeouts.read,
                write_timeout=timeouts.write,
                pool_timeout=timeouts.pool,
            )
        )
        .rate_limiter(ChatRateLimiter(max_retries=RATE_LIMIT_RETRIES, max_wait=retry.window))
        .concurrent_updates(processor)
        .job_queue(None)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    if settings.base_file_url:
        builder = builder.base_file_url(settings.base_file_url)
    application: BotApplication = builder.build()
    application.bot_data["counters"] = counters
    application.bot_data["helpdesk"] = helpdesk
    add_handlers(application, helpdesk)
    return application


def helpdesk_of(application: BotApplication) -> Helpdesk:
    helpdesk = application.bot_data["helpdesk"]
    assert isinstance(helpdesk, Helpdesk)
    return helpdesk


def counters_of(application: BotApplication) -> Counters:
    counters = application.bot_data["counters"]
    assert isinstance(counters, Counters)
    return counters


async def start(application: BotApplication, *, poll_timeout: int = 30) -> Poller:
    """initialize, post_init, start, then poll: what run_polling does, with our Poller."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    helpdesk = helpdesk_of(application)
    poller = Poller(application, allowed_updates=ALLOWED_UPDATES,
                    counters=counters_of(application), timeout=poll_timeout,
                    receive=helpdesk.received, set_aside=helpdesk.set_aside)
    await poller.start()
    return poller


async def stop(application: BotApplication, poller: Poller | None) -> None:
    """Stop fetching, finish what was fetched, close the store: a clean stop loses nothing."""
    if poller is not None:
        await poller.stop()
    if application.running:
        await application.stop()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
    await application.shutdown()
    log.info("stopped; %s", counters_of(application).as_dict())


async def serve_polling(application: BotApplication) -> None:
    """Poll until SIGINT/SIGTERM (or a rejected token, raised as InvalidToken)."""
    import signal

    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    poller: Poller | None = None
    try:
        poller = await start(application)
        polling = asyncio.ensure_future(poller.wait())
        stop_wait = asyncio.ensure_future(stopping.wait())
        await asyncio.wait({polling, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
        stop_wait.cancel()
        if polling.done():
            polling.result()  # InvalidToken and the like
        else:
            polling.cancel()
    finally:
        if application._initialized:  # initialize failed: nothing to stop
            await stop(application, poller)


@dataclass(frozen=True)
class Webhook:
    """Where Telegram posts (`url`, the public https address), where this worker listens,
    and the secret Telegram sends with every post."""

    url: str
    listen: str
    port: int
    secret: str = field(repr=False)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path.strip("/")


async def start_webhook(application: BotApplication, webhook: Webhook
                        ) -> tuple[WebhookServer, asyncio.Task[None]]:
    """initialize, post_init (recovery), start, then listen, then register the webhook with
    Telegram (so its first post finds the server up); the server and its task."""
    sock = bind(webhook.listen, webhook.port)  # before anything starts: a port in use is
    try:                                       # one line (ListenError)
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        helpdesk = helpdesk_of(application)
        intake = Intake(application, counters=counters_of(application),
                        receive=helpdesk.received, set_aside=helpdesk.set_aside)
        server = server_for(webhook_app(intake, webhook.path, webhook.secret))
        serving = asyncio.create_task(serve_until_signalled(server, sock), name="yibao-webhook")
        while not server.started and not serving.done():
            await asyncio.sleep(0.01)
        if serving.done():
            serving.result()  # raises what stopped it
        try:
            await application.bot.set_webhook(
                webhook.url, secret_token=webhook.secret, allowed_updates=ALLOWED_UPDATES,
                max_connections=MAX_WEBHOOK_CONNECTIONS,
            )
        except BaseException:
            server.should_exit = True
            await serving
            raise
    except BaseException:
        sock.close()
        raise
    return server, serving


async def serve_webhook(application: BotApplication, webhook: Webhook) -> None:
    """Take Telegram's posts until SIGINT/SIGTERM (or a rejected token, raised as
    InvalidToken); then finish what was taken in and stop cleanly."""
    try:
        _, serving = await start_webhook(application, webhook)
        await serving
    finally:
        if application._initialized:
            await stop(application, None)


def add_handlers(application: BotApplication, helpdesk: Helpdesk) -> None:
    # First the inbox (webhook updates recorded, replays recognised), last the finish mark.
    application.add_handler(TypeHandler(Update, helpdesk.admit), group=ADMIT_GROUP)
    application.add_handler(TypeHandler(Update, helpdesk.finish), group=FINISH_GROUP)
    # Only new messages: an edited message would re-run a step the user already saw answered.
    new_messages = filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler(list(COMMANDS), helpdesk.on_command, new_messages))
    # Unknown commands too: the dialog says it does not know them and lists the real ones.
    application.add_handler(MessageHandler(new_messages & filters.COMMAND, helpdesk.on_command))
    application.add_handler(
        MessageHandler(new_messages & filters.TEXT & ~filters.COMMAND, helpdesk.on_text)
    )
    application.add_handler(CallbackQueryHandler(helpdesk.on_button))
    # Photos, stickers, voice, files, captions: say what the bot can read.
    application.add_handler(
        MessageHandler(new_messages & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                       helpdesk.on_other)
    )
    application.add_error_handler(helpdesk.on_error)


async def set_command_menus(application: BotApplication) -> None:
    """The / menu in each language; a failure costs the menu, not the bot."""
    for language_code, lang in MENU_LANGUAGES:
        commands = [BotCommand(name, command_description(name, lang)) for name in COMMANDS]
        try:
            await application.bot.set_my_commands(commands, language_code=language_code or None)
        except TelegramError as err:
            log.warning("setting the %r command menu failed: %s", language_code or "default",
                        type(err).__name__)
