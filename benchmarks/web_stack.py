"""The whole web stack in-process: `yibao web` and the bare page through uvicorn's own HTTP
protocol (h11) over an in-memory connection, the same requests, CPU per request and ratio.

    python -m benchmarks.web_stack                 # 8 alternated passes
    python -m benchmarks.web_stack --only yibao    # one server, for valgrind (below)

The web leg (benchmarks/web.py) measures the two servers over sockets with a load generator
on the same two cores; its runs of the same code differ by ±25 %. benchmarks/web_app.py
measures yibao's app alone, without the HTTP layer the bare page pays as well. This sits
between them: each request goes through exactly what a socket's bytes go through in
`yibao web` (uvicorn's H11Protocol with `bot.web.command.server_options`, the proxy-headers
middleware, Starlette, the app), but the transport is a buffer, so there is no kernel, no
load generator and no scheduling between processes in the figure. The conversations are
web_app's (benchmarks/scenarios.py); every yibao request's bytes are recorded and the bare
page (benchmarks/bare_web.py) receives exactly those bytes, one connection per script as a
browser keeps one. A pass plays every script on both, in alternating order; the figures are
the medians over passes of CPU per request (`time.process_time` around each request until
its response is complete) and of each pass's ratio.

CPU time still moves with the machine's load (both servers alike within a pass). Instructions
do not: under valgrind, `--only NAME` measures one server, and the difference between
`--passes 4` and `--passes 1` is three passes' requests,

    PYTHONMALLOC=malloc valgrind --tool=cachegrind --cache-sim=no \\
        --cachegrind-out-file=/dev/null python -m benchmarks.web_stack --only bare --passes 4

(`--only bare` still plays yibao once, unmeasured, to have the requests to send). README
"The web leg" has the figures, and why the two ratios differ.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any, Final

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from benchmarks import bare_web
from benchmarks.scenarios import scripts
from benchmarks.web import TODAY
from benchmarks.web_app import Headers, Scope, Spent, Visitor
from bot.web.app import WebSettings, create_app
from bot.web.command import server_options

PEER: Final = ("127.0.0.1", 50000)
SERVER: Final = ("127.0.0.1", 8000)


class MemoryTransport(asyncio.Transport):
    """A connection's socket as a buffer: what the server writes is kept for the client."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closing = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": SERVER, "peername": PEER}.get(name, default)

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class Connection:
    """One keep-alive connection to a server: raw request in, parsed response out."""

    def __init__(self, config: uvicorn.Config, state: ServerState) -> None:
        self.transport = MemoryTransport()
        self.protocol = H11Protocol(config, state, {}, asyncio.get_running_loop())
        self.protocol.connection_made(self.transport)

    async def send(self, raw: bytes) -> tuple[int, Headers, bytes]:
        self.transport.written.clear()
        self.protocol.data_received(raw)
        # the request's cycle runs as a task of the protocol's; done is its whole response
        await asyncio.gather(*list(self.protocol.tasks))
        if self.transport.closing:
            written = bytes(self.transport.written)[:200]
            raise RuntimeError(f"the server closed the connection: {written!r}")
        return parse_response(bytes(self.transport.written))


def parse_response(raw: bytes) -> tuple[int, Headers, bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.split(b"\r\n")
    headers: Headers = []
    for line in lines:
        name, _, value = line.partition(b":")
        headers.append((name.strip().lower(), value.strip()))
    return int(status_line.split()[1]), headers, body


def request_bytes(scope: Scope, body: bytes) -> bytes:
    target = scope["path"] + (f"?{scope['query_string'].decode()}" if scope["query_string"]
                              else "")
    lines = [f"{scope['method']} {target} HTTP/1.1".encode()]
    lines += [name.title() + b": " + value for name, value in scope["headers"]]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class StackVisitor(Visitor):
    """web_app's visitor, its requests sent as bytes through uvicorn; each one recorded."""

    def __init__(self, connection: Connection, spent: Spent, sent: list[bytes]) -> None:
        super().__init__(None, spent)
        self.connection = connection
        self.sent = sent

    async def exchange(self, scope: Scope, body: bytes) -> tuple[int, Headers, bytes]:
        raw = request_bytes(scope, body)
        self.sent.append(raw)
        return await self.connection.send(raw)


async def replay(connection: Connection, sent: list[bytes]) -> float:
    """The CPU seconds the bare page takes to answer these requests."""
    spent = 0.0
    for raw in sent:
        started = time.process_time()
        status, _, _ = await connection.send(raw)
        spent += time.process_time() - started
        if status not in (200, 303, 404):
            raise RuntimeError(f"bare page: {status}")
    return spent


async def run(passes: int, only: str | None = None) -> dict[str, Any]:
    plan = scripts()
    state = ServerState()
    with tempfile.TemporaryDirectory(prefix="yibao-web-stack-") as tmp:
        env = {"YIBAO_DATABASE_URL": f"sqlite:///{Path(tmp) / 'stack.sqlite3'}",
               "YIBAO_WEB_RATE": "1000000/1000000"}  # one client makes every request
        today = date.fromisoformat(TODAY)
        app = create_app(WebSettings.from_env({**os.environ, **env}), today=lambda: today)
        yibao = uvicorn.Config(app, **server_options())
        bare = uvicorn.Config(bare_web.create_app(), **server_options())
        yibao.load()
        bare.load()
        per_pass: list[dict[str, float]] = []
        recorded: list[list[bytes]] = []

        async def play_yibao() -> tuple[float, int]:
            spent, recorded[:] = Spent(), []
            for script in plan:
                recorded.append([])
                await StackVisitor(Connection(yibao, state), spent, recorded[-1]).play(script)
            return sum(spent.seconds.values()), sum(spent.requests.values())

        async def play_bare() -> float:
            return sum([await replay(Connection(bare, state), sent) for sent in recorded])

        async with app.router.lifespan_context(app):
            await play_yibao()  # the warm-up: every script once on both, not measured
            await play_bare()
            for number in range(passes):
                figures: dict[str, float] = {}
                order = ("yibao", "bare") if number % 2 == 0 else ("bare", "yibao")
                for name in order:
                    if only not in (None, name):
                        continue
                    if name == "yibao":
                        seconds, requests = await play_yibao()
                    else:
                        seconds, requests = await play_bare(), sum(map(len, recorded))
                    figures[name] = seconds / requests * 1e6
                figures["requests"] = sum(map(len, recorded))
                per_pass.append(figures)
    result: dict[str, Any] = {"passes": passes, "today": TODAY,
                              "requests": int(per_pass[-1]["requests"])}
    for name in ("yibao", "bare"):
        if name in per_pass[0]:
            result[f"{name}_cpu_us_per_request"] = round(
                statistics.median(p[name] for p in per_pass))
    if only is None:
        result["cpu_ratio"] = round(statistics.median(p["yibao"] / p["bare"]
                                                      for p in per_pass), 2)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web_stack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passes", type=int, default=8, help="measured passes (8)")
    parser.add_argument("--only", choices=("yibao", "bare"),
                        help="measure one server (for valgrind)")
    args = parser.parse_args(argv)
    result = asyncio.run(run(max(1, args.passes), args.only))
    print(f"whole stack in-process, {result['requests']} requests a pass, medians of "
          f"{result['passes']} passes:")
    for name in ("yibao", "bare"):
        if f"{name}_cpu_us_per_request" in result:
            print(f"  {name}: {result[f'{name}_cpu_us_per_request']} us CPU per request")
    if "cpu_ratio" in result:
        print(f"  ratio yibao / bare: {result['cpu_ratio']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
