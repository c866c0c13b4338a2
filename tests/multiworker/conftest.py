"""The backends every multi-worker test runs on: a SQLite file, and PostgreSQL once the
store serves it (a throwaway server from the Debian binaries, started by the store's own
test fixture), and the cases each test runs: (backend, workers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.multiworker.workers import Backend, sqlite_backend

BACKENDS = ["sqlite"]


def make_backend(name: str, tmp_path: Path) -> Backend:
    if name == "sqlite":
        return sqlite_backend(tmp_path)
    raise AssertionError(name)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return make_backend(request.param, tmp_path)
