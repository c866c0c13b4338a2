"""`yibao web`: the web chat, reference pages and JSON API, served by uvicorn."""

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
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port: {text!r}")
    return int(text)


def register(subparsers: Subparsers) -> None:
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
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from bot.clock import today_in_china
    from bot.web.app import WebSettings, WebSettingsError, create_app

    try:
        settings = WebSettings.from_env()
    except WebSettingsError as err:
        print(f"yibao web: {err}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    fixed: date | None = args.today

    def today() -> date:
        return fixed or today_in_china()

    app = create_app(settings, today=today)
    print(f"yibao web: http://{args.host}:{args.port}/ (state: {settings.database.display})",
          file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port,
                **server_options(args.forwarded_allow_ips))
    return 0
