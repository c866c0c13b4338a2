"""`yibao store migrate` and `yibao store version`: the state database's schema.

Every process migrates the database when it starts (bot.store.migrations), so this is only
needed to migrate before starting new workers (say, a deployment that starts several at
once and wants none of them to wait), or to see where a database stands. The database is
YIBAO_DATABASE_URL's (else YIBAO_STATE_DB, else ./yibao-state.sqlite3), or --database-url.
Exit codes: 0 done, 2 a bad URL, 3 the database cannot be used (the line printed says why).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from bot.database_url import Database

    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_BAD_URL: Final = 2
EXIT_STATE_DB: Final = 3


def register(subparsers: Subparsers) -> None:
    from dialogs.rendering import LANGUAGES

    parser = subparsers.add_parser(
        "store",
        help="the state database: migrate its schema, or show its version",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, text in (
        ("migrate", "apply the schema migrations the database lacks, then print its version"),
        ("version", "print the database's schema version and the one this yibao uses"),
    ):
        action = actions.add_parser(name, help=text, description=text)
        action.add_argument(
            "--database-url", metavar="URL",
            help="sqlite:///FILE or postgresql://… (default: $YIBAO_DATABASE_URL)",
        )
        action.add_argument(
            "--lang", choices=LANGUAGES, default="zh_Hans",
            help="language of the messages (default zh_Hans)",
        )
        action.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from bot import database_url
    from bot.store import StoreError
    from dialogs.rendering import render_template

    def say(kind: str, **context: Any) -> str:
        return render_template("cli/store.j2", args.lang, "text", kind=kind, **context)

    try:
        if args.database_url:
            database = database_url.parse(args.database_url)
        else:
            database = database_url.from_env()
    except database_url.DatabaseUrlError as err:
        print(say("bad_url", problem=err.kind, text=err.text), file=sys.stderr)
        return EXIT_BAD_URL
    try:
        kind, context = asyncio.run(_run(database, str(args.action)))
    except StoreError as err:
        print(render_template("cli/command_error.j2", args.lang, "text", command="store",
                              error=err.message(args.lang)), file=sys.stderr)
        return EXIT_STATE_DB
    print(say(kind, database=database.display, **context))
    return 0


async def _run(database: Database, action: str) -> tuple[str, dict[str, Any]]:
    """What to say: the message's kind and its figures."""
    from bot.store import connect, migrations

    store = connect(database)
    await store.open(migrate=False)
    try:
        before = await store.schema_version()
        if action == "version":
            return "version", {"before": before, "latest": migrations.LATEST}
        applied = await store.migrate()
        after = await store.schema_version()
    finally:
        await store.close()
    # A SQLite file from before versions reads as version 1 and has migration 1 recorded,
    # not applied: its statements change nothing there.
    changed = [version for version in applied if version > before]
    if not changed:
        return "nothing", {"after": after}
    return "migrated", {"before": before, "after": after, "applied": changed}
