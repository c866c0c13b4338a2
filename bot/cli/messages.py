"""Babel extraction of the command line's own words, for `make i18n` (see babel.cfg).

The commands write their descriptions, help texts and metavars as plain English strings in
their modules (bot/cli/, and each adapter's command module); rather than mark each one, this
extractor builds the very parser `yibao` runs and reads them off it, so the catalogs hold
exactly what the help shows. It adds argparse's own messages (bot/cli/argparse_messages.py).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

# (line number, gettext function, message(s), comments): what Babel's extractors yield
Extracted = tuple[int, str, Any, list[str]]


def extract(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Babel's extractor interface; the file it is pointed at (bot/cli/__init__.py) only
    says where the command line lives."""
    from bot.cli import build_parser
    from bot.cli.argparse_messages import MESSAGES
    from bot.cli.language import texts

    for message in MESSAGES:
        if isinstance(message, str):
            yield 0, "gettext", message, ["argparse"]
        else:
            yield 0, "ngettext", message, ["argparse"]
    for context, text in texts(build_parser()):
        if context is None:
            yield 0, "gettext", text, []
        else:
            yield 0, "pgettext", (context, text), []
