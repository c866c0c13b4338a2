"""The `yibao` command line: a small dispatcher over one module per subcommand.

Each subcommand lives in its own module and exposes

    def register(subparsers: Subparsers) -> None

which adds its parser and sets `handler=` (a `Handler`: Namespace -> exit code) as a default.
The command line's own subcommands (quote, policies, link) are modules of this package;
each adapter's command is its package's `command` module (bot/telegram/command.py,
bot/terminal/command.py, bot/web/command.py). To add a command, write its module and add
its name to COMMANDS; keep heavy imports (telegram, the dialog) inside the handler so `yibao quote`
stays quick to start.

The commands are written in English; everything `yibao` prints (help, argparse's usage errors,
each command's messages) is in the language `--lang` names, else zh_Hans (bot/cli/language.py).
Run `make i18n` after adding or changing a help text: the catalogs take it from the parser.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final, TypeAlias, cast

from bot.cli.language import localise, requested_lang, speaking
from dialogs.rendering import DEFAULT_LANG, LANGUAGES

if TYPE_CHECKING:
    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

Handler: TypeAlias = Callable[[argparse.Namespace], int]

COMMANDS: Final[tuple[str, ...]] = (
    "bot.cli.quote",
    "bot.cli.policies",
    "bot.terminal.command",
    "bot.telegram.command",
    "bot.cli.link",
    "bot.cli.store",
    "bot.web.command",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yibao",
        description=(
            "Helpdesk for China's urban-rural resident basic medical insurance "
            "(城乡居民基本医疗保险): contribution amounts, deadlines, coverage and waiting "
            "periods from the county notices on file."
        ),
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=argparse.SUPPRESS,
        help="language of the help and the messages (default zh_Hans); before the command it "
        "is the command's --lang too",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        register = cast("Callable[[Subparsers], None]", importlib.import_module(name).register)
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code (argparse errors exit 2 itself)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    chosen = requested_lang(arguments)
    lang = chosen or DEFAULT_LANG
    parser = build_parser()
    localise(parser, lang, chosen)
    with speaking(lang):
        args = parser.parse_args(arguments)
    handler = cast(Handler, args.handler)
    try:
        return handler(args)
    except BrokenPipeError:
        # `yibao quote … | head`: the reader went away; that is no reason for a traceback.
        # Point stdout at devnull so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
