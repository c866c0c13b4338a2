"""`yibao link REGION`: the deep link that opens the bot on a region, and its QR code.

For 明白人 volunteers: the link https://t.me/<bot>?start=<region slug> starts the dialog with
the region already chosen; the PNG goes on posters and into WeChat groups. Exit codes: 0 done,
2 unknown region (the accepted names are listed) or no usable bot username.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_BAD_INPUT: Final = 2
_USERNAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")  # Telegram's rule for usernames
_START_PAYLOAD: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what ?start= may carry

DESCRIPTION = """\
Print the deep link that opens the bot with REGION preselected, and write it as a QR code PNG.

REGION is a region's Chinese name, a short form (昌图, 科左后旗, 栗子乡…) or a pinyin slug.
The bot's username comes from --bot-username, else $TELEGRAM_BOT_USERNAME, else Telegram
itself (getMe with $TELEGRAM_BOT_TOKEN). With --web-base URL the link and QR code open the
web chat instead (URL/r/<slug>, served by `yibao web`), reachable without Telegram.
"""


def register(subparsers: Subparsers) -> None:
    from dialogs.rendering import LANGUAGES

    parser = subparsers.add_parser(
        "link",
        help="print a region's deep link to the bot and write its QR code PNG",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("region", metavar="REGION", help="the region")
    parser.add_argument(
        "--bot-username", metavar="NAME", help="the bot's username, with or without @"
    )
    parser.add_argument(
        "--web-base",
        metavar="URL",
        help="the web chat's address (e.g. https://yibao.example.cn): link and QR code open "
        "the web chat on the region (<URL>/r/<slug>) instead of the Telegram bot",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="FILE.png",
        help="where to write the QR code (default: yibao-<region slug>.png)",
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default="zh_Hans",
        help="language of the messages (default zh_Hans)",
    )
    parser.set_defaults(handler=run)


def deep_link(bot_username: str, slug: str) -> str:
    if not _START_PAYLOAD.fullmatch(slug):
        raise ValueError(f"{slug!r} cannot be a /start payload")
    return f"https://t.me/{bot_username}?start={slug}"


def web_link(base: str, slug: str) -> str:
    """The web chat's deep link: <base>/r/<slug> (bot/web opens the chat on that region)."""
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", base):
        raise ValueError(f"{base!r} is not an http(s) URL")
    if not _START_PAYLOAD.fullmatch(slug):
        raise ValueError(f"{slug!r} cannot be a path segment")
    return f"{base.rstrip('/')}/r/{slug}"


def _web_link(base: str, slug: str, out: Path | None, lang: str) -> int:
    from dialogs.rendering import render_template

    try:
        link = web_link(base.strip(), slug)
    except ValueError:
        print(render_template("cli/link_bad_web_base.j2", lang, "text", text=base),
              file=sys.stderr)
        return EXIT_BAD_INPUT
    out = out or Path(f"yibao-{slug}-web.png")
    write_qr(link, out)
    print(link)
    print(render_template("cli/link_written.j2", lang, "text", path=str(out)), file=sys.stderr)
    return 0


def write_qr(link: str, out: Path) -> None:
    import segno

    # Error correction M survives a crease or a smudge on a printed poster; scale 10 gives
    # a sharp image that WeChat's scanner reads from a phone photo.
    segno.make(link, error="m").save(str(out), kind="png", scale=10, border=4)


def _username_from_telegram(lang: str) -> str | None:
    """getMe with the token from the environment; None when there is no usable token."""
    import asyncio

    from telegram import Bot
    from telegram.error import TelegramError

    from bot.logs import quiet_noisy_loggers
    from bot.settings import Settings, SettingsError
    from dialogs.rendering import render_template

    try:
        settings = Settings.from_env()
    except SettingsError:
        return None
    quiet_noisy_loggers()

    async def ask() -> str | None:
        bot = Bot(
            settings.token,
            base_url=settings.base_url or "https://api.telegram.org/bot",
            base_file_url=settings.base_file_url or "https://api.telegram.org/file/bot",
        )
        async with bot:
            return bot.username

    try:
        return asyncio.run(ask())
    except TelegramError as err:
        print(
            render_template("cli/link_telegram_failed.j2", lang, "text", error=type(err).__name__),
            file=sys.stderr,
        )
        return None


def run(args: argparse.Namespace) -> int:
    from dialogs.rendering import render_template
    from policies.catalog import load_catalog

    catalog = load_catalog()
    slug = catalog.resolve_region(args.region)
    if slug is None:
        names = catalog.region_labels()
        regions = [
            (labels[0], list(dict.fromkeys([*labels[1:], s]))) for s, labels in names.items()
        ]
        print(
            render_template(
                "cli/unknown_region.j2", args.lang, "text", text=args.region, regions=regions
            ),
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT

    if args.web_base:
        return _web_link(args.web_base, slug, args.out, args.lang)

    username = (
        args.bot_username
        or os.environ.get("TELEGRAM_BOT_USERNAME")
        or _username_from_telegram(args.lang)
    )
    username = (username or "").strip().lstrip("@")
    if not _USERNAME.fullmatch(username):
        print(render_template("cli/link_no_username.j2", args.lang, "text"), file=sys.stderr)
        return EXIT_BAD_INPUT

    link = deep_link(username, slug)
    out: Path = args.out or Path(f"yibao-{slug}.png")
    write_qr(link, out)
    print(link)
    print(render_template("cli/link_written.j2", args.lang, "text", path=str(out)), file=sys.stderr)
    return 0
