"""Fingerprints of every answer over the calculator's grid, to prove a speed-up changed nothing.

    python -m benchmarks.grid_answers OUT.txt          # every 1st request's JSON and text
    python -m benchmarks.grid_answers OUT.txt --every 5

One line per request of `benchmarks.policy_grid.grid` (the shipped catalog, then the tests'
two-year catalog): the request, then a SHA-256 of the result's full model dump and of what
`yibao quote --format json` and `--format text` print for it (zh_Hans; `--every N` renders
the JSON and text for every Nth request only, the model dump always). Run it on the old
commit and on the new one and compare the files with `cmp`: equal files mean every figure,
note, source and printed byte is the same.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from benchmarks.policy_grid import grid
from bot.cli.quote import quote_json
from dialogs.rendering import render_quote
from policies.catalog import Catalog, read_catalog
from policies.engine import quote


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _catalogs() -> list[tuple[str, Catalog]]:
    from tests.policies.two_years import two_year_catalog

    return [("shipped", read_catalog()), ("two-years", two_year_catalog())]


def write(out: Path, every: int) -> int:
    count = 0
    with out.open("w", encoding="utf-8") as handle:
        for name, catalog in _catalogs():
            for n, request in enumerate(grid(catalog)):
                result = quote(request, catalog)
                line = [name, request.model_dump_json(), _digest(result.model_dump_json())]
                if n % every == 0:
                    printed = json.dumps(
                        quote_json(result, "zh_Hans"), ensure_ascii=False, indent=2
                    )
                    line += [_digest(printed), _digest(render_quote(result, "zh_Hans", "text"))]
                handle.write("\t".join(line) + "\n")
                count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.grid_answers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "--every", type=int, default=1, help="render JSON and text for every Nth request (1: all)"
    )
    args = parser.parse_args(argv)
    count = write(args.out, max(1, args.every))
    print(f"{count} answers fingerprinted into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
