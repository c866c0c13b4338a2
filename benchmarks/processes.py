"""The bot under test as its own process, and what /proc says about it.

Each bot runs as a child process of the benchmark, so its CPU time is its own: utime + stime
from /proc/<pid>/stat (all its threads, including yibao's SQLite worker), memory from
/proc/<pid>/status (VmRSS now, VmHWM the peak). The fake Bot API server and the load driver
run in the benchmark's own process and are never charged to the bot.

`LoggedProcess` is what every child process of the benchmarks and of the multi-worker tests
(tests/multiworker/workers.py) shares: its log file read back (the tail for a failure
message, the error lines to count) and a stop that signals, waits, then kills.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from benchmarks.world import BenchApi

ROOT: Final = Path(__file__).resolve().parent.parent
TOKEN: Final = "123456:AABenchmarkTokenNotARealOne_0123456789"
CLOCK_TICKS: Final = os.sysconf("SC_CLK_TCK")
STARTUP_TIMEOUT: Final = 60.0


class LoggedProcess:
    """A child process writing its output to `log_path`."""

    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def errors_in_log(self) -> list[str]:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return [line for line in text.splitlines()
                if " ERROR " in line or " CRITICAL " in line or "Traceback" in line]

    async def stop_with(self, signum: int, timeout: float = 20.0) -> int:
        """Send `signum` (how an operator or a supervisor stops it), wait up to `timeout`
        seconds, then SIGKILL; the exit code."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signum)
            deadline = time.perf_counter() + timeout
            while self.process.poll() is None and time.perf_counter() < deadline:
                await asyncio.sleep(0.02)
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@dataclass(frozen=True)
class BotKind:
    name: str  # "yibao" or "echo"

    def command(self, *, flood_limit: bool, profile: Path | None = None) -> list[str]:
        if profile is not None:
            # cProfile of the main thread (the event loop), written when the bot stops
            python = [sys.executable, "-m", "cProfile", "-o", str(profile)]
        else:
            python = [sys.executable]
        if self.name == "yibao":
            if flood_limit and profile is None:
                # the plain console script, exactly what `make bot` runs
                return [str(Path(sys.executable).parent / "yibao"), "telegram"]
            if flood_limit:
                return [*python, "-m", "bot", "telegram"]
            return [*python, "-m", "benchmarks.run_yibao", "--no-flood-limit"]
        command = [*python, "-m", "benchmarks.echo_bot"]
        return command if flood_limit else [*command, "--no-flood-limit"]


YIBAO: Final = BotKind("yibao")
ECHO: Final = BotKind("echo")


class BotProcess(LoggedProcess):
    def __init__(
        self,
        kind: BotKind,
        api: BenchApi,
        workdir: Path,
        *,
        flood_limit: bool,
        profile: Path | None = None,
    ) -> None:
        self.kind = kind
        self.profile = profile
        self.api = api
        self.workdir = workdir
        self.flood_limit = flood_limit
        self.state_db = workdir / "state.sqlite3"
        self.log_path = workdir / f"{kind.name}.log"
        self.startup_seconds = 0.0

    async def start(self) -> None:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": self.api.base_url,
            "YIBAO_STATE_DB": str(self.state_db),
            "YIBAO_LOG_LEVEL": "INFO",  # the default, what production runs
            "PYTHONPATH": str(ROOT),
        }
        env.pop("YIBAO_ADMIN_IDS", None)
        with self.log_path.open("wb") as log:
            started = time.perf_counter()
            self.process = subprocess.Popen(
                self.kind.command(flood_limit=self.flood_limit, profile=self.profile),
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = started + STARTUP_TIMEOUT
        while self.api.first_get_updates is None:
            if self.process.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"{self.kind.name} bot did not start:\n{self.log_tail()}")
            await asyncio.sleep(0.002)
        self.startup_seconds = self.api.first_get_updates - started

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User + system CPU of the bot process (every thread) so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        # fields[0] is field 3 (state); utime and stime are fields 14 and 15
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def thread_cpu_seconds(self) -> dict[str, float]:
        """CPU seconds so far of the main thread (the event loop) and of all other threads
        (yibao's SQLite worker, asyncio's executor) still alive."""
        out = {"event_loop": 0.0, "other_threads": 0.0}
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            try:
                raw = (task / "stat").read_text()
            except OSError:
                continue  # the thread ended
            fields = raw.rsplit(")", 1)[1].split()
            seconds = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
            out["event_loop" if task.name == str(self.pid) else "other_threads"] += seconds
        return out

    def memory_kib(self) -> dict[str, int]:
        out = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
        return out

    async def stop(self) -> int:
        """Ctrl-C, as an operator stops it; returns the exit code."""
        return await self.stop_with(signal.SIGINT)
