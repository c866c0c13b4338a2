"""The messages argparse itself asks gettext for (Python 3.11 to 3.13), listed for extraction.

argparse words its usage line, its help's headings and its usage errors in English through
gettext; `bot.cli.language` answers those lookups from the project's catalogs, so every one
must be in them. `make i18n` extracts this list (bot.cli.messages); a test compares it with
the running Python's argparse and names any message a newer Python added.
"""

from __future__ import annotations

from typing import Final


def N_(message: str) -> str:
    """gettext's name for "mark for extraction, translate later"."""
    return message


def ngettext(singular: str, plural: str, count: int) -> tuple[str, str]:
    """Marks a plural pair for extraction; the pair itself is what the list holds."""
    return singular, plural


MESSAGES: Final[tuple[str | tuple[str, str], ...]] = (
    N_(' (default: %(default)s)'),
    N_('%(heading)s:'),
    N_('%(prog)s: error: %(message)s\n'),
    N_('%(prog)s: warning: %(message)s\n'),
    N_('%r is not callable'),
    N_("'required' is an invalid argument for positionals"),
    N_('.__call__() not defined'),
    N_('ambiguous option: %(option)s could match %(matches)s'),
    N_('argument "-" with mode %r'),
    N_('argument %(argument_name)s: %(message)s'),
    N_("argument '%(argument_name)s' is deprecated"),
    N_("can't open '%(filename)s': %(error)s"),
    N_('cannot have multiple subparser arguments'),
    N_('cannot merge actions - two groups are named %r'),
    N_("command '%(parser_name)s' is deprecated"),
    N_('conflicting subparser alias: %s'),
    N_('conflicting subparser: %s'),
    N_('dest= is required for options like %r'),
    N_('expected at least one argument'),
    N_('expected at most one argument'),
    N_('expected one argument'),
    N_('ignored explicit argument %r'),
    N_('invalid %(type)s value: %(value)r'),
    N_('invalid choice: %(value)r (choose from %(choices)s)'),
    N_('invalid conflict_resolution value: %r'),
    N_('invalid option string %(option)r: must start with a character %(prefix_chars)r'),
    N_('mutually exclusive arguments must be optional'),
    N_('not allowed with argument %s'),
    N_('one of the arguments %s is required'),
    N_("option '%(option)s' is deprecated"),
    N_('options'),
    N_('positional arguments'),
    N_("show program's version number and exit"),
    N_('show this help message and exit'),
    N_('subcommands'),
    N_('the following arguments are required: %s'),
    N_('unexpected option string: %s'),
    N_('unknown parser %(parser_name)r (choices: %(choices)s)'),
    N_('unrecognized arguments: %s'),
    N_('usage: '),
    ngettext('conflicting option string: %s', 'conflicting option strings: %s', 1),
    ngettext('expected %s argument', 'expected %s arguments', 1),
)
