"""The alternating dispatcher: a small load balancer on 127.0.0.1 in front of the workers.

Each request goes to the next worker in turn (round robin, as nginx's and Caddy's default
upstream policy does), so two consecutive updates of one conversation land on two different
workers: exactly what a conversation store shared by several processes must survive.

It behaves like nginx's `proxy_pass` with its default `proxy_next_upstream error timeout`:

* a worker that refuses the connection (dead, not listening) is passed over, the request goes
  to the next one (nothing reached the dead one, so this is safe for a POST too), and the
  worker is skipped for `DOWN_SECONDS` before it is tried again;
* a worker that dies after the request was sent gives the client 502 (a POST is never
  resent: the dead worker may have acted on it), as nginx does for non-idempotent requests.

Headers pass through both ways (Set-Cookie included, several of them), hop-by-hop headers
excepted; the proxy's own HTTP client keeps no cookies, so one visitor's cookie can never
reach another's request.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Final

import aiohttp
from aiohttp import web

HOP_BY_HOP: Final = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailers", "transfer-encoding", "upgrade", "host", "content-length",
})
DOWN_SECONDS: Final = 2.0


@dataclass
class Upstream:
    name: str
    url: str  # http://127.0.0.1:PORT
    down_until: float = 0.0


@dataclass
class DispatchStats:
    forwarded: Counter[str] = field(default_factory=Counter)  # upstream name -> requests
    passed_over: int = 0  # connection refused: sent to the next worker instead
    bad_gateway: int = 0  # the worker died with the request: 502 to the client


class AlternatingDispatcher:
    """`async with AlternatingDispatcher([...]) as d:` then send requests to `d.url`."""

    def __init__(self, upstreams: list[Upstream]) -> None:
        if not upstreams:
            raise ValueError("the dispatcher needs at least one upstream")
        self.upstreams = upstreams
        self.stats = DispatchStats()
        self._turn = itertools.count()
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._port: int | None = None

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("the dispatcher is not started")
        return f"http://127.0.0.1:{self._port}"

    async def __aenter__(self) -> AlternatingDispatcher:
        self._client = aiohttp.ClientSession(
            cookie_jar=aiohttp.DummyCookieJar(),
            # a new connection per request, as nginx's proxy_pass does by default: a kept-alive
            # connection the worker closes as it is reused would look like a dead worker
            connector=aiohttp.TCPConnector(limit=0, force_close=True),
            timeout=aiohttp.ClientTimeout(total=60, connect=2),
            auto_decompress=False,
        )
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._client is not None:
            await self._client.close()

    def _next(self) -> list[Upstream]:
        """The upstreams in the order to try them for this request."""
        start = next(self._turn) % len(self.upstreams)
        ordered = self.upstreams[start:] + self.upstreams[:start]
        now = time.monotonic()
        alive = [u for u in ordered if u.down_until <= now]
        return alive + [u for u in ordered if u.down_until > now]  # all down: try anyway

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._client is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["X-Forwarded-For"] = request.remote or "127.0.0.1"
        for upstream in self._next():
            try:
                async with self._client.request(
                    request.method, upstream.url + request.path_qs, data=body,
                    headers=headers, allow_redirects=False,
                ) as answer:
                    payload = await answer.read()
                    response = web.Response(status=answer.status, body=payload)
                    for name, value in answer.headers.items():
                        if name.lower() not in HOP_BY_HOP:
                            response.headers.add(name, value)
                    self.stats.forwarded[upstream.name] += 1
                    return response
            except aiohttp.ClientConnectorError:
                upstream.down_until = time.monotonic() + DOWN_SECONDS
                self.stats.passed_over += 1
                continue
            except (TimeoutError, aiohttp.ClientError):
                upstream.down_until = time.monotonic() + DOWN_SECONDS
                self.stats.bad_gateway += 1
                return web.Response(status=502, text="bad gateway")
        self.stats.bad_gateway += 1
        return web.Response(status=502, text="no worker answers")


async def _serve(upstreams: list[Upstream]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with AlternatingDispatcher(upstreams) as dispatcher:
        print(dispatcher.url, flush=True)
        await stop.wait()
        stats = dispatcher.stats
    json.dump({"forwarded": dict(stats.forwarded), "passed_over": stats.passed_over,
               "bad_gateway": stats.bad_gateway}, sys.stdout)
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """`python -m tests.multiworker.dispatcher NAME=URL …`: the dispatcher as a process of
    its own (as nginx is), so the benchmark can tell its CPU from the users'. Prints its URL
    on the first line; on SIGTERM prints its stats as JSON and exits."""
    args = sys.argv[1:] if argv is None else argv
    upstreams = [Upstream(*arg.split("=", 1)) for arg in args]
    asyncio.run(_serve(upstreams))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
