"""The scaling leg of `make bench`: 1, 2 and 4 `yibao web` workers on PostgreSQL against one
on SQLite, 200 users at once, requests per second and p99, and nothing lost or wrong.

    python -m benchmarks.scaling                      # 200 users, 2 rounds
    python -m benchmarks.scaling --users 50 --rounds 1
    python -m benchmarks.scaling --rounds 1 --idle 10 --count-sql

Each leg starts its workers (real `yibao web` processes on a fresh database) behind the
alternating dispatcher of tests/multiworker (round robin, as a reverse proxy does), plays
40 conversations per worker to warm up, then N users at once, each a visitor of its own
(cookie jar, form posts, each request waiting for the previous page; every conversation is
the benchmark's, benchmarks/scenarios.py). Every conversation's pages and final stored state
are compared with what one worker gives (tests/multiworker/web_world.py), so a leg that is
fast because it lost or mixed up conversations shows as such. Rounds alternate the order of
the legs (forward, backward, …) and the figures are medians over rounds.

The machine's core count is printed beside the figures: every worker, the dispatcher and the
users share the same cores, so on 2 cores more workers cannot be faster in total; the point
is that they are not slower and lose nothing. Writes benchmarks/results/scaling-latest.json.

Where the time goes, per leg (in the log line, the table and the JSON):

* CPU ms per request of each process over the timed part only (user + system of all its
  threads, from /proc/<pid>/stat read just before the first user starts and just after the
  last finishes): the workers (summed, and each), the PostgreSQL server (the postmaster and
  all its children, living or exited: backends, WAL writer, checkpointer…), the dispatcher
  (a process of its own here, as nginx would be, so it is not mixed with the users), the
  users (this process: the load generator; checking the conversations comes after the timed
  part), the whole machine's busy time (/proc/stat) and the rest of it (the kernel's time not
  charged to a process, and whatever else runs: on a shared machine, other people's work).
  A "request" is one answered page: a post and the GET its redirect leads to count as one.
  /proc counts in clock ticks (10 ms), so a figure is good to about 10 ms over the leg.
* context switches per request of the workers' and the dispatcher's main threads (their
  event loops; /proc/<pid>/status), and how many of the workers' were involuntary (the
  kernel took the core away): what several processes on few cores cost shows here;
* the load average before the leg, and how many cores were busy during it;
* idle CPU (`--idle S`, 5 s by default): each worker's and the server's CPU per second with
  no traffic at all, after the warm-up (background loops would show here);
* with `--count-sql`, SQL statements per request on PostgreSQL and the commonest of them
  (pg_stat_statements, loaded into the leg's throwaway server and reset at the start of the
  timed part; it costs the server a little, so it is off by default).

The warm-up plays 40 conversations per worker, so every worker of a leg has seen as much
as a lone worker has before the timed part.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from benchmarks.load import percentile
from benchmarks.processes import ROOT, STARTUP_TIMEOUT
from benchmarks.report import write_results
from tests.multiworker.web_world import TODAY, run_web
from tests.multiworker.workers import (
    Backend,
    Worker,
    sqlite_backend,
    start_web_workers,
    stop_all,
)

RESULTS: Final = Path(__file__).parent / "results"

StoreFactory = Callable[[Path, bool], AbstractAsyncContextManager["Store"]]
CLOCK_TICKS: Final = os.sysconf("SC_CLK_TCK")
STATEMENTS_OPTIONS: Final = ("-c shared_preload_libraries=pg_stat_statements "
                              "-c pg_stat_statements.track=all")


@dataclass(frozen=True)
class Store:
    """A leg's store: the workers' setting, and the database server's process if any."""

    backend: Backend
    server_pid: int | None = None  # the postmaster (its children are the server's processes)
    count_sql: bool = False  # pg_stat_statements is loaded and created in the database


@asynccontextmanager
async def sqlite_store(directory: Path, count_sql: bool) -> AsyncIterator[Store]:
    yield Store(sqlite_backend(directory))


@asynccontextmanager
async def postgresql_store(directory: Path, count_sql: bool) -> AsyncIterator[Store]:
    """A throwaway PostgreSQL server from the Debian binaries (the tests' tests/postgres.py:
    initdb in a temporary folder, 127.0.0.1 only, no fsync), one per leg; with `count_sql`,
    pg_stat_statements counts the statements."""
    from tests.postgres import Server

    server = Server(STATEMENTS_OPTIONS if count_sql else "")
    await asyncio.to_thread(server.start)
    try:
        url = await asyncio.to_thread(server.fresh_database)
        if count_sql:
            await asyncio.to_thread(_sql, url, "CREATE EXTENSION pg_stat_statements")
        yield Store(Backend("postgresql", url), server.pid, count_sql)
    finally:
        await asyncio.to_thread(server.stop)


def backends() -> dict[str, StoreFactory]:
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


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat's fields from the third (state) on; [] when the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def process_seconds(pid: int, *, reaped: bool = False) -> float:
    """User + system CPU of a process (all its threads) so far; with `reaped`, also of its
    children that have exited and been waited for (cutime, cstime)."""
    fields = _stat(pid)
    if not fields:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    if reaped:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime (fields 16, 17)
    return ticks / CLOCK_TICKS


def tree_seconds(pid: int) -> float:
    """CPU of a process and its children, living or exited: the PostgreSQL server's
    postmaster with every backend, the checkpointer, the WAL writer, autovacuum…"""
    total = process_seconds(pid, reaped=True)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields and fields[1] == str(pid):  # ppid
                total += process_seconds(int(entry.name))
    return total


def context_switches(pid: int) -> float:
    """Voluntary (it waited: for the network, the database) and involuntary (the kernel took
    the core away) context switches of a process's main thread so far."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    return float(sum(int(line.split()[1]) for line in text.splitlines()
                     if line.startswith(("voluntary_ctxt_switches",
                                         "nonvoluntary_ctxt_switches"))))


def involuntary_switches(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    return float(sum(int(line.split()[1]) for line in text.splitlines()
                     if line.startswith("nonvoluntary_ctxt_switches")))


def machine_seconds() -> float:
    """Busy CPU seconds of the whole machine so far, every core (/proc/stat: all but idle
    and iowait): what the leg's processes used, and everything else running besides."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


class CpuMeter:
    """CPU seconds of each of a leg's processes between `start` and `stop` (the timed part):
    `timed` is run_web's callback."""

    def __init__(self, roles: dict[str, Callable[[], float]], *, machine: bool = True) -> None:
        self.roles = {**roles, "machine": machine_seconds} if machine else dict(roles)
        self.before: dict[str, float] = {}
        self.used: dict[str, float] = {}
        self.wall = 0.0
        self._started = 0.0

    def read(self) -> dict[str, float]:
        return {name: read() for name, read in self.roles.items()}

    def timed(self, event: str) -> None:
        if event == "start":
            self._started = time.perf_counter()
            self.before = self.read()
        else:
            self.wall = time.perf_counter() - self._started
            after = self.read()
            self.used = {name: after[name] - self.before[name] for name in after}


def _sql(url: str, query: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        cursor = db.execute(query.encode())
        return list(cursor.fetchall()) if cursor.description else []


_STATEMENTS: Final = """
    SELECT s.query, s.calls FROM pg_stat_statements s
    JOIN pg_database d ON d.oid = s.dbid
    WHERE d.datname = current_database() AND s.query NOT LIKE '%pg_stat_statements%'
    ORDER BY s.calls DESC
"""


@asynccontextmanager
async def dispatcher_process(workers: list[Worker]) -> AsyncIterator[tuple[str, int]]:
    """tests/multiworker's dispatcher as a process of its own (as nginx would be), so its
    CPU is told from the users'; its URL and pid."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.multiworker.dispatcher",
        *(f"{w.name}={w.url}" for w in workers),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), STARTUP_TIMEOUT)
        if not line.startswith(b"http://"):
            raise RuntimeError(f"the dispatcher did not start: {line!r}")
        yield line.decode().strip(), process.pid
    finally:
        if process.returncode is None:
            process.terminate()
        await process.communicate()


def _per_request(seconds: float, requests: int) -> float:
    return round(seconds * 1000 / requests, 3) if requests else 0.0


def _per_switch(count: float, requests: int) -> float:
    return round(count / requests, 2) if requests else 0.0


async def run_leg(leg: Leg, users: int, workdir: Path, *, warmup: bool, idle: float = 0.0,
                  count_sql: bool = False) -> dict[str, Any]:
    load_before = round(os.getloadavg()[0], 2)
    async with backends()[leg.backend](workdir, count_sql) as store:
        backend, count_sql = store.backend, store.count_sql
        workers = await start_web_workers(leg.workers, backend, workdir, today=TODAY)
        try:
            async with dispatcher_process(workers) as (url, dispatcher_pid):
                if warmup:  # every worker warms up as much as a lone one would
                    await run_web(leg.workers, 40 * leg.workers, backend, workdir,
                                  processes=workers, dispatcher_url=url)
                roles: dict[str, Callable[[], float]] = {
                    w.name: functools.partial(process_seconds, w.process.pid)
                    for w in workers}
                if store.server_pid is not None:
                    roles["postgresql"] = functools.partial(tree_seconds, store.server_pid)
                idle_meter = CpuMeter(roles)
                if idle:
                    idle_meter.timed("start")
                    await asyncio.sleep(idle)
                    idle_meter.timed("stop")
                roles["dispatcher"] = functools.partial(process_seconds, dispatcher_pid)
                roles["users"] = functools.partial(process_seconds, os.getpid())
                meter = CpuMeter(roles)
                switches = CpuMeter({
                    **{f"{w.name} {kind}": functools.partial(read, w.process.pid)
                       for w in workers
                       for kind, read in (("all", context_switches),
                                          ("involuntary", involuntary_switches))},
                    "dispatcher all": functools.partial(context_switches, dispatcher_pid),
                }, machine=False)

                def timed(event: str) -> None:
                    if count_sql and event == "start":
                        _sql(backend.url, "SELECT pg_stat_statements_reset()")
                    meter.timed(event)
                    switches.timed(event)

                report = await run_web(leg.workers, users, backend, workdir,
                                       processes=workers, dispatcher_url=url, timed=timed)
                statements = _sql(backend.url, _STATEMENTS) if count_sql else []
        finally:
            await stop_all(workers)
    requests = report.requests
    used = meter.used
    worker_seconds = sum(used[w.name] for w in workers)
    measured = sum(seconds for name, seconds in used.items() if name != "machine")
    cpu = {
        "workers": _per_request(worker_seconds, requests),
        "postgresql": _per_request(used.get("postgresql", 0.0), requests),
        "dispatcher": _per_request(used["dispatcher"], requests),
        "users": _per_request(used["users"], requests),
        # other helpers' work, the kernel's softirq time not charged to a process, …
        "rest_of_machine": _per_request(max(used["machine"] - measured, 0.0), requests),
        "machine": _per_request(used["machine"], requests),
    }
    figures: dict[str, Any] = {
        "leg": leg.name,
        "backend": leg.backend,
        "workers": leg.workers,
        "users": users,
        "requests": requests,
        "requests_per_second": round(report.requests_per_second, 1),
        "latency_p50_ms": round(percentile(report.latencies, 50) * 1000, 1),
        "latency_p99_ms": round(percentile(report.latencies, 99) * 1000, 1),
        "lost": report.lost,
        "wrong": len(report.wrong),
        "wrong_examples": report.wrong[:3],
        "errors_in_logs": len(report.errors_in_logs),
        "cpu_ms_per_request": cpu,
        "cpu_ms_per_request_each_worker": [_per_request(used[w.name], requests)
                                           for w in workers],
        # context switches per request: each worker wakes up for its sockets and its
        # database; involuntary ones are the kernel taking the core away
        "switches_per_request": {
            "workers": _per_switch(sum(switches.used[f"{w.name} all"] for w in workers),
                                   requests),
            "workers_involuntary": _per_switch(
                sum(switches.used[f"{w.name} involuntary"] for w in workers), requests),
            "dispatcher": _per_switch(switches.used["dispatcher all"], requests),
        },
        "cores_busy": round(used["machine"] / meter.wall, 2) if meter.wall else 0.0,
        "load_average_before": load_before,
    }
    if idle:
        figures["idle_cpu_ms_per_second"] = {
            name: round(seconds * 1000 / idle_meter.wall, 2)
            for name, seconds in idle_meter.used.items()}
    if count_sql:
        calls = sum(int(n) for _, n in statements)
        figures["sql_statements_per_request"] = round(calls / requests, 2) if requests else 0
        figures["sql_statements"] = [
            {"query": " ".join(str(q).split())[:100], "per_request": round(int(n) / requests, 3)}
            for q, n in statements[:12]] if requests else []
    return figures


async def run(users: int, rounds: int, legs: list[Leg], *, warmup: bool = True,
              idle: float = 0.0, count_sql: bool = False,
              log: Callable[[str], None] = print) -> dict[str, Any]:
    per_round: list[dict[str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory(prefix="yibao-scaling-") as tmp:
        for number in range(rounds):
            order = legs if number % 2 == 0 else legs[::-1]
            results = {}
            for leg in order:
                workdir = Path(tmp) / f"round{number + 1}-{leg.name}"
                workdir.mkdir()
                results[leg.name] = figures = await run_leg(
                    leg, users, workdir, warmup=warmup, idle=idle, count_sql=count_sql)
                cpu = figures["cpu_ms_per_request"]
                log(f"round {number + 1} {leg.name} (load {figures['load_average_before']}): "
                    f"{figures['requests']} requests, {figures['requests_per_second']}/s, "
                    f"p99 {figures['latency_p99_ms']} ms, lost {figures['lost']}, wrong "
                    f"{figures['wrong']}; CPU ms/request: " + ", ".join(
                        f"{name} {value}" for name, value in cpu.items())
                    + "; context switches/request: " + ", ".join(
                        f"{name} {value}" for name, value in
                        figures["switches_per_request"].items())
                    + (f"; SQL statements/request {figures['sql_statements_per_request']}"
                       if "sql_statements_per_request" in figures else "")
                    + (f"; idle CPU ms/s {figures['idle_cpu_ms_per_second']}" if idle else ""))
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
            "cpu_ms_per_request": {
                name: round(statistics.median(r["cpu_ms_per_request"][name] for r in rows), 3)
                for name in rows[0]["cpu_ms_per_request"]},
            "switches_per_request": {
                name: round(statistics.median(r["switches_per_request"][name] for r in rows), 2)
                for name in rows[0]["switches_per_request"]},
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
    roles = list(next(iter(result["legs"].values()))["cpu_ms_per_request"])
    lines += ["", "CPU ms per request (user + system, timed part only):", "",
              "| leg | " + " | ".join(roles) + " |",
              "|---|" + "---:|" * len(roles)]
    for name, leg in result["legs"].items():
        cpu = leg["cpu_ms_per_request"]
        lines.append(f"| {name} | " + " | ".join(str(cpu[r]) for r in roles) + " |")
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
    parser.add_argument("--idle", type=float, default=5.0,
                        help="seconds each leg's workers are left without traffic, their CPU "
                             "measured (5; 0 skips)")
    parser.add_argument("--count-sql", action="store_true",
                        help="count SQL statements per request on PostgreSQL "
                             "(pg_stat_statements, which costs the server a little)")
    parser.add_argument("--no-warmup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=RESULTS / "scaling-latest.json")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.users, args.rounds, args.legs or default_legs(),
                             warmup=not args.no_warmup, idle=args.idle,
                             count_sql=args.count_sql,
                             log=lambda line: print(line, flush=True)))
    print()
    print(table(result))
    write_results(result, args.out)
    return 0 if all(leg["lost"] == 0 and leg["wrong"] == 0
                    for leg in result["legs"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
