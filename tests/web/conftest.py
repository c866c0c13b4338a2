"""Fixtures for the web adapter: the app in-process (Starlette's TestClient) and `yibao web`
as a real server on 127.0.0.1 (for the browser tests and the restart test)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.web.app import WebSettings, create_app

TODAY = date(2025, 5, 25)  # inside 昌图's and 科左后旗's late windows: answers are "ok"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "state.sqlite3"


@pytest.fixture
def client(database: Path) -> Iterator[TestClient]:
    app = create_app(WebSettings(database=database), today=lambda: TODAY)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class WebServer:
    """`python -m bot web` in a child process; start() waits for /healthz."""

    def __init__(self, database: Path, log: Path, today: date = TODAY) -> None:
        self.database = database
        self.log = log
        self.today = today
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "YIBAO_DATABASE_URL": f"sqlite:///{self.database}"}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "web", "--port", str(self.port),
                 "--today", self.today.isoformat()],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"yibao web exited: {self.log.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.05)
        raise RuntimeError("yibao web did not answer /healthz within 15 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def web_server(tmp_path: Path) -> Iterator[WebServer]:
    server = WebServer(tmp_path / "web-state.sqlite3", tmp_path / "web.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()
