"""The backends every multi-worker test runs on: a SQLite file, and PostgreSQL (a throwaway
server from the Debian binaries, tests/postgres.py, an empty database per test), and the
cases each test runs: (backend, workers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.multiworker.workers import Backend, sqlite_backend

BACKENDS = ["sqlite", "postgresql"]


def make_backend(name: str, tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    if name == "sqlite":
        return sqlite_backend(tmp_path)
    if name == "postgresql":
        return Backend("postgresql", str(request.getfixturevalue("postgres_url")))
    raise AssertionError(name)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return make_backend(request.param, tmp_path, request)
