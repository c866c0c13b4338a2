"""The calculator before and after a change, alternated on one machine in one run.

    git worktree add --detach /tmp/yibao-old <old commit>
    python -m benchmarks.ab_grid /tmp/yibao-old --rounds 2

Each round runs `benchmarks.policy_grid`'s measurement (the `--micro` calculator figure:
warm-up, then the whole grid once, quotes per wall second) in a fresh process in the old
tree, then in this tree (the order alternates per round: AB, BA, ...), with this venv's
Python. It prints each run and the ratio new / old per round and overall (median). The
absolute figures move with the machine's load; the ratios taken in one run are the claim.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

_MEASURE = (
    "import json; from benchmarks.policy_grid import grid, measure_quotes; "
    "from policies.catalog import read_catalog; c = read_catalog(); r = grid(c); "
    "print(json.dumps({'quotes': len(r), 'rate': measure_quotes(c, r)}))"
)


def measure(tree: Path) -> tuple[int, float]:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE], cwd=tree, check=True, capture_output=True, text=True
    ).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    return int(figures["quotes"]), float(figures["rate"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ab_grid", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", type=Path, help="a checkout of the old commit")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    ratios = []
    for n in range(args.rounds):
        order = [("old", args.old), ("new", HERE)]
        if n % 2:
            order.reverse()
        rates: dict[str, float] = {}
        for name, tree in order:
            quotes, rates[name] = measure(tree)
            print(f"round {n + 1} {name}: {rates[name]:,.0f} quotes/s over {quotes:,} quotes",
                  flush=True)
        ratios.append(rates["new"] / rates["old"])
        print(f"round {n + 1} ratio new/old: {ratios[-1]:.2f}", flush=True)
    print(f"median ratio over {len(ratios)} rounds: {statistics.median(ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
