"""Real worker processes: `yibao telegram --webhook` and `yibao web`, several on one store.

Each worker is its own process, started as an operator would (the `yibao` command's code,
`python -m bot …`), on the database the `Backend` names, listening on its own port on
127.0.0.1. `kill()` is `kill -9`: no shutdown code runs, whatever the worker held in memory
is gone, and what it had committed is all that is left. The log and the stop are the
benchmarks' (benchmarks.processes.LoggedProcess).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import aiohttp

from benchmarks.processes import ROOT, STARTUP_TIMEOUT, LoggedProcess

TOKEN: Final = "123456:AAMultiWorkerTokenNotReal_0123456789ab"
SECRET: Final = "multiworker-secret_1"
WEBHOOK_PATH: Final = "hook"
# The web's per-client limit would refuse a test that is one client behind one proxy.
UNLIMITED_RATE: Final = "1000000/1000000"


@dataclass(frozen=True)
class Backend:
    """Where the workers keep conversations: the one setting every worker gets."""

    name: str  # "sqlite" or "postgresql"
    url: str  # YIBAO_DATABASE_URL

    def env(self) -> dict[str, str]:
        env = {"YIBAO_DATABASE_URL": self.url}
        if self.url.startswith("sqlite:///"):
            # The Telegram command still reads its file from YIBAO_STATE_DB.
            env["YIBAO_STATE_DB"] = self.url.removeprefix("sqlite:///")
        return env


def sqlite_backend(directory: Path) -> Backend:
    return Backend("sqlite", f"sqlite:///{directory / 'state.sqlite3'}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Worker(LoggedProcess):
    process: subprocess.Popen[bytes]

    def __init__(self, name: str, command: list[str], env: dict[str, str], port: int,
                 log_path: Path) -> None:
        self.name = name
        self.port = port
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    async def wait_listening(self, path: str | None) -> None:
        """Until the port accepts connections (and `path`, if given, answers 200)."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if not self.alive:
                    raise RuntimeError(f"{self.name} exited:\n{self.log_tail()}")
                try:
                    if path is None:
                        _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                        writer.close()
                        await writer.wait_closed()
                        return
                    async with session.get(self.url + path) as response:
                        if response.status == 200:
                            return
                except (OSError, aiohttp.ClientError):
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError(f"{self.name} did not listen within {STARTUP_TIMEOUT} s:\n"
                           f"{self.log_tail()}")

    def kill(self) -> None:
        """kill -9."""
        if self.alive:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    async def stop(self) -> int:
        """SIGTERM (what systemd and docker send), then SIGKILL after 20 s."""
        return await self.stop_with(signal.SIGTERM)


def _base_env(backend: Backend) -> dict[str, str]:
    env = {**os.environ, **backend.env(), "PYTHONPATH": str(ROOT), "YIBAO_LOG_LEVEL": "INFO"}
    env.pop("YIBAO_ADMIN_IDS", None)
    return env


async def start_telegram_workers(
    count: int, backend: Backend, bot_api_url: str, workdir: Path,
    settings: dict[str, str] | None = None,
) -> list[Worker]:
    """`count` webhook workers of one bot (same token, same secret) on one store, with
    `settings` (environment variables) besides. The overall 30 messages/s cap is lifted (as
    in the benchmark: the load would otherwise measure the limiter); everything else is
    `yibao telegram --webhook`."""
    env = {**_base_env(backend), "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": bot_api_url,
           "YIBAO_WEBHOOK_SECRET": SECRET, **(settings or {})}
    workers = []
    for number in range(1, count + 1):
        port = free_port()
        command = [sys.executable, "-m", "benchmarks.run_yibao", "--no-flood-limit",
                   "--webhook", "--webhook-url", f"https://helpdesk.example/{WEBHOOK_PATH}",
                   "--listen", "127.0.0.1", "--port", str(port)]
        workers.append(Worker(f"telegram-{number}", command, env, port,
                              workdir / f"telegram-{number}.log"))
    await asyncio.gather(*(w.wait_listening(None) for w in workers))
    return workers


async def start_web_workers(
    count: int, backend: Backend, workdir: Path, *, today: str
) -> list[Worker]:
    """`count` `yibao web` workers on one store."""
    env = {**_base_env(backend), "YIBAO_WEB_RATE": UNLIMITED_RATE}
    workers = []
    for number in range(1, count + 1):
        port = free_port()
        command = [sys.executable, "-m", "bot", "web", "--port", str(port), "--today", today]
        workers.append(Worker(f"web-{number}", command, env, port,
                              workdir / f"web-{number}.log"))
    await asyncio.gather(*(w.wait_listening("/healthz") for w in workers))
    return workers


async def stop_all(workers: list[Worker]) -> None:
    await asyncio.gather(*(w.stop() for w in workers))
