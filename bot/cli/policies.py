"""`yibao policies check` and `yibao policies new`: the policy data files.

`check` validates every complete data file (schema and semantic checks) and names what each
draft still lacks. `new` starts a draft for a region's insurance year from the notice's text
(see policies/scaffold.py and docs/adding-a-notice.md), its hints and notes in the language of
`--lang` (`draft_words`). Exit codes: 0 done / all sound, 1 problems found (check) or broken
existing data (new), 2 input we cannot take.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable

    from dialogs.rendering import Lang
    from policies.catalog import Catalog
    from policies.problems import Problem
    from policies.scaffold import DraftText, Words

    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_BAD_INPUT: Final = 2
MIN_YEAR, MAX_YEAR = 2000, 2100
_SLUG: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
HEADER_COLUMNS: Final = 92  # the draft's header comment, "# " included

NEW_DESCRIPTION = """\
Start the data file policies/data/<slug>/YEAR.yaml for REGION's insurance year YEAR from the
notice's text (FILE, plain UTF-8 text), and copy the text to policies/documents/<slug>-YEAR.txt.

The file is a draft: the catalog does not load it, so no answer uses it, until you delete its
`draft:` block. It holds the header fields read off the notice (title, number, issuer, date)
and every clause quoted verbatim with its label as printed (一、1, 三(二), 五 注…). For a
region already on file, the rules of the nearest year's file are copied for review, each date
and amount left as a TODO showing last year's value. `yibao policies check` then names what
is still missing. Never overwrites a file.

REGION is a region on file (昌图, changtu…) or, for a new region, its pinyin slug.
"""

NEW_EPILOG = """\
exit codes: 0 started; 1 the data on file is broken (fix it first); 2 unknown region, bad
year, unreadable notice, no clause found, or the file exists already.

example:
  yibao policies new 昌图 2026 --notice ~/下载/昌图县2026年度通知.txt
"""


def _year(text: str) -> int:
    from bot.cli.language import checking_message

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            checking_message("cli/bad_value.j2", kind="year", text=text)
        ) from None
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise argparse.ArgumentTypeError(
            checking_message(
                "cli/bad_value.j2", kind="out_of_range", text=value, low=MIN_YEAR, high=MAX_YEAR
            )
        )
    return value


def _lang_argument(
    parser: argparse.ArgumentParser, help_text: str = "language of the messages (default zh_Hans)"
) -> None:
    from dialogs.rendering import LANGUAGES

    parser.add_argument("--lang", choices=LANGUAGES, default="zh_Hans", help=help_text)


def _policies_dir_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--policies-dir",
        type=Path,
        metavar="DIR",
        help="the directory holding data/ and documents/ (default: this checkout's policies/)",
    )


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "policies",
        help="work with the policy data files",
        description="Work with the policy data files under policies/data/.",
    )
    actions = parser.add_subparsers(dest="policies_command", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="validate every data file and name what each draft lacks; exit 1 on any problem",
        description=(
            "Validate every policy data file against the strict schema and the semantic "
            "checks (quotes verbatim in the notice, windows ordered, subsidies within the "
            "standard, identities registered), and name for each draft (a file started by "
            "`yibao policies new`) what it still lacks: placeholders, entries to review, "
            "missing standard or windows, clauses never cited. Prints how many files are "
            "sound and exits 0, or prints each problem as 'file: field: what to do' and "
            "exits 1."
        ),
    )
    _policies_dir_argument(check)
    _lang_argument(check)
    check.set_defaults(handler=run_check)
    new = actions.add_parser(
        "new",
        help="start the draft data file of a region's insurance year from the notice's text",
        description=NEW_DESCRIPTION,
        epilog=NEW_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    new.add_argument("region", metavar="REGION", help="a region on file, or a new region's slug")
    new.add_argument("year", type=_year, metavar="YEAR", help="the insurance year, e.g. 2026")
    new.add_argument(
        "--notice", required=True, type=Path, metavar="FILE", help="the notice as UTF-8 text"
    )
    _lang_argument(
        new, "language of the messages and of the draft's hints and notes (default zh_Hans)"
    )
    _policies_dir_argument(new)
    new.set_defaults(handler=run_new)


def _dirs(args: argparse.Namespace) -> tuple[Path, Path]:
    from policies.catalog import DATA_DIR, DOCUMENTS_DIR

    root: Path | None = args.policies_dir
    if root is None:
        return DATA_DIR, DOCUMENTS_DIR
    return root / "data", root / "documents"


def _not_a_policies_folder(args: argparse.Namespace, data_dir: Path) -> bool:
    """Whether `--policies-dir` lacks the data (said on stderr): the check and the draft would
    otherwise stop on a traceback for the first file they read."""
    if args.policies_dir is None or (data_dir / "identities.yaml").is_file():
        return False
    from dialogs.rendering import render_template

    error = render_template(
        "cli/policies_dir_error.j2", args.lang, "text", path=str(args.policies_dir)
    )
    command = f"policies {args.policies_command}"
    print(
        render_template("cli/command_error.j2", args.lang, "text", command=command, error=error),
        file=sys.stderr,
    )
    return True


def problem_lines(problems: Iterable[Problem], lang: Lang) -> list[str]:
    """Each problem as "file: field: what is wrong" in `lang`; the file and the field stay as
    the YAML spells them, so the editor can search for them."""
    from dialogs.rendering import render_template

    lines = []
    for problem in problems:
        where = f"{problem.file}: {problem.field}" if problem.field else problem.file
        said = render_template(
            "cli/policy_problem.j2",
            lang,
            "text",
            code=problem.code,
            field=problem.field,
            language=lang,
            **problem.context,
        )
        lines.append(f"{where}: {' '.join(said.split())}")
    return lines


def draft_words(lang: Lang) -> Words:
    """What the draft `yibao policies new` writes says (policies.scaffold.DraftText), worded
    in `lang`; the header comment comes in lines that fit the editor."""
    from bot.cli.language import wrap
    from dialogs.rendering import render_template

    def words(text: DraftText) -> str:
        said = render_template(
            "cli/draft_text.j2", lang, "text", code=text.code, language=lang, **text.context
        )
        if text.code == "header":
            return "\n".join(wrap(said, HEADER_COLUMNS - 2))
        return said.replace("\n", " ")  # one line: a hint's “…” ends at a line's end

    return words


def run_check(args: argparse.Namespace) -> int:
    from dialogs.rendering import render_template
    from policies.catalog import policy_files
    from policies.checks import run_checks

    data_dir, documents_dir = _dirs(args)
    if _not_a_policies_folder(args, data_dir):
        return EXIT_BAD_INPUT
    problems = run_checks(data_dir, documents_dir)
    print(
        render_template(
            "cli/policies_check.j2",
            args.lang,
            "text",
            problems=problem_lines(problems, args.lang),
            files=len(policy_files(data_dir)),
        )
    )
    return 1 if problems else 0


def _previous(catalog: Catalog, slug: str, year: int) -> Path | None:
    """The file to start from: the latest year before `year`, else the earliest after it."""
    policies = catalog.policies_for(slug)
    before = [p for p in policies if p.data.insurance_year < year]
    after = [p for p in policies if p.data.insurance_year > year]
    chosen = before[-1] if before else (after[0] if after else None)
    return chosen.path if chosen else None


def run_new(args: argparse.Namespace) -> int:
    from dialogs.rendering import render_template
    from policies.catalog import DataError, display_path, read_catalog
    from policies.scaffold import Placeholder, ScaffoldError, build, write

    lang = args.lang
    data_dir, documents_dir = _dirs(args)
    if _not_a_policies_folder(args, data_dir):
        return EXIT_BAD_INPUT
    try:
        catalog = read_catalog(data_dir)
    except DataError as err:
        print("\n".join(problem_lines(err.problems, lang)), file=sys.stderr)
        return 1
    slug = catalog.resolve_region(args.region)
    if slug is None and not _SLUG.fullmatch(args.region):
        names = catalog.region_labels()
        regions = [(labels[0], [*labels[1:], s]) for s, labels in names.items()]
        print(
            render_template(
                "cli/policies_new_error.j2",
                lang,
                "text",
                kind="unknown_region",
                text=args.region,
                regions=regions,
            ),
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    slug = slug or args.region
    try:
        draft = build(
            slug,
            args.year,
            args.notice,
            data_dir,
            documents_dir,
            _previous(catalog, slug, args.year),
        )
        write(draft, draft_words(lang))
    except ScaffoldError as err:
        context = dict(err.context)
        if "path" in context:
            context["path"] = display_path(Path(context["path"]))
        print(
            render_template("cli/policies_new_error.j2", lang, "text", kind=err.kind, **context),
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    except FileExistsError as err:  # created meanwhile by someone else: still never overwrite
        print(
            render_template(
                "cli/policies_new_error.j2",
                lang,
                "text",
                kind="data_exists",
                path=display_path(Path(str(err.filename))),
            ),
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    document = draft.document
    missing = [
        name
        for name in ("title", "number", "issuer", "date")
        if document.get(name) is None or isinstance(document.get(name), Placeholder)
    ]
    print(
        render_template(
            "cli/policies_new.j2",
            lang,
            "text",
            data=display_path(draft.data_path),
            text=display_path(draft.text_path),
            clauses=len(draft.body.get("clauses", [])),
            source=display_path(draft.started_from) if draft.started_from else None,
            missing=missing,
        )
    )
    return 0
