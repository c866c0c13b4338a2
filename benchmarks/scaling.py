"""The scaling leg of `make bench`: 1, 2 and 4 `yibao web` workers on PostgreSQL against one
on SQLite, 200 users at once, requests per second and p99, and nothing lost or wrong.

    python -m benchmarks.scaling                      # 200 users, 2 rounds
    python -m benchmarks.scaling --users 50 --rounds 1

Each leg starts its workers (real `yibao web` processes on a fresh database) behind the
alternating dispatcher of tests/multiworker (round robin, as a reverse proxy does), plays
every scripted conversation once to warm up, then N users at once, each a visitor of its own
(cookie jar, form posts, each request waiting for the previous page; every conversation is
the benchmark's, benchmarks/scenarios.py). Every conversation's pages and final stored state
are compared with what one worker gives (tests/multiworker/web_world.py), so a leg that is
fast because it lost or mixed up conversations shows as such. Rounds alternate the order of
the legs (forward, backward, …) and the figures are medians over rounds.

The machine's core count is printed beside the figures: every worker, the dispatcher and the
users share the same cores, so on 2 cores more workers cannot be faster in total; the point
is that they are not slower and lose nothing. Writes benchmarks/results/scaling-latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from benchmarks.load import percentile
from benchmarks.report import write_results
from tests.multiworker.web_world import TODAY, run_web
from tests.multiworker.workers import Backend, sqlite_backend, start_web_workers, stop_all

RESULTS: Final = Path(__file__).parent / "results"

BackendFactory = Callable[[Path], AbstractAsyncContextManager[Backend]]


@asynccontextmanager
async def sqlite_store(directory: Path) -> AsyncIterator[Backend]:
    yield sqlite_backend(directory)


@asynccontextmanager
async def postgresql_store(directory: Path) -> AsyncIterator[Backend]:
    """A throwaway PostgreSQL server from the Debian binaries (the tests' tests/postgres.py:
    initdb in a temporary folder, 127.0.0.1 only, no fsync), one per leg."""
    from tests.postgres import Server

    server = Server()
    await asyncio.to_thread(server.start)
    try:
        yield Backend("postgresql", await asyncio.to_thread(server.fresh_database))
    finally:
        await asyncio.to_thread(server.stop)


def backends() -> dict[str, BackendFactory]:
    """The stores a leg can run on, by name."""
    return {"sqlite": sqlite_store, "postgresql": postgresql_store}


@dataclass(frozen=True)
class Leg:
    backend: str
    workers: int

    @property
    def name(self) -> str:
        return f"{self.backend}-{self.workers}"


def default_legs() -> list[Leg]:
    return [Leg("sqlite", 1), *(Leg("postgresql", n) for n in (1, 2, 4))]


async def run_leg(leg: Leg, users: int, workdir: Path, *, warmup: bool) -> dict[str, Any]:
    async with backends()[leg.backend](workdir) as backend:
        workers = await start_web_workers(leg.workers, backend, workdir, today=TODAY)
        try:
            if warmup:
                await run_web(leg.workers, 40, backend, workdir, processes=workers)
            report = await run_web(leg.workers, users, backend, workdir, processes=workers)
        finally:
            await stop_all(workers)
    return {
        "leg": leg.name,
        "backend": leg.backend,
        "workers": leg.workers,
        "users": users,
        "requests": report.requests,
        "requests_per_second": round(report.requests_per_second, 1),
        "latency_p50_ms": round(percentile(report.latencies, 50) * 1000, 1),
        "latency_p99_ms": round(percentile(report.latencies, 99) * 1000, 1),
        "lost": report.lost,
        "wrong": len(report.wrong),
        "wrong_examples": report.wrong[:3],
        "errors_in_logs": len(report.errors_in_logs),
    }


async def run(users: int, rounds: int, legs: list[Leg], *, warmup: bool = True,
              log: Callable[[str], None] = print) -> dict[str, Any]:
    per_round: list[dict[str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory(prefix="yibao-scaling-") as tmp:
        for number in range(rounds):
            order = legs if number % 2 == 0 else legs[::-1]
            results = {}
            for leg in order:
                workdir = Path(tmp) / f"round{number + 1}-{leg.name}"
                workdir.mkdir()
                results[leg.name] = figures = await run_leg(leg, users, workdir,
                                                            warmup=warmup)
                log(f"round {number + 1} {leg.name}: {figures['requests']} requests, "
                    f"{figures['requests_per_second']}/s, p99 {figures['latency_p99_ms']} ms, "
                    f"lost {figures['lost']}, wrong {figures['wrong']}")
            per_round.append(results)
    baseline = legs[0].name
    summary = {}
    for leg in legs:
        rows = [r[leg.name] for r in per_round]
        summary[leg.name] = {
            "backend": leg.backend,
            "workers": leg.workers,
            "requests_per_second": statistics.median(r["requests_per_second"] for r in rows),
            "latency_p99_ms": statistics.median(r["latency_p99_ms"] for r in rows),
            "lost": sum(r["lost"] for r in rows),
            "wrong": sum(r["wrong"] for r in rows),
            # within each round against the baseline leg, then the median
            "throughput_vs_baseline": round(statistics.median(
                r[leg.name]["requests_per_second"] / r[baseline]["requests_per_second"]
                for r in per_round if r[baseline]["requests_per_second"]), 2),
            "p99_vs_baseline": round(statistics.median(
                r[leg.name]["latency_p99_ms"] / r[baseline]["latency_p99_ms"]
                for r in per_round if r[baseline]["latency_p99_ms"]), 2),
        }
    return {"users": users, "rounds": rounds, "cores": os.cpu_count(), "baseline": baseline,
            "today": TODAY, "legs": summary, "per_round": per_round}


def table(result: dict[str, Any]) -> str:
    lines = [f"{result['users']} users, {result['rounds']} round(s), "
             f"{result['cores']} cores (workers, dispatcher and users share them)", "",
             f"| leg | requests/s | p99 ms | ×{result['baseline']} requests/s | "
             f"×{result['baseline']} p99 | lost | wrong |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, leg in result["legs"].items():
        lines.append(f"| {name} | {leg['requests_per_second']} | {leg['latency_p99_ms']} | "
                     f"{leg['throughput_vs_baseline']} | {leg['p99_vs_baseline']} | "
                     f"{leg['lost']} | {leg['wrong']} |")
    return "\n".join(lines)


def _legs(text: str) -> list[Leg]:
    out = []
    for part in text.split(","):
        backend, _, workers = part.strip().rpartition("-")
        if backend not in backends() or not workers.isdigit():
            raise argparse.ArgumentTypeError(
                f"{part!r}: a leg is BACKEND-WORKERS, BACKEND one of {', '.join(backends())}")
        out.append(Leg(backend, int(workers)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scaling", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200, help="users at once (200)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds, alternating order (2)")
    parser.add_argument("--legs", type=_legs, default=None,
                        help="comma-separated BACKEND-WORKERS, the first is the baseline "
                             "(default: sqlite-1, postgresql-1, postgresql-2, postgresql-4)")
    parser.add_argument("--no-warmup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=RESULTS / "scaling-latest.json")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.users, args.rounds, args.legs or default_legs(),
                             warmup=not args.no_warmup,
                             log=lambda line: print(line, flush=True)))
    print()
    print(table(result))
    write_results(result, args.out)
    return 0 if all(leg["lost"] == 0 and leg["wrong"] == 0
                    for leg in result["legs"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
