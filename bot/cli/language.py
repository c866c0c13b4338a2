"""The command line in the language asked for: help, usage errors and every message.

The language is `--lang` wherever it stands on the command line (before the command, after
it, or both: the last one counts), else zh_Hans, the helpdesk's primary language; the
environment's locale is not consulted, so `yibao quote`'s output (and the JSON API's, which
is the same) does not change with the server's LANG.

Three kinds of English need translating, all from the project's catalogs (locales/):
- the commands' own descriptions, help texts and metavars, written in English in each
  command's module: `localise()` replaces them in the built parser tree (bot.cli.messages
  extracts the same strings for `make i18n`);
- argparse's own words (the usage line's prefix, "show this help message and exit", the
  usage errors). argparse binds gettext's functions at import and would read the language
  from the process environment; `speaking()` points its two hooks at functions that answer
  from the catalog of the language set for the current thread or task (a context variable),
  and from gettext as before everywhere else, so no other parser in the process changes;
- messages the commands' value checks raise while parsing: `checking_message()` renders them
  in the language being spoken (English outside a parse, as argparse's own).
"""

from __future__ import annotations

import argparse
import gettext
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Final

from dialogs.rendering import DEFAULT_LANG, Lang, render_template, translations
from dialogs.rendering.languages import is_lang

METAVAR: Final = "metavar"  # msgctxt "metavar --region": a placeholder ("地区"), per option
_SPEAKING: ContextVar[Lang | None] = ContextVar("yibao_cli_lang", default=None)
# Characters a line may not start with in Chinese typesetting: they stay on the line before.
_NO_LINE_START: Final = frozenset("，。、；：？！）》」』”’…%")
_TOKEN: Final = re.compile(r"[\x21-\x7e]+|\s+|.")  # ASCII runs stay whole; CJK breaks anywhere


def requested_lang(argv: Sequence[str]) -> Lang | None:
    """The last valid `--lang X` or `--lang=X` in `argv`, if any (a bad one is argparse's to
    report, in the default language)."""
    found: Lang | None = None
    for index, arg in enumerate(argv):
        if arg == "--":
            break
        value = argv[index + 1] if arg == "--lang" and index + 1 < len(argv) else None
        if arg.startswith("--lang="):
            value = arg.removeprefix("--lang=")
        if value is not None and is_lang(value):
            found = value
    return found


def checking_message(name: str, **context: Any) -> str:
    """A value check's message (`name`: a template under dialogs/templates/) in the language
    being spoken."""
    return render_template(name, _SPEAKING.get() or "en", "text", **context)


def _gettext(message: str) -> str:
    lang = _SPEAKING.get()
    return translations(lang).gettext(message) if lang else gettext.gettext(message)


def _ngettext(singular: str, plural: str, count: int) -> str:
    lang = _SPEAKING.get()
    if lang:
        return translations(lang).ngettext(singular, plural, count)
    return gettext.ngettext(singular, plural, count)


@contextmanager
def speaking(lang: Lang) -> Iterator[None]:
    """argparse's own messages, and value checks', in `lang` while the block runs (in this
    thread or task only: the language is a context variable)."""
    # argparse's hooks ask the context variable from now on; outside a block they are
    # gettext's, as before.
    argparse._, argparse.ngettext = _gettext, _ngettext  # type: ignore[attr-defined]
    token = _SPEAKING.set(lang)
    try:
        yield
    finally:
        _SPEAKING.reset(token)


def follows_its_lang(parser: argparse.ArgumentParser) -> None:
    """`parser` speaks the language its own `--lang` names while it parses, whoever calls it:
    `yibao quote`, or the web API, which parses the same options and returns the command's
    messages verbatim (bot/web/api.py). Without --lang: the language already spoken (the
    command line's), else zh_Hans."""
    parse = parser.parse_known_args

    def parse_known_args(
        args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        argv = list(sys.argv[1:] if args is None else args)
        lang = requested_lang(argv) or _SPEAKING.get() or DEFAULT_LANG
        with speaking(lang):
            return parse(argv, namespace)

    parser.parse_known_args = parse_known_args  # type: ignore[method-assign,assignment]


# -- the parser tree -------------------------------------------------------------------------


def parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """`parser` and every sub-command's parser below it, each once."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                yield from parsers(sub)


def metavar(action: argparse.Action) -> str | None:
    """The placeholder the help shows for `action`'s value (argparse's default: the option's
    name in capitals), or None where it shows none or lists the choices."""
    if isinstance(action.metavar, str):
        return action.metavar
    if action.metavar is not None or action.choices is not None or action.nargs == 0:
        return None
    if isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
        return None
    return action.dest.upper() if action.option_strings else action.dest


def metavar_context(action: argparse.Action) -> str:
    """A metavar's msgctxt names its option: "N" is a count of years for --lapsed-years and
    a port number for --port."""
    return f"{METAVAR} {action.option_strings[-1] if action.option_strings else action.dest}"


def texts(parser: argparse.ArgumentParser) -> Iterator[tuple[str | None, str]]:
    """Every (msgctxt, msgid) the help of `parser` and its sub-commands shows."""
    for each in parsers(parser):
        for text in (each.description, each.epilog):
            if text:
                yield None, text
        for group in each._action_groups:
            if group.title:
                yield None, group.title
        for action in each._actions:
            if action.help and action.help != argparse.SUPPRESS:
                yield None, action.help
            name = metavar(action)
            if name:
                yield metavar_context(action), name
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    if choice.help:
                        yield None, choice.help


def localise(parser: argparse.ArgumentParser, lang: Lang, chosen: Lang | None) -> None:
    """Translate the help of `parser`'s tree into `lang`, in place; with a language chosen on
    the command line, every command's `--lang` defaults to it (`yibao --lang en quote …`)."""
    catalog = translations(lang)

    def text(value: str | None) -> str | None:
        return catalog.gettext(value) if value else value

    for each in parsers(parser):
        each.description = text(each.description)
        each.epilog = text(each.epilog)
        each.formatter_class = _wide_aware(each.formatter_class)
        for group in each._action_groups:
            group.title = text(group.title)
        for action in each._actions:
            if action.help and action.help != argparse.SUPPRESS:
                action.help = text(action.help)
            name = metavar(action)
            if name:
                action.metavar = str(catalog.pgettext(metavar_context(action), name))
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    choice.help = text(choice.help)
            if action.dest == "lang" and chosen is not None:
                each.set_defaults(lang=chosen)


# -- help layout for Chinese ---------------------------------------------------------------


def columns(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, limit: int) -> list[str]:
    """`text` in lines of at most `limit` terminal columns (a closing punctuation mark may
    overhang rather than start a line), breaking between CJK characters and at spaces, never
    inside an ASCII run such as an option name."""
    lines: list[str] = []
    line, used = "", 0
    for token in _TOKEN.findall(" ".join(text.split())):
        size = columns(token)
        if used + size > limit and line.strip() and token[0] not in _NO_LINE_START:
            lines.append(line.rstrip())
            line, used = "", 0
            if token.isspace():
                continue
        line += token
        used += size
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _is_wide(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in "WF" for ch in text)


class _WideAware(argparse.HelpFormatter):
    """Wraps help with CJK text by terminal columns (argparse counts characters, so Chinese
    lines came out twice the terminal's width and ASCII-less text never broke)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        if not _is_wide(text):
            return super()._split_lines(text, width)
        return wrap(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if not _is_wide(text) or isinstance(self, argparse.RawDescriptionHelpFormatter):
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line for line in wrap(text, width - len(indent)))

    def _format_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None,
    ) -> str:
        # argparse wraps the usage by characters and indents its continuation lines by
        # len("usage: yibao quote "); wide text ("用法：", "--region 地区") takes more columns.
        # Wrap narrower until it fits, and indent by the prefix's columns.
        shown = prefix if prefix is not None else str(argparse._("usage: "))  # type: ignore[attr-defined]
        extra = columns(shown) - len(shown)
        full = self._width
        try:
            for _ in range(8):
                first, *rest = super()._format_usage(usage, actions, groups, prefix).split("\n")
                lines = [first, *(" " * extra + line if line[:1] == " " else line for line in rest)]
                over = max(columns(line) for line in lines) - full
                if over <= 0:
                    break
                self._width -= over
        finally:
            self._width = full
        return "\n".join(lines)

    def _format_action(self, action: argparse.Action) -> str:
        # The same for an option's metavar ("--region 地区"): its help starts that much later
        # than argparse's padding assumes, so the padding gives the difference back.
        text = super()._format_action(action)
        invocation = self._format_action_invocation(action)
        extra = columns(invocation) - len(invocation)
        head = " " * self._current_indent + invocation
        first, newline, rest = text.partition("\n")
        tail = first[len(head):]
        if not extra or not first.startswith(head) or not tail.strip():
            return text
        if tail.startswith(" " * (extra + 2)):
            first = head + tail[extra:]
        else:  # too wide to share a line with its help after all
            help_position = min(self._action_max_length + 2, self._max_help_position)
            first = head + "\n" + " " * help_position + tail.lstrip()
        return first + newline + rest


_WIDE_CLASSES: dict[type[Any], type[Any]] = {}


def _wide_aware(formatter: Any) -> Any:
    """`formatter` (a command's HelpFormatter class, raw or not) with CJK-aware wrapping."""
    if not isinstance(formatter, type) or issubclass(formatter, _WideAware):
        return formatter
    if formatter not in _WIDE_CLASSES:
        name = f"WideAware{formatter.__name__}"
        _WIDE_CLASSES[formatter] = type(name, (_WideAware, formatter), {})
    return _WIDE_CLASSES[formatter]

