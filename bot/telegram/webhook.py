"""Webhook mode: Telegram's posts answered 200 only once the update is in the inbox.

Telegram posts each update to the webhook URL and re-sends it until the answer is 2xx; once
it has a 200 it never sends that update again. python-telegram-bot's own webhook server
(tornado, `run_webhook`) answers 200 as soon as the update is in its in-memory queue, before
any handler runs, so a worker killed in between lost the update for good (issue 13: the
`kill -9` multi-worker test lost 1-3 updates a run this way). This endpoint, a Starlette app
on uvicorn, answers in this order instead:

1. the secret header (`X-Telegram-Bot-Api-Secret-Token`, compared in constant time): 403
   without it, so nobody else can post updates;
2. the body: at most MAX_BODY bytes (413), a JSON object with an integer `update_id` (400);
3. the inbox: `Intake.record` commits it to the store, claimed by this worker; if the store
   refuses, 503, and Telegram posts it again later (to this worker or, behind the proxy, to
   another);
4. then 200, and the update goes to the Application's queue (one seen before, a retry, is
   answered 200 and not processed again; one the library cannot parse is set aside).

From there PTB processes it as in polling mode. If the worker dies after step 3 the update
is in the inbox, claimed by a worker that is gone: another worker takes it over (its sweep,
bot.telegram.app) and finishes it.

Why not keep PTB's server and record the update in a handler (what the bot did before): the
200 is sent by then. Why not a custom PTB `Updater`: its webhook handler is tornado code with
no hook between parsing and answering. The web chat already runs Starlette on uvicorn, so
this costs no new dependency and drops tornado.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import signal
import socket
from collections.abc import Iterator
from typing import Final

import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from bot.telegram.intake import Intake, numbered

log = logging.getLogger("bot.telegram.webhook")

SECRET_HEADER: Final = "x-telegram-bot-api-secret-token"
# An update is a few kilobytes (a 4096-character message with its entities and the message
# it replies to); Telegram sends nothing near this.
MAX_BODY: Final = 256 * 1024
# Telegram's own limit on simultaneous webhook connections is 40 by default; each request
# here holds one store transaction for a millisecond or so.
MAX_CONNECTIONS: Final = 40


def webhook_app(intake: Intake, path: str, secret: str) -> Starlette:
    """The ASGI app: POST /<path> takes an update in (see the module docstring)."""
    expected = secret.encode()

    async def take(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return Response(status_code=403)
        body = await _body(request)
        if body is None:
            return Response("request body too large", status_code=413)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            data = None
        updates = numbered([data])
        if not updates:
            log.warning("webhook post that is not an update (no update_id); refused")
            return Response("not an update", status_code=400)
        try:
            fresh = await intake.record(updates)
        except Exception as err:
            # The store refuses (down, or a SQLite file locked past its busy timeout by
            # another process): nothing is lost, Telegram posts it again shortly. A warning,
            # not an error: a store that stays down still shows, as one warning per post.
            log.warning("could not record webhook update %s (%s); answered 503, Telegram "
                        "posts it again", updates[0][0], type(err).__name__)
            return Response(status_code=503)
        await intake.queue(updates, fresh)
        return Response(status_code=200)

    return Starlette(routes=[Route(f"/{path.strip('/')}", take, methods=["POST"])])


async def _body(request: Request) -> bytes | None:
    """The body, or None when it is over MAX_BODY (read no further than that)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        return None
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                return None
            chunks.append(chunk)
    except ClientDisconnect:
        return b""
    return b"".join(chunks)


class WebhookServer(uvicorn.Server):
    """uvicorn's server, leaving the signals to `serve_webhook`: uvicorn re-raises a SIGTERM
    it caught once it stops, which would end the process before the bot's clean stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def server_for(app: Starlette) -> WebhookServer:
    config = uvicorn.Config(
        app, access_log=False, log_config=None,
        server_header=False, http="h11", loop="asyncio", lifespan="off",
        limit_concurrency=MAX_CONNECTIONS * 4, timeout_graceful_shutdown=10,
    )
    return WebhookServer(config)


async def serve_until_signalled(server: WebhookServer, sock: socket.socket) -> None:
    """Serve on `sock` until SIGINT/SIGTERM (or `server.should_exit`); posts in flight are
    finished (recorded) before it returns."""
    loop = asyncio.get_running_loop()

    def stop() -> None:
        server.should_exit = True

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop)
    try:
        await server.serve(sockets=[sock])
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
