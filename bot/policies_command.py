"""`yibao policies check`: validate every policy data file (schema and semantic checks)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "policies",
        help="work with the policy data files",
        description="Work with the policy data files under policies/data/.",
    )
    actions = parser.add_subparsers(dest="policies_command", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="validate every data file; exit 1 on any problem",
        description=(
            "Validate every policy data file against the strict schema and the semantic "
            "checks (quotes verbatim in the notice, windows ordered, subsidies within the "
            "standard, identities registered). Prints 'ok: N files' and exits 0, or prints "
            "each problem as 'file: field: reason' and exits 1."
        ),
    )
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    from dialogs.rendering import render_template
    from policies.catalog import policy_files
    from policies.checks import run_checks

    problems = run_checks()
    print(
        render_template(
            "cli/policies_check.j2", "en", "text", problems=problems, files=len(policy_files())
        )
    )
    return 1 if problems else 0
