"""Fixtures every test folder may use: a throwaway PostgreSQL server (tests.postgres).

The server starts on the first test that asks for it, once per test session, and stops at
the end; `postgres_url` gives each test an empty database of its own on it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres import Server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    server = Server()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: Server) -> str:
    """postgresql://… of a new empty database (no password: the server trusts 127.0.0.1)."""
    return postgres_server.fresh_database()
