"""`yibao telegram`: run the Telegram bot (long polling by default, or a webhook).

Settings come from the environment (see bot.settings); exit codes: 0 after a clean stop,
1 when Telegram rejects the token, 2 for missing or malformed settings or options (or a
webhook port that cannot be listened on), 3 when
the state database cannot be used (damaged, locked by another process, not writable).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.database_url import Database

    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_REJECTED_TOKEN = 1
EXIT_BAD_SETTINGS = 2
EXIT_STATE_DB = 3

DESCRIPTION = """\
Run the Telegram bot. It long-polls Telegram by default; with --webhook it listens for
Telegram's HTTPS callbacks instead (put it behind a TLS-terminating proxy that forwards
--webhook-url to --listen:--port), answering each only once the update is stored, so several
webhook workers on one PostgreSQL database may share the URL.

environment:
  TELEGRAM_BOT_TOKEN  required: the token from @BotFather
  TELEGRAM_BASE_URL   optional: a self-hosted Bot API server, e.g. http://127.0.0.1:8081/bot
  YIBAO_DATABASE_URL  optional: sqlite:///FILE (default ./yibao-state.sqlite3) or
                      postgresql://USER:PASSWORD@HOST:PORT/DB (several workers)
  YIBAO_STATE_DB      optional, older: the SQLite state file
  YIBAO_ADMIN_IDS     optional: comma-separated Telegram user ids told about errors
  YIBAO_LOG_LEVEL     optional: DEBUG, INFO (default), WARNING or ERROR
  YIBAO_RETENTION_DAYS optional: conversations untouched this long are deleted (30)
  YIBAO_REPLY_WINDOW  optional: seconds a reply is resent through an outage (60)
  YIBAO_CLAIM_LEASE   optional: seconds a worker's hold on an update lasts before another
                      worker may take it over, should the worker hang (300)
  YIBAO_WEBHOOK_SECRET optional: the default of --secret-token

exit codes: 0 stopped cleanly, 1 token rejected, 2 bad settings or options (or the
webhook port cannot be listened on), 3 the state database cannot be used (damaged, locked,
not writable)
"""


def register(subparsers: Subparsers) -> None:
    from dialogs.rendering import LANGUAGES

    parser = subparsers.add_parser(
        "telegram",
        help="run the Telegram bot (settings from the environment)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--webhook", action="store_true", help="receive updates by webhook instead of polling"
    )
    parser.add_argument(
        "--webhook-url",
        metavar="URL",
        help="the public https URL Telegram posts to (required with --webhook)",
    )
    parser.add_argument(
        "--listen", default="127.0.0.1", metavar="HOST", help="webhook listen address"
    )
    parser.add_argument(
        "--port", type=int, default=8443, metavar="N", help="webhook listen port (8443)"
    )
    parser.add_argument(
        "--secret-token",
        metavar="S",
        help="webhook secret (1-256 of A-Z a-z 0-9 _ -); Telegram sends it in a header and "
        "other callers are refused. Default: $YIBAO_WEBHOOK_SECRET",
    )
    parser.add_argument(
        "--lang", choices=LANGUAGES, default="zh_Hans",
        help="language of the messages (default zh_Hans)",
    )
    parser.set_defaults(handler=run)


def _webhook_problems(args: argparse.Namespace, secret: str | None) -> list[str]:
    """What the webhook's options lack: problems of cli/settings_error.j2."""
    import re

    problems = []
    if not args.webhook_url:
        problems.append("webhook_url_missing")
    elif not args.webhook_url.startswith("https://"):
        problems.append("webhook_url_https")
    if not secret:
        problems.append("secret_missing")
    elif not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        problems.append("secret_chars")
    if not 1 <= args.port <= 65535:
        problems.append("port_range")
    return problems


def run(args: argparse.Namespace) -> int:
    import asyncio
    import os

    from telegram.error import InvalidToken

    from bot.listen import ListenError
    from bot.logs import configure_logging
    from bot.settings import Settings, SettingsError
    from bot.store import StoreError
    from bot.telegram.app import Webhook, build_application, serve_polling, serve_webhook
    from dialogs.rendering import render_template

    lang = str(args.lang)

    def problem(name: str) -> str:
        return render_template("cli/settings_error.j2", lang, "text", problem=name)

    try:
        settings = Settings.from_env()
    except SettingsError as err:  # (never the token itself)
        print(say(lang, err.message(lang)), file=sys.stderr)
        return EXIT_BAD_SETTINGS
    secret = args.secret_token or os.environ.get("YIBAO_WEBHOOK_SECRET")
    if args.webhook:
        problems = _webhook_problems(args, secret)
        if problems:
            print("\n".join(say(lang, problem(p)) for p in problems), file=sys.stderr)
            return EXIT_BAD_SETTINGS

    configure_logging(settings.log_level_number, settings.token)
    try:
        # Before Telegram is contacted: a database problem is named as such, not as a
        # traceback (and not as "token rejected").
        asyncio.run(check_state_db(settings.store_database))
    except StoreError as err:
        print(say(lang, err.message(lang)), file=sys.stderr)
        return EXIT_STATE_DB
    application = build_application(settings)
    try:
        if args.webhook:
            assert secret is not None  # _webhook_problems
            webhook = Webhook(args.webhook_url, args.listen, args.port, secret)
            asyncio.run(serve_webhook(application, webhook))
        else:
            # Pending updates are kept: messages sent while the bot was down get answers.
            asyncio.run(serve_polling(application))
    except InvalidToken:
        print(say(lang, problem("token_rejected")), file=sys.stderr)
        return EXIT_REJECTED_TOKEN
    except StoreError as err:  # went bad between the check and the start
        print(say(lang, err.message(lang)), file=sys.stderr)
        return EXIT_STATE_DB
    except ListenError as err:
        print(say(lang, err.message(lang)), file=sys.stderr)
        return EXIT_BAD_SETTINGS
    return 0


def say(lang: str, error: str) -> str:
    """`error` (already in `lang`) as the command's line: "yibao telegram：…"."""
    from dialogs.rendering import render_template

    return render_template("cli/command_error.j2", lang, "text", command="telegram",
                           error=error)


async def check_state_db(database: Database) -> None:
    """Open (creating or migrating if needed) and check the state database, then close it."""
    from bot.store import connect

    async with connect(database) as store:
        await store.check()
