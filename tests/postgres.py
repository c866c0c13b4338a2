"""A throwaway PostgreSQL server for the tests, from the Debian binaries, on 127.0.0.1.

`Server.start()` runs initdb in a temporary folder and starts postgres on a free port
(trust authentication, listening on 127.0.0.1 only, no fsync: nothing here must survive a
power cut). postgres refuses to run as root, and CI runs as root: then the server runs as
the `postgres` user (Debian's package makes it) or, failing that, `nobody`, through
`runuser`. `.ci/run` installs the `postgresql` package when the binaries are missing.

Each test gets an empty database of its own (`Server.fresh_database()`), made from
template0 so nothing leaks between tests.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Final

START_TIMEOUT: Final = 30.0


def binaries() -> Path | None:
    """The newest Debian PostgreSQL bin folder, or one on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> str | None:
    """The user to run the server as when we are root (postgres refuses root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root and there is no postgres or nobody user to run as")


class Server:
    def __init__(self, options: str = "") -> None:
        bin_dir = binaries()
        if bin_dir is None:
            raise RuntimeError(
                "PostgreSQL binaries not found: install Debian's postgresql package "
                "(apt-get install postgresql; .ci/run does it)"
            )
        self.bin = bin_dir
        self.user = _run_as()
        # Under /tmp when another user runs the server: it must reach the folder.
        self.root = Path(tempfile.mkdtemp(prefix="yibao-pg-", dir="/tmp" if self.user else None))
        self.data = self.root / "data"
        self.port = _free_port()
        self._count = 0
        self.options = options  # more postgres -c settings (the benchmark's statement count)

    def _cmd(self, *args: str) -> list[str]:
        if self.user is None:
            return list(args)
        return ["runuser", "-u", self.user, "--", *args]

    def start(self) -> None:
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        subprocess.run(
            self._cmd(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                      "-U", "yibao", "-E", "UTF8", "--locale=C", "--no-sync"),
            check=True, capture_output=True, timeout=START_TIMEOUT, cwd=self.root,
        )
        subprocess.run(
            self._cmd(
                str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "30",
                "-l", str(self.root / "log"),
                "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                      "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                      f"-c max_connections=200 {self.options}",
                "start",
            ),
            check=True, capture_output=True, timeout=START_TIMEOUT + 5, cwd=self.root,
        )

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            subprocess.run(
                self._cmd(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                          "-w", "stop"),
                capture_output=True, timeout=30, cwd=self.root,
            )
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def pid(self) -> int:
        """The postmaster's process id (the first line of postmaster.pid)."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://yibao@127.0.0.1:{self.port}/{database}"

    def fresh_database(self) -> str:
        """A new empty database; its URL."""
        import psycopg

        self._count += 1
        name = f"t{os.getpid()}_{self._count}_{int(time.time() * 1000) % 100000}"
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)
