"""What every web response and request goes through: headers, size limits, a per-client
rate limit, and an access log without personal data. Plain ASGI middleware, so the cost is
a few dictionary operations per request.

* Headers: a strict Content-Security-Policy (everything from our own origin, nothing
  inline, no frames), nosniff, no referrer to other sites, no camera or microphone.
* Bodies over `max_body` bytes are refused with 413 before they are read to the end.
* Each client (its address; behind a reverse proxy, the one uvicorn takes from
  X-Forwarded-For of a trusted proxy) has a token bucket; an empty bucket gets 429 with
  Retry-After, and other clients are not slowed. The table of buckets is bounded.
* The access log line has the method, the path (without its query), the status and the
  time taken: no address, no cookie, nothing the user typed (that travels in POST bodies).
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, Final

log = logging.getLogger("bot.web.access")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CONTENT_SECURITY_POLICY: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: Final[list[tuple[bytes, bytes]]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
# Paths that are never rate limited: the health check (monitors poll it) and static files.
UNLIMITED_PREFIXES: Final = ("/healthz", "/static/")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *(h for h in SECURITY_HEADERS if h[0] not in names),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


async def _plain(send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"error": text, "status": status}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies over `max_body` bytes: by Content-Length at once, and while
    reading for bodies that do not announce their length."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    def _too_large(self, scope: Scope) -> str:
        """413's sentence, in the query's ?lang= where it names one (the body, which may say
        its lang, is not read), else zh_Hans."""
        from urllib.parse import parse_qs

        from dialogs.rendering import DEFAULT_LANG, render_template
        from dialogs.rendering.languages import is_lang

        asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [""])
        lang = asked[-1] if is_lang(asked[-1]) else DEFAULT_LANG
        return render_template("cli/api_error.j2", lang, "text", problem="too_large",
                               limit=self.max_body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (
                not value.isdigit() or int(value) > self.max_body
            ):
                await _plain(send, 413, self._too_large(scope), [])
                return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracking)
        except BodyTooLarge:
            if not started:
                await _plain(send, 413, self._too_large(scope), [])


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimit:
    """A token bucket per client: `burst` requests at once, refilled at `per_second`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        burst: int,
        per_second: float,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.burst = burst
        self.per_second = per_second
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def allow(self, client: str) -> float:
        """0 if the request may go ahead, else the seconds until it could."""
        now = self.clock()
        bucket = self._buckets.pop(client, None)
        if bucket is None:
            bucket = _Bucket(tokens=float(self.burst), stamp=now)
        else:
            bucket.tokens = min(
                float(self.burst), bucket.tokens + (now - bucket.stamp) * self.per_second
            )
            bucket.stamp = now
        self._buckets[client] = bucket  # most recently seen last
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.per_second

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(UNLIMITED_PREFIXES):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.allow(client[0] if client else "-")
        if wait > 0:
            retry = str(max(1, round(wait + 0.5)))
            await _plain(send, 429, "too many requests; try again shortly",
                         [(b"retry-after", retry.encode())])
            return
        await self.app(scope, receive, send)


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording)
        finally:
            if log.isEnabledFor(logging.INFO):
                # the record made directly: Logger.info would first walk the stack for the
                # caller's file and line, which no line of ours prints (~10 % of a line's cost)
                log.handle(log.makeRecord(
                    log.name, logging.INFO, __file__, 0, "%s %s %d %.1fms",
                    (scope.get("method", "-"), scope.get("path", "")[:120], status,
                     (time.perf_counter() - started) * 1000),
                    None,
                ))
