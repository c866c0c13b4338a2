"""`yibao chat`: the helpdesk dialog in the terminal, no Telegram token needed."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

CHINA = ZoneInfo("Asia/Shanghai")

DESCRIPTION = """\
Talk to the helpdesk in the terminal: the same dialog the Telegram bot runs. Type free text
("我是昌图县的低保边缘户，3月10号交"), a number to pick one of the listed options, or a
command (/help, /table, /compare, /glossary, /sources, /lang, /cancel). "q", end of input
(Ctrl-D) or Ctrl-C quits.
Reads standard input, so a conversation can be scripted.
"""


def _date(text: str) -> date:
    from bot.cli.language import checking_message

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            checking_message("cli/bad_value.j2", kind="date", text=text)
        ) from None


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "chat",
        help="the helpdesk dialog in the terminal",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--lang",
        choices=["zh_Hans", "zh_Hant", "en"],
        help="reply language (default zh_Hans; /lang changes it in the chat)",
    )
    parser.add_argument("--region", help="preselect a region (name, short form or slug)")
    parser.add_argument(
        "--today",
        type=_date,
        help="pretend today is this date (YYYY-MM-DD); default: today in China",
    )
    parser.add_argument("--echo", action="store_true", help="echo each input line ('> …')")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from bot.terminal.chat import run_chat
    from dialogs.rendering import render_template
    from policies.catalog import load_catalog

    region = None
    if args.region:
        catalog = load_catalog()
        region = catalog.resolve_region(args.region)
        if region is None:
            regions = [
                (labels[0], list(dict.fromkeys([*labels[1:], slug])))
                for slug, labels in catalog.region_labels().items()
            ]
            print(
                render_template(
                    "cli/unknown_region.j2",
                    args.lang or "zh_Hans",
                    "text",
                    text=args.region,
                    regions=regions,
                ),
                file=sys.stderr,
            )
            return 2
    today = args.today or _today()
    try:
        run_chat(
            sys.stdin,
            sys.stdout,
            today=today,
            lang=args.lang,
            region=region,
            echo=args.echo,
            prompt="> " if sys.stdin.isatty() else "",
        )
    except KeyboardInterrupt:  # Ctrl-C before the first line was read: end quietly too
        print(file=sys.stderr)
        return 130
    return 0


def _today() -> date:
    from datetime import datetime

    return datetime.now(CHINA).date()
