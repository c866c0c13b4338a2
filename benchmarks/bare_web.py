"""The floor for the web leg of `make bench`: a bare Starlette app on the same uvicorn
settings as `yibao web`, answering every page request with one fixed HTML page and every
form post with a 303 to it (as `yibao web` does).

    python -m benchmarks.bare_web --port P

The server is started with `yibao web`'s own uvicorn settings (`bot.web.command.
server_options`: the same event loop and HTTP parser, no uvicorn access log, proxy headers
on), so the two cannot drift apart. yibao's middleware (security headers, size limit, rate
limit, its access log line) and its logging are not copied on purpose: they are part of what
the helpdesk costs, and the floor is serving a page with no helpdesk in it.
"""

from __future__ import annotations

import argparse
import sys

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.web.command import server_options

# About the size of a chat page with a question and its buttons (4 KB).
PAGE = ("<!doctype html><html lang=\"zh-Hans\"><head><meta charset=\"utf-8\"><title>bare"
        "</title></head><body><main>" + "<p>居民医保缴费助手</p>" * 180 + "</main></body></html>")


async def page(request: Request) -> Response:
    await request.body()
    return HTMLResponse(PAGE)


async def post(request: Request) -> Response:
    """A form post answers 303 to the page, as yibao's chat does (Post/Redirect/Get), so both
    servers receive the same requests: the post and the page it leads to."""
    await request.body()
    return RedirectResponse("/", status_code=303)


def create_app() -> Starlette:
    return Starlette(routes=[
        Route("/", page, methods=["GET"]),
        Route("/r/{region}", page, methods=["GET"]),
        Route("/chat", post, methods=["POST"]),
        Route("/healthz", page, methods=["GET"]),
    ])


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bare_web")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    uvicorn.run(create_app(), host="127.0.0.1", port=args.port, **server_options())
    return 0


if __name__ == "__main__":
    sys.exit(main())
