"""The web application: the chat page, the reference pages and the JSON API on Starlette.

`create_app(settings)` builds it; `yibao web` serves it with uvicorn (bot/web/command.py).
Routes:

    GET  /                      the chat, where the conversation stands
    GET  /r/<region>            a new conversation on that region (volunteers' links, QR codes)
    POST /chat                  a button press or typed text
    POST /forget                "删除我的信息": the stored conversation is deleted
    GET  /forgotten             where that post leads: the deletion confirmed
    GET  /answer                the current answer on a page of its own
    GET  /ref, /ref/<region>    reference pages (identity table, notes, sources; printable)
    GET  /compare?identity=ID   one group across the regions
    POST /api/v1/quote          `yibao quote --format json` over HTTP
    GET  /api/v1/regions, /api/v1/openapi.json, /healthz
    GET  /static/…              the stylesheet and the small script (no third-party requests)
"""

from __future__ import annotations

import math
import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot import database_url
from bot.clock import today_in_china
from bot.health import Counters
from bot.retention import RUN_EVERY_SECONDS, Retention
from bot.settings import DEFAULT_RETENTION_DAYS, SettingsError, retention_days_from_env
from bot.store import connect
from bot.web import api, openapi
from bot.web.chat import Chat
from bot.web.reference import Reference
from bot.web.security import AccessLog, BodyLimit, RateLimit, SecurityHeaders

STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
MAX_BODY: Final = 16 * 1024  # a form post or a quote request is well under 2 KB


class WebSettingsError(SettingsError):
    """`yibao web`'s settings: the same problems as the bot's, and YIBAO_WEB_RATE."""


@dataclass(frozen=True)
class WebSettings:
    database: database_url.Database
    # Per client: this many requests at once, refilled at this rate (a person tapping fast
    # makes ~1 request a second; a hotline desk behind one address makes a few).
    rate_burst: int = 60
    rate_per_second: float = 5.0
    # The bot's retention rule (bot.retention): conversations untouched this many days are
    # deleted, checked at start-up and then every `retention_every` seconds.
    retention_days: float = DEFAULT_RETENTION_DAYS
    retention_every: float = RUN_EVERY_SECONDS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WebSettings:
        env = os.environ if env is None else env
        try:
            database = database_url.from_env(env)
            retention_days = retention_days_from_env(env)
        except database_url.DatabaseUrlError as err:
            raise WebSettingsError("database_url", url_problem=err.kind, text=err.text) from None
        except SettingsError as err:
            raise WebSettingsError(err.problem, **err.params) from None
        raw = env.get("YIBAO_WEB_RATE", "").strip()
        if not raw:
            return cls(database=database, retention_days=retention_days)
        burst, _, rate = raw.partition("/")
        try:
            rate_burst, rate_per_second = int(burst), float(rate)
        except ValueError:
            raise WebSettingsError("web_rate", value=raw) from None
        # 0 or less lets nobody in; nan and inf break the token bucket's arithmetic
        if rate_burst < 1 or not (math.isfinite(rate_per_second) and rate_per_second > 0):
            raise WebSettingsError("web_rate", value=raw)
        return cls(database=database, rate_burst=rate_burst, rate_per_second=rate_per_second,
                   retention_days=retention_days)


def create_app(
    settings: WebSettings, today: Callable[[], date] = today_in_china
) -> Starlette:
    store = connect(settings.database)
    chat = Chat(store, today)
    reference = Reference(today)
    retention = Retention(store, settings.retention_days, Counters(),
                          every=settings.retention_every)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await store.open()
        retention.start()
        try:
            yield
        finally:
            await retention.stop()
            await store.close()

    async def schema(request: Request) -> Response:
        return JSONResponse(openapi.document())

    routes = [
        Route("/", chat.page, methods=["GET"]),
        Route("/r/{region}", chat.deep_link, methods=["GET"]),
        Route("/chat", chat.post, methods=["POST"]),
        Route("/forget", chat.forget, methods=["POST"]),
        Route("/forgotten", chat.forgotten, methods=["GET"]),
        Route("/answer", chat.answer, methods=["GET"]),
        Route("/ref", reference.index, methods=["GET"]),
        Route("/ref/{region}", reference.region, methods=["GET"]),
        Route("/compare", reference.compare, methods=["GET"]),
        Route("/api/v1/quote", api.quote, methods=["POST"]),
        Route("/api/v1/regions", api.regions, methods=["GET"]),
        Route("/api/v1/openapi.json", schema, methods=["GET"]),
        Route("/healthz", api.healthz, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.store = store
    app.state.chat = chat
    # Outermost first: every response gets the headers and a log line, even a 413 or 429.
    app.add_middleware(RateLimit, burst=settings.rate_burst,
                       per_second=settings.rate_per_second)
    app.add_middleware(BodyLimit, max_body=MAX_BODY)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
    return app
