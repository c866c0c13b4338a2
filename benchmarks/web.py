"""The web leg of `make bench`: N users at once through the chat over HTTP, `yibao web`
against a bare Starlette page on the same server settings (benchmarks/bare_web.py).

    python -m benchmarks.web                       # 200 users, 3 rounds
    python -m benchmarks.web --users 50 --rounds 1

Each user plays one of the conversations of the Telegram leg (benchmarks/scenarios.py: the
golden-transcript scenarios by buttons and free text in three languages, and volunteers'
lookups) with a cookie jar of its own: "/start R" opens /r/R, a click posts the n-th button
of the latest reply that has buttons (as the form would), text posts the message; each next
request waits for the previous answer. The bare server receives the same requests (same
methods, paths and bodies) and answers each with one fixed page.

Method: both servers are child processes started with the same uvicorn settings
(`bot.web.command.server_options`), listening on 127.0.0.1 only; this process is the load
generator and nothing else, so a server's CPU (utime + stime of all its threads, from its
process CPU clock in nanoseconds, read before and after a phase; /proc/<pid>/stat's 10 ms
ticks only as a fallback) is its own work and none of the generator's. CPU per request is
that CPU over the HTTP requests the server answered (a redirect and the page it leads to
count as two); latency is per user action, from sending
it to having read the whole final page. Each server gets a warm-up (every script once, not
measured), then the levels. The two alternate within each round (AB, BA, …) and the figures
are medians over rounds, the ratios medians of each round's ratio, as in the bot's leg. A
request waits at most 60 s, a phase at most PHASE_LIMIT_S. Prints a table and writes
benchmarks/results/web-latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import aiohttp

from benchmarks.report import write_results
from benchmarks.scenarios import Script, scripts

ROOT: Final = Path(__file__).resolve().parent.parent
RESULTS: Final = Path(__file__).parent / "results"
CLOCK_TICKS: Final = os.sysconf("SC_CLK_TCK")
TODAY: Final = "2025-05-25"
# A phase that takes longer than this has stalled (200 users take well under a minute).
PHASE_LIMIT_S: Final = 600.0
_FORM: Final = re.compile(r'<form method="post" action="/chat" class="buttons[^"]*">(.*?)</form>',
                          re.S)
_SEQ: Final = re.compile(r'name="seq" value="(\d+)"')
_OPTION: Final = re.compile(r'name="option" value="([^"]+)"')
_CSRF: Final = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@dataclass
class Server:
    name: str  # "yibao" or "bare"
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """The server's CPU time so far, all its threads (exited ones too), in nanosecond
        steps: its process CPU clock (clock_getcpuclockid). /proc/<pid>/stat counts in clock
        ticks (10 ms): a 200-user phase of the bare page is only ~30 of them, and a smoke
        run's phase could read 0 (no ratio at all). /proc stays the fallback."""
        clock = _process_clock(self.process.pid)
        if clock is not None:
            return time.clock_gettime(clock)
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)


def _process_clock(pid: int) -> int | None:
    """The CPU-time clock of process `pid` (utime + stime of all its threads), or None."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        clock = ctypes.c_int()
        if libc.clock_getcpuclockid(pid, ctypes.byref(clock)) != 0:
            return None
        time.clock_gettime(clock.value)  # readable (same user), or OSError
    except (OSError, AttributeError):
        return None
    return clock.value


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(name: str, workdir: Path) -> Server:
    port = _free_port()
    env = {**os.environ, "YIBAO_DATABASE_URL": f"sqlite:///{workdir / f'{name}.sqlite3'}",
           # the per-client limit would refuse a benchmark that is one client
           "YIBAO_WEB_RATE": "1000000/1000000"}
    if name == "yibao":
        command = [sys.executable, "-m", "bot", "web", "--port", str(port), "--today", TODAY]
    else:
        command = [sys.executable, "-m", "benchmarks.bare_web", "--port", str(port)]
    log = (workdir / f"{name}.log").open("ab")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
    server = Server(name, port, process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {(workdir / f'{name}.log').read_text()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=1):
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
    raise RuntimeError(f"{name} did not answer within 30 s")


@dataclass
class Outcome:
    latencies: list[float]  # one per user action, redirects followed included
    errors: int
    requests: int = 0  # HTTP requests the server answered (a redirect and its target: two)


async def play(session: aiohttp.ClientSession, base: str, script: Script, out: Outcome) -> None:
    """One user's conversation: each request waits for the previous answer."""
    page = ""

    async def request(method: str, path: str, data: dict[str, str] | None = None) -> None:
        nonlocal page
        started = time.perf_counter()
        try:
            async with session.request(method, base + path, data=data) as response:
                body = await response.text()
                out.requests += 1 + len(response.history)
                if response.status != 200:
                    out.errors += 1
        except aiohttp.ClientError:
            out.errors += 1
            return
        out.latencies.append(time.perf_counter() - started)
        page = body

    for kind, value in script.actions:
        csrf_match = _CSRF.search(page)
        csrf = csrf_match.group(1) if csrf_match else "0" * 32
        if kind == "text" and isinstance(value, str) and value.startswith("/start"):
            region = value.removeprefix("/start").strip()
            await request("GET", (f"/r/{region}" if region else "/") + f"?lang={script.lang}")
        elif kind == "text":
            await request("POST", "/chat", {"csrf": csrf, "text": str(value)})
        else:
            forms = [f for f in _FORM.findall(page) if _OPTION.search(f)]
            if forms:
                options = _OPTION.findall(forms[-1])
                seq_match = _SEQ.search(forms[-1])
                seq = seq_match.group(1) if seq_match else "0"
                option = (options[min(value, len(options)) - 1] if isinstance(value, int)
                          else str(value))
            else:  # the bare page has no buttons: the same request all the same
                option, seq = str(value) if not isinstance(value, int) else "r:changtu", "1"
            await request("POST", "/chat", {"csrf": csrf, "seq": seq, "option": option})


async def phase(server: Server, users: int, plan: list[Script]) -> dict[str, Any]:
    out = Outcome([], 0)
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=60)
    cpu_before = server.cpu_seconds()
    started = time.perf_counter()
    sessions = [aiohttp.ClientSession(connector=connector, connector_owner=False,
                                      timeout=timeout, cookie_jar=aiohttp.CookieJar(unsafe=True))
                for _ in range(users)]
    try:
        await asyncio.wait_for(
            asyncio.gather(*(play(s, server.url, plan[i % len(plan)], out)
                             for i, s in enumerate(sessions))),
            PHASE_LIMIT_S,
        )
    except TimeoutError:
        raise RuntimeError(f"{server.name}: {users} users not done within {PHASE_LIMIT_S} s "
                           f"({len(out.latencies)} actions answered)") from None
    finally:
        for s in sessions:
            await s.close()
        await connector.close()
    wall = time.perf_counter() - started
    cpu = server.cpu_seconds() - cpu_before
    lat = sorted(out.latencies)
    count = len(lat)
    requests = out.requests

    def pct(p: float) -> float:
        return round(lat[min(count - 1, int(p * count))] * 1000, 1) if count else 0.0

    return {
        "requests": requests,
        "actions": count,
        "errors": out.errors,
        "requests_per_second": round(requests / wall, 1) if wall else 0.0,
        "latency_p50_ms": pct(0.50),
        "latency_p99_ms": pct(0.99),
        "cpu_seconds_per_1000_requests": round(cpu / requests * 1000, 3) if requests else 0.0,
    }


async def run(users: int, rounds: int, levels: tuple[int, ...],
              log: Any = print) -> dict[str, Any]:
    plan = scripts()
    per_round: list[dict[str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory(prefix="yibao-web-bench-") as tmp:
        for round_number in range(rounds):
            order = ("yibao", "bare") if round_number % 2 == 0 else ("bare", "yibao")
            results: dict[str, dict[str, Any]] = {}
            for name in order:
                server = start(name, Path(tmp))
                try:
                    await phase(server, min(users, len(plan)), plan)  # warm-up, not measured
                    legs = {str(level): await phase(server, level, plan)
                            for level in (*levels, users)}
                finally:
                    server.stop()
                results[name] = legs
                main = legs[str(users)]
                log(f"round {round_number + 1} {name}: {main['requests']} requests at {users} "
                    f"users, p99 {main['latency_p99_ms']} ms, "
                    f"{main['cpu_seconds_per_1000_requests']} CPU s/1,000, "
                    f"{main['errors']} errors")
            per_round.append(results)
    summary: dict[str, Any] = {}
    for level in (*levels, users):
        key = str(level)
        entry: dict[str, Any] = {}
        for name in ("yibao", "bare"):
            entry[name] = {
                metric: statistics.median(r[name][key][metric] for r in per_round)
                for metric in per_round[0][name][key]
            }
        entry["ratios"] = {
            metric: round(statistics.median(
                r["yibao"][key][metric] / r["bare"][key][metric]
                for r in per_round if r["bare"][key][metric]), 2)
            for metric in ("latency_p50_ms", "latency_p99_ms", "cpu_seconds_per_1000_requests")
        }
        summary[key] = entry
    return {"users": users, "rounds": rounds, "levels": list(levels), "today": TODAY,
            "phases": summary, "per_round": per_round}


def table(result: dict[str, Any]) -> str:
    lines = ["| users | | yibao web | bare page | yibao / bare |", "|---:|---|---:|---:|---:|"]
    for level, entry in result["phases"].items():
        for metric, name in (("latency_p50_ms", "p50 ms"), ("latency_p99_ms", "p99 ms"),
                             ("cpu_seconds_per_1000_requests", "CPU s / 1,000 requests")):
            lines.append(f"| {level} | {name} | {entry['yibao'][metric]} | "
                         f"{entry['bare'][metric]} | {entry['ratios'][metric]} |")
        lines.append(f"| {level} | errors | {entry['yibao']['errors']} | "
                     f"{entry['bare']['errors']} | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200, help="users at the main level (200)")
    parser.add_argument("--rounds", type=int, default=3, help="A/B rounds (3)")
    parser.add_argument("--levels", default="1,25", help="lighter levels first ('1,25')")
    parser.add_argument("--out", type=Path, default=RESULTS / "web-latest.json")
    args = parser.parse_args(argv)
    levels = tuple(int(x) for x in args.levels.split(",") if x.strip())
    result = asyncio.run(run(args.users, args.rounds, levels,
                             log=lambda line: print(line, flush=True)))
    print()
    print(table(result))
    write_results(result, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
