"""Webhook mode: Telegram posts each update to the bot's URL; the update is in the inbox
before Telegram is told it arrived.

PTB's own webhook server answers 200 as soon as it has parsed an update and queued it in
memory, so a worker killed before the update reached the inbox lost it for good: Telegram
does not send an update again once it was answered 200. Here the answer waits for the inbox:

* the secret token header is checked first (403 otherwise, as PTB does);
* the update goes into the store's inbox (`Helpdesk.received`, one transaction) and only then
  is 200 sent. If the store refuses, the answer is 503 and Telegram posts the update again
  later (to whichever worker the proxy picks);
* an update the inbox already holds (Telegram retrying a post whose answer it missed, or a
  post that reached two workers) is answered 200 and not processed again;
* an update the library cannot read is logged by number and kind only, set aside (finished
  in the inbox) and answered 200, as the poller does (bot.telegram.polling);
* otherwise it is queued for the Application, which processes it as a polled one.

With several workers behind one URL every worker runs this: whichever worker Telegram's post
reaches, the update is durable before the 200. The server is tornado, which PTB's
`webhooks` extra already brings.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from typing import Any, Final

import tornado.httpserver
import tornado.web
from telegram import Update

from bot.telegram.app import (
    ALLOWED_UPDATES,
    BotApplication,
    counters_of,
    helpdesk_of,
    stop,
)
from bot.telegram.polling import kind_of

log = logging.getLogger("bot.telegram.webhook")

SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY: Final = 1024 * 1024  # Telegram's updates are a few KB
# Telegram's parallel webhook connections per bot (its own default is 40).
MAX_CONNECTIONS: Final = 40


class _UpdateHandler(tornado.web.RequestHandler):
    def initialize(self, application: BotApplication, secret: str) -> None:  # noqa: D401
        self.bot_application = application
        self.secret = secret

    def check_xsrf_cookie(self) -> None:  # Telegram's posts carry no cookie
        return

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            self.set_status(403)
            return
        try:
            raw = json.loads(self.request.body)
            update_id = int(raw["update_id"])
        except (ValueError, TypeError, KeyError):
            self.set_status(400)  # not an update at all: nothing to record
            return
        application = self.bot_application
        helpdesk = helpdesk_of(application)
        try:
            fresh = await helpdesk.received([(update_id, raw)])
        except Exception as err:  # the store is down: Telegram posts it again later
            log.error("update %s could not be recorded (%s); Telegram will resend it",
                      update_id, type(err).__name__)
            self.set_status(503)
            return
        if update_id not in fresh:
            counters_of(application).replayed_updates += 1
            log.info("update %s was received before; not processed again", update_id)
            return
        try:
            update = Update.de_json(raw, application.bot)
        except Exception as err:
            counters_of(application).unreadable_updates += 1
            log.warning("update %s (%s) could not be read (%s); set aside", update_id,
                        kind_of(raw), type(err).__name__)
            await helpdesk.set_aside(update_id)
            return
        await application.update_queue.put(update)


class WebhookServer:
    """The HTTP server for Telegram's posts at `/<url_path>` on `listen:port`."""

    def __init__(self, application: BotApplication, *, url_path: str, secret: str) -> None:
        self.application = application
        self.url_path = "/" + url_path.strip("/")
        self.secret = secret
        self._server: tornado.httpserver.HTTPServer | None = None

    async def start(self, listen: str, port: int) -> None:
        app = tornado.web.Application(
            [(self.url_path, _UpdateHandler,
              {"application": self.application, "secret": self.secret})],
            log_function=_no_access_log,
        )
        self._server = tornado.httpserver.HTTPServer(app, max_body_size=MAX_BODY,
                                                     xheaders=False)
        self._server.listen(port, address=listen)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None


def _no_access_log(handler: tornado.web.RequestHandler) -> None:
    """Tornado's access line names the client; a helpdesk's logs do not."""


async def start(
    application: BotApplication, *, listen: str, port: int, url_path: str,
    webhook_url: str, secret: str,
) -> WebhookServer:
    """initialize, post_init (store, recovery), start, listen, then tell Telegram the URL."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    server = WebhookServer(application, url_path=url_path, secret=secret)
    await server.start(listen, port)
    await application.bot.set_webhook(
        url=webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES,
        max_connections=MAX_CONNECTIONS,
    )
    return server


async def serve_webhook(application: BotApplication, **options: Any) -> None:
    """Serve Telegram's posts until SIGINT/SIGTERM; then stop taking posts, finish what was
    taken, close the store."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    server: WebhookServer | None = None
    try:
        server = await start(application, **options)
        await stopping.wait()
    finally:
        if server is not None:
            await server.stop()
        if application._initialized:
            await stop(application, None)
