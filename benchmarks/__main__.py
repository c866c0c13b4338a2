"""`python -m benchmarks` (`make bench`): the load benchmark, then the micro-benchmarks.

    python -m benchmarks                     # 200 users, 5 rounds, micro-benchmarks too
    python -m benchmarks --users 50 --rounds 3
    python -m benchmarks --micro             # only the micro-benchmarks
    python -m benchmarks --load-only         # only the load benchmark
    python -m benchmarks --profile yibao     # one leg with the bot under cProfile
    python -m benchmarks --faults-only       # only the crash and flood cases

Prints a table and writes benchmarks/results/latest.json (method: README, "Performance").
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
from pathlib import Path

from benchmarks.load import LoadSettings, run_load
from benchmarks.report import build, table, write_results

RESULTS = Path(__file__).parent / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200,
                        help="simulated users at the main load level (200)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="A/B rounds, alternating which bot goes first (5)")
    parser.add_argument("--levels", default="1,25",
                        help="lighter load levels run before the main one, comma-separated "
                             "('' for none; default 1,25)")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds an update may wait for its reply before it counts as "
                             "lost (30)")
    parser.add_argument("--flood-limit", action="store_true",
                        help="keep AIORateLimiter's 30 messages/second cap in both bots "
                             "(default: lifted, so the bots' own work is measured)")
    parser.add_argument("--no-warmup", action="store_true", help=argparse.SUPPRESS)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--micro", action="store_true", help="only the micro-benchmarks")
    mode.add_argument("--load-only", action="store_true", help="only the load benchmark")
    mode.add_argument("--faults-only", action="store_true",
                      help="only the fault cases (kill -9 during dialogs, a flooding chat)")
    parser.add_argument("--no-faults", action="store_true",
                        help="skip the fault cases (about 30 s)")
    parser.add_argument("--no-grid", action="store_true",
                        help="skip the calculator grid micro-benchmark (about 30 s)")
    parser.add_argument("--profile", choices=("yibao", "echo"),
                        help="run one leg of this bot under cProfile and print where its "
                             "event loop spends its time (nothing is written to results/)")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json",
                        help="where to write the JSON (benchmarks/results/latest.json)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    levels = tuple(int(x) for x in args.levels.split(",") if x.strip())
    settings = LoadSettings(
        users=args.users,
        rounds=args.rounds,
        levels=levels,
        timeout=args.timeout,
        flood_limit=args.flood_limit,
        warmup=not args.no_warmup,
    )
    command = shlex.join(["python", "-m", "benchmarks", *(sys.argv[1:] if argv is None else argv)])
    if args.profile:
        return profile(args.profile, settings)
    load = None
    if not args.micro and not args.faults_only:
        load = asyncio.run(run_load(settings, log=lambda line: print(line, flush=True)))
    micro = None
    if not args.load_only and not args.faults_only:
        from benchmarks.micro import run_micro

        micro = run_micro(grid=not args.no_grid, log=lambda line: print(line, flush=True))
    faults = None
    if args.faults_only or not (args.no_faults or args.micro or args.load_only):
        import tempfile

        from benchmarks.faults import run_faults

        print("fault cases (kill -9 during dialogs, a flooding chat) ...", flush=True)
        with tempfile.TemporaryDirectory(prefix="yibao-faults-") as tmp:
            faults = asyncio.run(run_faults(Path(tmp)))
    result = build(settings, load, micro, command)
    if faults is not None:
        result["faults"] = faults
    print()
    print(table(result))
    if faults is not None:
        from benchmarks.faults import lines

        print("\n".join(lines(faults)))
    write_results(result, args.out)
    return 0


def profile(bot: str, settings: LoadSettings) -> int:
    import pstats
    import tempfile

    from benchmarks.load import run_leg
    from benchmarks.processes import ECHO, YIBAO

    kind = YIBAO if bot == "yibao" else ECHO
    with tempfile.TemporaryDirectory(prefix="yibao-profile-") as tmp:
        out = Path(tmp) / f"{bot}.prof"
        leg = asyncio.run(run_leg(kind, settings, Path(tmp), profile=out))
        phase = leg["phases"][str(settings.users)]
        print(f"{bot}: {phase['updates']} updates at {settings.users} users, "
              f"{phase['cpu_seconds_per_1000_updates']} CPU s per 1,000 (under cProfile), "
              f"lost {leg['lost_replies']}, duplicates {leg['duplicate_replies']}")
        kept = Path(tempfile.gettempdir()) / f"yibao-bench-{bot}.prof"
        kept.write_bytes(out.read_bytes())
        stats = pstats.Stats(str(kept))
        stats.sort_stats("tottime").print_stats(35)
        stats.sort_stats("cumulative").print_stats(60)
        print(f"profile kept in {kept} (python -m pstats {kept})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
