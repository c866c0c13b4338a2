"""`yibao web`: the web chat, reference pages and JSON API, served by uvicorn.

Exit codes: 0 after a clean stop, 2 for malformed settings (YIBAO_*) or an address that
cannot be listened on, 3 when the state database cannot be used; each said in --lang.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

DESCRIPTION = """\
Serve the helpdesk on the web: the chat page (buttons and free text, works without
JavaScript), deep links /r/<region>, reference pages /ref/<region> and /compare for
volunteers, and the JSON API (POST /api/v1/quote, the `yibao quote --format json` contract;
schema at /api/v1/openapi.json).

Dialog state is kept where the bot keeps it: $YIBAO_DATABASE_URL (sqlite:///FILE), else
$YIBAO_STATE_DB, else ./yibao-state.sqlite3; conversations untouched for
$YIBAO_RETENTION_DAYS days (default 30) are deleted, checked at start and hourly.
$YIBAO_WEB_RATE sets the per-client rate limit as BURST/PER_SECOND (default 60/5).
Behind a reverse proxy on the same host, the client address and scheme are taken from its
X-Forwarded-For / X-Forwarded-Proto headers (--forwarded-allow-ips names the proxies to
trust; default 127.0.0.1).
"""


def server_options(forwarded_allow_ips: str = "127.0.0.1") -> dict[str, Any]:
    """uvicorn's settings for `yibao web`, in one place so the benchmark's bare page
    (benchmarks/bare_web.py) is served with exactly these too."""
    return {
        # uvicorn's own access log prints client addresses and query strings; ours
        # (bot.web.access) has neither.
        "access_log": False,
        "proxy_headers": True,
        "forwarded_allow_ips": forwarded_allow_ips,
        "server_header": False,
        "log_config": None,
        # Named, not "auto": uvicorn would switch to httptools and uvloop wherever they happen
        # to be installed, and the two servers of the benchmark must not differ in that. The
        # lock installs neither (README "Performance": measured, not adopted).
        "http": "h11",
        "loop": "asyncio",
    }


def _date(text: str) -> date:
    from bot.cli.language import checking_message

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            checking_message("cli/bad_value.j2", kind="date", text=text)
        ) from None


def _port(text: str) -> int:
    from bot.cli.language import checking_message

    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(
            checking_message("cli/bad_value.j2", kind="port", text=text)
        )
    return int(text)


def register(subparsers: Subparsers) -> None:
    from dialogs.rendering import LANGUAGES

    parser = subparsers.add_parser(
        "web",
        help="serve the web chat, reference pages and JSON API",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on "
                        "(default 127.0.0.1; put a reverse proxy in front for the internet)")
    parser.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        metavar="IPS",
        help="comma-separated proxy addresses whose X-Forwarded-* headers are trusted",
    )
    parser.add_argument(
        "--today", type=_date, help="pretend today is this date (YYYY-MM-DD; for demos, tests)"
    )
    parser.add_argument(
        "--lang", choices=LANGUAGES, default="zh_Hans",
        help="language of the messages (default zh_Hans)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    import uvicorn

    from bot.clock import today_in_china
    from bot.listen import ListenError, bind
    from bot.store import StoreError, connect
    from bot.web.app import WebSettings, WebSettingsError, create_app
    from dialogs.rendering import render_template

    lang = str(args.lang)

    def say(error: str) -> str:
        return render_template("cli/command_error.j2", lang, "text", command="web", error=error)

    try:
        settings = WebSettings.from_env()
    except WebSettingsError as err:
        print(say(err.message(lang)), file=sys.stderr)
        return 2

    async def check_state_db() -> None:
        # Before serving: a database problem is one line here, not uvicorn's lifespan
        # traceback.
        async with connect(settings.database) as store:
            await store.check()

    try:
        asyncio.run(check_state_db())
        sock = bind(args.host, args.port)
    except StoreError as err:
        print(say(err.message(lang)), file=sys.stderr)
        return 3
    except ListenError as err:
        print(say(err.message(lang)), file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    fixed: date | None = args.today

    def today() -> date:
        return fixed or today_in_china()

    app = create_app(settings, today=today)
    print(render_template("cli/web_serving.j2", lang, "text",
                          url=f"http://{args.host}:{args.port}/",
                          database=settings.database.display),
          file=sys.stderr, flush=True)
    config = uvicorn.Config(app, host=args.host, port=args.port,
                            **server_options(args.forwarded_allow_ips))
    server = uvicorn.Server(config)
    with sock:
        server.run(sockets=[sock])
    return 0 if server.started else 3  # (it did not start: the store failed in between)
