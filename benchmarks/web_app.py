"""Yibao's own CPU per web request, without HTTP: the chat's ASGI app called in-process.

    python -m benchmarks.web_app               # best of 12 passes
    python -m benchmarks.web_app --passes 3

The web leg (benchmarks/web.py) measures the server over sockets, beside a bare page; on a
shared 2-core machine its runs differ by ±20 % from one minute to the next, so a change of
yibao's own code by 10 % does not show there. This plays the same conversations
(benchmarks/scenarios.py, the same requests as the web leg: "/start R" opens /r/R, a click
posts the n-th button, text posts the message, a 303 is followed by its GET) through
`bot.web.app.create_app` on a fresh SQLite file, one request at a time, and takes the process
CPU time around each call of the app: everything yibao does for a request (middleware, the
dialog step, rendering, the store, the page) and nothing of uvicorn, h11 or the sockets,
which the bare page pays as well. Each pass plays every script once after a warm-up pass;
the figure is the best pass (the least disturbed by other processes).

CPU time still moves with the machine's load. Instructions do not: under valgrind (Debian's
package), the difference between `--passes 4` and `--passes 1` is three passes' work,

    PYTHONMALLOC=malloc valgrind --tool=cachegrind --cache-sim=no \
        --cachegrind-out-file=/dev/null python -m benchmarks.web_app --passes 4

and its "I refs" over the requests of three passes is instructions per request, the same on
a busy machine as on an idle one (README "The web leg").
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from benchmarks.scenarios import Script, scripts
from benchmarks.web import _CSRF, _FORM, _OPTION, _SEQ, TODAY
from bot.web.app import WebSettings, create_app
from bot.web.session import COOKIE

Message = MutableMapping[str, Any]
Scope = dict[str, Any]
Headers = list[tuple[bytes, bytes]]


@dataclass
class Spent:
    """CPU seconds inside the app and requests made, by method."""

    seconds: dict[str, float] = field(default_factory=lambda: {"POST": 0.0, "GET": 0.0})
    requests: dict[str, int] = field(default_factory=lambda: {"POST": 0, "GET": 0})


class Visitor:
    """One person's browser: a cookie, the page last shown, redirects followed."""

    def __init__(self, app: Any, spent: Spent) -> None:
        self.app = app
        self.spent = spent
        self.cookie: str | None = None
        self.page = ""

    async def request(self, method: str, url: str, form: dict[str, str] | None = None) -> None:
        parts = urlsplit(url)
        body = urlencode(form).encode() if form is not None else b""
        headers = [(b"host", b"127.0.0.1"), (b"accept-language", b"zh-CN,zh;q=0.9")]
        if self.cookie:
            headers.append((b"cookie", f"{COOKIE}={self.cookie}".encode()))
        if method == "POST":
            headers += [(b"content-type", b"application/x-www-form-urlencoded"),
                        (b"content-length", str(len(body)).encode())]
        scope: Scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": method, "scheme": "http", "path": parts.path,
                 "raw_path": parts.path.encode(), "query_string": parts.query.encode(),
                 "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000),
                 "server": ("127.0.0.1", 8000)}
        started = time.process_time()
        status, response_headers, content = await self.exchange(scope, body)
        self.spent.seconds[method] += time.process_time() - started
        self.spent.requests[method] += 1
        location = None
        for name, value in response_headers:
            if name == b"set-cookie" and value.startswith(f"{COOKIE}=".encode()):
                self.cookie = value.split(b";")[0].split(b"=", 1)[1].decode()
            elif name == b"location":
                location = value.decode()
        if status == 303 and location is not None:
            await self.request("GET", location)
            return
        if status != 200:
            raise RuntimeError(f"{method} {url}: {status}")
        self.page = content.decode()

    async def exchange(self, scope: Scope, body: bytes) -> tuple[int, Headers, bytes]:
        """One request through the app: its status, headers and body."""
        status, response_headers, chunks = 0, Headers(), list[bytes]()

        async def receive() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Message) -> None:
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                status, response_headers = message["status"], list(message["headers"])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, response_headers, b"".join(chunks)

    async def play(self, script: Script) -> None:
        """The script's actions, as benchmarks.web.play makes them."""
        for kind, value in script.actions:
            found = _CSRF.search(self.page)
            csrf = found.group(1) if found else "0" * 32
            if kind == "text" and isinstance(value, str) and value.startswith("/start"):
                region = value.removeprefix("/start").strip()
                await self.request("GET", (f"/r/{region}" if region else "/")
                                   + f"?lang={script.lang}")
            elif kind == "text":
                await self.request("POST", "/chat", {"csrf": csrf, "text": str(value)})
            else:
                forms = [f for f in _FORM.findall(self.page) if _OPTION.search(f)]
                options = _OPTION.findall(forms[-1])
                seq = _SEQ.search(forms[-1])
                option = (options[min(value, len(options)) - 1] if isinstance(value, int)
                          else str(value))
                await self.request("POST", "/chat", {"csrf": csrf, "option": option,
                                                     "seq": seq.group(1) if seq else "0"})


async def run(passes: int) -> dict[str, Any]:
    plan = scripts()
    with tempfile.TemporaryDirectory(prefix="yibao-web-app-") as tmp:
        env = {"YIBAO_DATABASE_URL": f"sqlite:///{Path(tmp) / 'app.sqlite3'}",
               "YIBAO_WEB_RATE": "1000000/1000000"}  # one client makes every request
        today = date.fromisoformat(TODAY)
        app = create_app(WebSettings.from_env({**os.environ, **env}), today=lambda: today)
        best: dict[str, Any] | None = None
        async with app.router.lifespan_context(app):
            for number in range(passes + 1):  # the first is the warm-up
                spent = Spent()
                for script in plan:
                    await Visitor(app, spent).play(script)
                requests = sum(spent.requests.values())
                figures = {
                    "requests": requests,
                    "cpu_us_per_request": round(sum(spent.seconds.values()) / requests * 1e6),
                    **{f"cpu_us_per_{m.lower()}": round(spent.seconds[m] / spent.requests[m]
                                                        * 1e6) for m in spent.seconds},
                }
                if number and (best is None
                               or figures["cpu_us_per_request"] < best["cpu_us_per_request"]):
                    best = figures
    assert best is not None
    return {"passes": passes, "today": TODAY, **best}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web_app", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passes", type=int, default=12, help="timed passes (12)")
    args = parser.parse_args(argv)
    result = asyncio.run(run(max(1, args.passes)))
    print(f"yibao's own CPU per request, in-process (best of {result['passes']} passes, "
          f"{result['requests']} requests each): {result['cpu_us_per_request']} us "
          f"(POST {result['cpu_us_per_post']} us, GET {result['cpu_us_per_get']} us)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
